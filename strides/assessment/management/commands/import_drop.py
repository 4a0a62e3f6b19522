"""``strides import-drop FILE --drop SLUG [--dry-run] [--json]``: import a data drop's levels from a
spreadsheet (the drop template or an analyst's own XLSX or CSV; see docs/importing-drops.md).

Exit status 0 when imported (or a clean dry run); 1 when any row is refused, and then nothing is
written. ``--json`` prints only ``{"created", "updated", "unchanged", "errors"}``, the pupil
import's shape, each error with its row, field (the column), value and message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strides.assessment.models import DataDrop
from strides.assessment.sheets.importer import DropImportReport, import_drop_file
from strides.imports.records import RowError


class Command(BaseCommand):
    help = "Import a data drop's levels from a spreadsheet (XLSX, CSV). Exit 1 if any row is refused."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The spreadsheet to import.")
        parser.add_argument(
            "--drop", required=True, metavar="SLUG", help="The drop's slug (see the drop's page)."
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
        verbose = options["verbosity"] >= 2 and not options["json"]
        report = self.run_import(path, options["drop"], options["dry_run"], detail=verbose)
        if options["json"]:
            self.stdout.write(json.dumps(report.summary(), ensure_ascii=False))
        else:
            self.print_report(path, report, verbose)
        if report.errors:
            refused = report.refused_rows
            what = f"{refused} {'row' if refused == 1 else 'rows'}" if refused else "The file"
            raise CommandError(f"{what} refused; nothing was written.", returncode=1)

    def run_import(self, path: str, slug: str, dry_run: bool, *, detail: bool) -> DropImportReport:
        drop = DataDrop.objects.filter(slug=slug).select_related("trust", "academic_year").first()
        if drop is None:
            return DropImportReport(
                errors=[RowError(None, "drop", slug, f"There is no drop called {slug!r}.")]
            )
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            return DropImportReport(
                errors=[RowError(None, "file", path, f"Cannot read the file: {exc.strerror}.")]
            )
        report, _versions = import_drop_file(
            data,
            drop=drop,
            actor=None,
            filename=Path(path).name,
            reason=f"import {Path(path).name}",
            dry_run=dry_run,
            detail=detail,
        )
        return report

    def print_report(self, path: str, report: DropImportReport, verbose: bool) -> None:
        out = self.stdout.write
        out(f"Import of {path} into {report.drop}" if report.drop else f"Import of {path}")
        out(f"  created    {report.created:>7}")
        out(f"  updated    {report.updated:>7}")
        out(f"  unchanged  {report.unchanged:>7}")
        out(f"  refused    {report.refused_rows:>7}")
        if report.ignored_columns:
            out("Columns ignored: " + ", ".join(report.ignored_columns))
        for note in report.notes:
            out(note)
        changed = [r for r in report.rows if r.outcome != "unchanged"]
        if verbose and changed:
            out("")
            out(f"{'Row':>6}  {'Outcome':<9}  {'UPN':<13}  {'Subject':<10}  Change")
            for row in changed:
                change = f"{row.before} → {row.after}" if row.before else row.after
                out(f"{row.row or '':>6}  {row.outcome:<9}  {row.upn:<13}  {row.subject[:10]:<10}  {change}")
        if report.errors:
            out("")
            out(f"{'Row':>6}  {'Column':<16}  {'Value':<16}  Problem")
            for error in report.errors:
                row = "file" if error.row is None else error.row
                out(f"{row:>6}  {error.field[:16]:<16}  {error.value[:16]:<16}  {error.message}")
            out("")
            out("Nothing was written: correct the rows above and import the file again.")
        elif report.dry_run:
            out("Dry run: nothing was written.")
        else:
            out("Imported.")
