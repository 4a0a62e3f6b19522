"""Dashboard exports: a page's table as an XLSX workbook (``?export=xlsx&table=NAME``).

The rows are the page's own :class:`~strides.dashboards.tables.Table`: sheet "Figures" has them
(figures as numbers, suppressed figures in words, text neutralised against formulas as in the drop
exports) and sheet "About" says what they are, the filters, and when and by whom they were exported.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from strides.assessment.sheets.cells import xlsx_cell
from strides.dashboards.tables import Table, suppressed_text
from strides.small_groups import small_group_threshold

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(table: Table, *, page: str, generated_by: str) -> bytes:
    """The table as an XLSX workbook: sheet "Figures" (header and rows) and sheet "About" (what
    the figures are, the filters, when and for whom they were exported)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Figures"
    for row in table.sheet_rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        width = max(len(column.heading), *(len(str(r.get(column.key) or "")) for r in table.rows), 8)
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(width + 2, 48)
    about = workbook.create_sheet("About")
    lines: list[tuple[str, Any]] = [
        ("Table", table.caption),
        ("Page", page),
        *table.filters,
        ("Exported", timezone.localtime().replace(tzinfo=None, microsecond=0)),
        ("Exported by", generated_by),
        ("Small groups", f"Figures for fewer than {small_group_threshold()} pupils are written as "
         f"“{suppressed_text()}” where your role sees aggregates only."),
    ]  # fmt: skip
    if table.note:
        lines.append(("Note", table.note))
    if table.notice is not None:
        if table.notice.source:
            lines.append(("Compared with", table.notice.source))
        lines += [("Not shown", reason) for reason in table.notice.reasons]
        if table.notice.fixes:
            lines.append(("What would fix it", table.notice.fixes))
    for label, value in lines:
        about.append([xlsx_cell(label), xlsx_cell(value)])
    for cell in about["A"]:
        cell.font = Font(bold=True)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(table: Table, *, page: str, filename: str, generated_by: str) -> HttpResponse:
    response = HttpResponse(
        workbook_bytes(table, page=page, generated_by=generated_by), content_type=XLSX_TYPE
    )
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "table"
    response["Content-Disposition"] = f'attachment; filename="{safe}.xlsx"'
    return response


class ExportError(ValueError):
    """A bad ``export`` or ``table`` parameter: the message says which and why."""


def requested_table(params: Mapping[str, str], tables: Mapping[str, Table]) -> Table | None:
    """The table an ``?export=xlsx&table=NAME`` request asks for; None when none is asked for."""
    kind = params.get("export")
    if kind is None:
        return None
    if kind != "xlsx":
        raise ExportError(f"Export “{kind[:40]}” is not available: the tables export as xlsx.")
    name = params.get("table", "")
    if name not in tables:
        names = ", ".join(sorted(tables)) or "none"
        raise ExportError(f"There is no table “{name[:40]}” on this page (its tables: {names}).")
    return tables[name]
