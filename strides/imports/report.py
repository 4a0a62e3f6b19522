"""What the import commands share (``strides import-pupils``, ``import-ctf`` and ``import-drop``):
the file argument with ``--dry-run`` and ``--json``, reading the file, the exit status, and the
report printed as a readable table or exactly as JSON (``{"created", "updated", "unchanged",
"errors"}``, each error with its row, field, value and message).

Exit status 0 when imported (or a clean dry run); 1 when any row is refused, and then nothing is
written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strides.imports.records import Report, RowError


@dataclass(frozen=True)
class ReportLayout:
    """How one kind of import prints its counts and rows."""

    count_width: int  # the counts' column: a whole trust's drop is about 120,000 judgements
    field_heading: str  # what a refused row's field is called: "Field", "Column"
    field_width: int  # how much of the field and the value the table of refused rows shows
    change_heading: str  # the heading of a changed row's columns after its row and outcome
    change: Callable[[Any], str]  # a changed row's columns after its row and outcome


def print_report(
    write: Callable[[str], Any], path: str, report: Report, layout: ReportLayout, *, list_changes: bool
) -> None:
    """The report as a readable table: the counts, the ignored columns and notes, the changed rows
    (with ``list_changes``) and every refused row, then whether anything was written."""
    write(f"Import of {path} into {report.target}" if report.target else f"Import of {path}")
    for name, count in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("refused", report.refused_rows),
    ):
        write(f"  {name:<9}  {count:>{layout.count_width}}")
    if report.ignored_columns:
        write("Columns ignored: " + ", ".join(report.ignored_columns))
    for note in report.notes:
        write(note)
    changed = [r for r in report.rows if r.outcome != "unchanged"] if list_changes else []
    if changed:
        write("")
        write(f"{'Row':>6}  {'Outcome':<9}  {layout.change_heading}")
        for row in changed:
            write(f"{row.row or '':>6}  {row.outcome:<9}  {layout.change(row)}")
    for heading, lines in report.detail_sections() if list_changes else ():
        write("")
        write(heading)
        for line in lines:
            write(line)
    if report.errors:
        cut = layout.field_width
        write("")
        write(f"{'Row':>6}  {layout.field_heading:<{cut}}  {'Value':<{cut}}  Problem")
        for error in report.errors:
            row = "file" if error.row is None else error.row
            write(f"{row:>6}  {error.field[:cut]:<{cut}}  {error.value[:cut]:<{cut}}  {error.message}")
        write("")
        write("Nothing was written: correct the rows above and import the file again.")
    elif report.dry_run:
        write("Dry run: nothing was written.")
    else:
        write("Imported.")


def read_file(path: str) -> bytes | RowError:
    """The file's bytes, or the error that says why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        return RowError(None, "file", path, f"Cannot read the file: {exc.strerror}.")


class FileImportCommand(BaseCommand):
    """A command that imports one file and reports like every import. A subclass adds the
    arguments naming where the file goes (:meth:`add_target_arguments`) and does the import
    (:meth:`run_import`, which never raises on bad input: every problem is in the report)."""

    layout: ReportLayout
    # the verbosity from which the readable report lists every changed row
    changes_verbosity = 1

    def add_target_arguments(self, parser: Any) -> None:
        raise NotImplementedError

    def run_import(self, path: str, options: dict[str, Any]) -> Report:
        raise NotImplementedError

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The file to import.")
        self.add_target_arguments(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change; write nothing.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print only {"created", "updated", "unchanged", "errors"} as JSON.',
        )

    def lists_changes(self, options: dict[str, Any]) -> bool:
        return not options["json"] and options["verbosity"] >= self.changes_verbosity

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        report = self.run_import(path, options)
        if options["json"]:
            self.stdout.write(json.dumps(report.summary(), ensure_ascii=False))
        else:
            print_report(
                self.stdout.write, path, report, self.layout, list_changes=self.lists_changes(options)
            )
        if report.errors:
            refused = report.refused_rows
            what = f"{refused} {'row' if refused == 1 else 'rows'}" if refused else "The file"
            raise CommandError(f"{what} refused; nothing was written.", returncode=1)
