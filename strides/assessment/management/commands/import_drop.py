"""``strides import-drop FILE --drop SLUG [--dry-run] [--json]``: import a data drop's levels from a
spreadsheet (the drop template or an analyst's own XLSX or CSV; see docs/importing-drops.md).

Exit status 0 when imported (or a clean dry run); 1 when any row is refused, and then nothing is
written. ``--json`` prints only ``{"created", "updated", "unchanged", "errors"}``, the pupil
import's shape, each error with its row, field (the column), value and message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strides.assessment.models import DataDrop
from strides.assessment.sheets.importer import ChangeRow, DropImportReport, import_drop_file
from strides.imports.records import RowError
from strides.imports.report import FileImportCommand, ReportLayout, read_file


def _change(row: ChangeRow) -> str:
    change = f"{row.before} → {row.after}" if row.before else row.after
    return f"{row.upn:<13}  {row.subject[:10]:<10}  {change}"


DROP_LAYOUT = ReportLayout(
    count_width=7,
    field_heading="Column",
    field_width=16,
    change_heading=f"{'UPN':<13}  {'Subject':<10}  Change",
    change=_change,
)


class Command(FileImportCommand):
    help = "Import a data drop's levels from a spreadsheet (XLSX, CSV). Exit 1 if any row is refused."
    layout = DROP_LAYOUT
    changes_verbosity = 2  # a drop's file changes tens of thousands of judgements

    def add_target_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--drop", required=True, metavar="SLUG", help="The drop's slug (see the drop's page)."
        )

    def run_import(self, path: str, options: dict[str, Any]) -> DropImportReport:
        slug = options["drop"]
        drop = DataDrop.objects.filter(slug=slug).select_related("trust", "academic_year").first()
        if drop is None:
            return DropImportReport(
                errors=[RowError(None, "drop", slug, f"There is no drop called {slug!r}.")]
            )
        data = read_file(path)
        if isinstance(data, RowError):
            return DropImportReport(errors=[data])
        report, _versions = import_drop_file(
            data,
            drop=drop,
            actor=None,
            filename=Path(path).name,
            reason=f"import {Path(path).name}",
            dry_run=options["dry_run"],
            detail=self.lists_changes(options),
        )
        return report
