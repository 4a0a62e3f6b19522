"""Dashboard tables: what the accessible table beside each chart shows.

A :class:`Table` is the one record of a chart's figures. The page renders it with
``dashboards/_table.html`` (caption, ``<th scope>``, an n column, suppressed cells in words) and
``?export=xlsx&table=NAME`` returns the same rows as a workbook (:mod:`strides.dashboards.exports`).
Text cells go through the drop export's neutraliser
(:func:`strides.assessment.sheets.cells.xlsx_cell`), so a school or group name starting with ``=``
stays text. Suppressed figures are written as words in both, never as numbers. The column sets the
trust and school pages share (attainment, gaps, value added) are here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from strides.assessment.sheets.cells import xlsx_cell
from strides.small_groups import small_group_threshold

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,40}$")

# Column kinds: how a value is written in the page (the workbook keeps the number itself).
TEXT, COUNT, NUMBER, PERCENT, SIGNED = "text", "count", "number", "percent", "signed"
FIGURE_KINDS = frozenset({COUNT, NUMBER, PERCENT, SIGNED})


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
    # its markup by (the page's filters, the words for a suppressed figure): see fragments.py
    html: dict[tuple[str, str], SafeString] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

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


# --- the column sets the trust and school pages share ------------------------------------------


def attainment_columns(first: Column, second: Column | None = None) -> list[Column]:
    columns = [first] + ([second] if second else [])
    return [
        *columns,
        Column("n", "Pupils (n)", COUNT),
        Column("mean_points", "Mean points", NUMBER),
        # the % is of these pupils: those with an expected point (none in Reception, for example)
        Column("n_with_expected", "Pupils with an expected point (n)", COUNT),
        Column("pct_at_expected", "% at or above expected", PERCENT),
    ]


def gap_columns(first: Column, group_heading: str) -> list[Column]:
    return [
        first,
        Column("group", group_heading),
        Column("n", "Pupils in the group (n)", COUNT),
        Column("value", "% at or above expected", PERCENT),
        Column("n_other", "Other pupils (n)", COUNT),
        Column("value_other", "Other pupils: % at or above expected", PERCENT),
        Column("gap", "Gap (percentage points)", SIGNED),
        Column("ci_low", "95% interval from", SIGNED),
        Column("ci_high", "95% interval to", SIGNED),
    ]


def value_added_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("subject", "Subject"),
        Column("n", "Pupils (n)", COUNT),
        Column("mean_percentile", "Mean percentile", NUMBER),
        Column("value_added", "Value added", SIGNED),
        Column("ci_low", "95% interval from", SIGNED),
        Column("ci_high", "95% interval to", SIGNED),
    ]
