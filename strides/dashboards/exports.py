"""Dashboard tables: what the accessible table beside each chart shows, and its XLSX export.

A :class:`Table` is the one record of a chart's figures. The page renders it with
``dashboards/_table.html`` (caption, ``<th scope>``, an n column, suppressed cells in words) and
``?export=xlsx&table=NAME`` returns the same rows as a workbook. Text cells go through the drop
export's neutraliser (:func:`strides.assessment.sheets.cells.xlsx_cell`), so a school or group
name starting with ``=`` stays text. Suppressed figures are written as words in both, never as
numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from strides.assessment.sheets.cells import xlsx_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,40}$")

# Column kinds: how a value is written in the page (the workbook keeps the number itself).
TEXT, COUNT, NUMBER, PERCENT, SIGNED = "text", "count", "number", "percent", "signed"
FIGURE_KINDS = frozenset({COUNT, NUMBER, PERCENT, SIGNED})


def small_group_threshold() -> int:
    """The setting every aggregate page uses (imported late: it lives beside the models)."""
    from strides.web.summaries import small_group_threshold as threshold

    return threshold()


def suppressed_text() -> str:
    return f"suppressed (fewer than {small_group_threshold()})"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = TEXT
    row_header: bool = False  # the cell that names the row: <th scope="row">
    link: str | None = None  # the row's key holding a URL for this cell


@dataclass(frozen=True)
class Cell:
    text: str
    header: bool = False
    url: str | None = None
    figure: bool = False  # right-aligned
    suppressed: bool = False


def format_value(value: Any, kind: str) -> str:
    """A value as the page writes it ("" for none)."""
    if value is None:
        return ""
    if kind == COUNT:
        return f"{int(value):,}"
    if kind == NUMBER:
        return f"{value:.1f}"
    if kind == PERCENT:
        return f"{value:.1f}%"
    if kind == SIGNED:
        return f"{value:+.1f}".replace("-", "−")  # a real minus sign reads better than a hyphen
    return str(value)


@dataclass
class Table:
    """``name``: the export's table name (lower case, digits and hyphens). ``rows``: dicts keyed by
    column key, with ``suppressed`` True where the figures are hidden (their values are None)."""

    name: str
    caption: str
    columns: Sequence[Column]
    rows: list[Mapping[str, Any]]
    note: str = ""
    empty: str = "No figures for these filters."
    filters: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, value) for the export
    # what a value-added table says above it: the benchmark and any figure withheld
    # (strides.dashboards.own_pool.SimilarNote), also written in the export's About sheet
    notice: Any = None

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"Table name {self.name!r}: use lower-case letters, digits and hyphens.")

    @property
    def dom_id(self) -> str:
        return f"table-{self.name}"

    def body(self) -> list[list[Cell]]:
        """The rows as cells for the template: figures formatted, suppressed figures in words."""
        hidden = suppressed_text()
        out = []
        for row in self.rows:
            suppressed = bool(row.get("suppressed"))
            cells = []
            for column in self.columns:
                figure = column.kind in FIGURE_KINDS
                if suppressed and figure:
                    cells.append(Cell(hidden, column.row_header, figure=True, suppressed=True))
                    continue
                url = row.get(column.link) if column.link else None
                cells.append(
                    Cell(format_value(row.get(column.key), column.kind), column.row_header, url, figure)
                )
            out.append(cells)
        return out

    def sheet_rows(self) -> list[list[Any]]:
        """Header then rows for the workbook: figures as numbers, suppressed figures in words,
        text neutralised against formulas."""
        hidden = suppressed_text()
        rows: list[list[Any]] = [[xlsx_cell(column.heading) for column in self.columns]]
        for row in self.rows:
            suppressed = bool(row.get("suppressed"))
            values = []
            for column in self.columns:
                value = row.get(column.key)
                if column.kind in FIGURE_KINDS:
                    if suppressed:
                        value = hidden
                    elif value is not None and column.kind != COUNT:
                        value = round(float(value), 1)
                elif value is not None:
                    value = str(value)
                values.append(xlsx_cell(value))
            rows.append(values)
        return rows


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
