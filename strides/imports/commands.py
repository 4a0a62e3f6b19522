"""What ``strides import-pupils`` and ``strides import-ctf`` share: reading the file, running
the import and printing the report (a readable table, or exactly the JSON report)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strides.imports.fields import CHANGE_LABELS, describe_value
from strides.imports.importer import DestinationProblem, Kind, import_file, trust_school_by_urn
from strides.imports.records import ImportReport, RowError


class ImportCommand(BaseCommand):
    kind: Kind
    school_required: bool

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--school",
            required=self.school_required,
            metavar="URN",
            help="URN of the trust school to import into."
            + ("" if self.school_required else " Default: the file's destination school (DestSchool)."),
        )
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

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        report = self.run_import(path, options["school"], options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.summary(), ensure_ascii=False))
        else:
            self.print_report(path, report, options["verbosity"])
        if report.errors:
            refused = report.refused_rows
            what = f"{refused} {'row' if refused == 1 else 'rows'}" if refused else "The file"
            raise CommandError(f"{what} refused; nothing was written.", returncode=1)

    def run_import(self, path: str, urn: str | None, dry_run: bool) -> ImportReport:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            return ImportReport(
                errors=[RowError(None, "file", path, f"Cannot read the file: {exc.strerror}.")]
            )
        school = None
        if urn is not None:
            try:
                school = trust_school_by_urn(urn)
            except DestinationProblem as problem:
                return ImportReport(errors=[RowError(None, "school", urn, str(problem))])
        return import_file(
            data,
            kind=self.kind,
            school=school,
            actor=None,
            reason=f"import {path}",
            filename=Path(path).name,
            dry_run=dry_run,
        )

    def print_report(self, path: str, report: ImportReport, verbosity: int) -> None:
        out = self.stdout.write
        if report.school_name:
            out(f"Import of {path} into {report.school_name}")
        out(f"  created    {report.created:>6}")
        out(f"  updated    {report.updated:>6}")
        out(f"  unchanged  {report.unchanged:>6}")
        out(f"  refused    {report.refused_rows:>6}")
        if report.ignored_columns:
            out("Columns ignored: " + ", ".join(report.ignored_columns))
        for note in report.notes:
            out(note)
        if verbosity >= 1:
            changed = [r for r in report.rows if r.outcome != "unchanged"]
            if changed:
                out("")
                out(f"{'Row':>6}  {'Outcome':<9}  {'UPN':<13}  Name and changes")
                for row in changed:
                    detail = row.name + _changes(row.changes)
                    out(f"{row.row or '':>6}  {row.outcome:<9}  {row.upn:<13}  {detail}")
        if report.errors:
            out("")
            out(f"{'Row':>6}  {'Field':<20}  {'Value':<20}  Problem")
            for error in report.errors:
                row = "file" if error.row is None else error.row
                out(f"{row:>6}  {error.field[:20]:<20}  {error.value[:20]:<20}  {error.message}")
            out("")
            out("Nothing was written: correct the rows above and import the file again.")
        elif report.dry_run:
            out("Dry run: nothing was written.")
        else:
            out("Imported.")


def _changes(changes: dict[str, list[Any]]) -> str:
    if not changes:
        return ""
    parts = [
        f"{CHANGE_LABELS.get(name, name)} {describe_value(name, old)} → {describe_value(name, new)}"
        for name, (old, new) in changes.items()
    ]
    return ": " + "; ".join(parts)
