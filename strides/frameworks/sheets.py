"""Reading a bespoke framework's levels from a spreadsheet (CSV, XLSX, XLS or ODS).

One row per level, in the framework's order, with the columns code, label, descriptor and common
point code (the point of the trust's common scale the level maps to). Header names are forgiven
("Level code", "Common point", "Next Steps"...), a title row may sit above the header, blank rows
and extra columns are ignored. Every problem is reported with its spreadsheet row, column and
value; a sheet with any problem creates nothing (the view only calls the service on a clean one).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from strides.frameworks.models import Level, ScalePoint
from strides.frameworks.services import normalise_code
from strides.imports.spreadsheet import UnreadableFile, find_named_header, read_sheets

HEADER_SCAN_ROWS = 10
MAX_LEVELS = 300
MAX_DESCRIPTOR = 2000
CODE_MAX = Level._meta.get_field("code").max_length or 30
LABEL_MAX = Level._meta.get_field("label").max_length or 120
SHOWN_VALUE_MAX = 60

COLUMNS = {
    "code": "Code",
    "label": "Label",
    "descriptor": "Descriptor",
    "point": "Common point",
}
REQUIRED = ("code", "label", "point")
# Header cells, lower-cased with everything but letters and digits removed.
HEADER_NAMES = {
    "code": {"code", "levelcode", "codes", "shortcode", "level"},
    "label": {"label", "levellabel", "name", "levelname", "title"},
    "descriptor": {"descriptor", "descriptors", "description", "leveldescriptor", "details"},
    "point": {
        "commonpoint",
        "commonpointcode",
        "commonscale",
        "commonscalepoint",
        "point",
        "pointcode",
        "scalepoint",
        "nextsteps",
        "nextstepspoint",
        "nspoint",
        "ns",
    },
}
TEMPLATE_HEADER = [COLUMNS[key] for key in ("code", "label", "descriptor", "point")]


class SheetError(Exception):
    """The file as a whole cannot be used (unreadable, no header, a column missing); the message
    says why and what to do."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (1 is the first row)
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        shown = f" “{self.value}”" if self.value else ""
        return f"Row {self.row}, {self.column}{shown}: {self.message}"


@dataclass(frozen=True)
class SheetLevel:
    row: int
    code: str
    label: str
    descriptor: str
    point: ScalePoint


@dataclass
class SheetResult:
    sheet: str
    header_row: int
    levels: list[SheetLevel] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.levels)


def header_key(cell: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", as_text(cell).lower())


def as_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date):
        return cell.isoformat()
    return str(cell).strip()


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_VALUE_MAX else value[: SHOWN_VALUE_MAX - 1] + "…"


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    return find_named_header(rows, HEADER_NAMES, header_key, HEADER_SCAN_ROWS)


class PointFinder:
    """A common point from what a person typed: "NS12", "ns 12", or the point's number "12"."""

    def __init__(self, points: Iterable[ScalePoint]) -> None:
        self.points = sorted(points, key=lambda p: p.value)
        self.by_code = {normalise_code(p.code): p for p in self.points}
        self.by_value = {str(p.value): p for p in self.points}

    def find(self, text: str) -> ScalePoint | None:
        key = normalise_code(text)
        return self.by_code.get(key) or self.by_value.get(key)

    @property
    def span(self) -> str:
        if not self.points:
            return "the scale has no points"
        return f"{self.points[0].code} to {self.points[-1].code}"


def parse_levels(
    data: bytes, points: Iterable[ScalePoint], scale_name: str = "the common scale"
) -> SheetResult:
    """The levels of a framework spreadsheet, checked against the scale's points. Raises
    :class:`SheetError` when the file cannot be used at all; row problems are in ``errors``."""
    try:
        sheets = read_sheets(data)
    except UnreadableFile as exc:
        raise SheetError(str(exc)) from exc
    for name, rows in sheets:
        found = _find_header(rows)
        if found is not None:
            return _parse_rows(name, rows, *found, PointFinder(points), scale_name)
    raise SheetError(
        "No header row was found. The first row (or one of the first ten) should name the columns "
        f"{', '.join(TEMPLATE_HEADER)}."
    )


def _parse_rows(
    sheet: str,
    rows: list[list[Any]],
    header_index: int,
    columns: dict[str, int],
    finder: PointFinder,
    scale_name: str,
) -> SheetResult:
    header_row = header_index + 1
    missing = [COLUMNS[key] for key in REQUIRED if key not in columns]
    if missing:
        raise SheetError(
            f"The header (row {header_row}) has no {' or '.join(missing)} column. "
            f"Name the columns {', '.join(TEMPLATE_HEADER)}."
        )
    result = SheetResult(sheet=sheet, header_row=header_row)
    used = set(columns.values())
    result.ignored_columns = [
        as_text(cell) for i, cell in enumerate(rows[header_index]) if i not in used and as_text(cell)
    ]
    seen: dict[str, int] = {}
    data_rows = [
        (header_row + offset, cells)
        for offset, cells in enumerate(rows[header_index + 1 :], start=1)
        if any(as_text(c) for c in cells)
    ]
    if len(data_rows) > MAX_LEVELS:
        raise SheetError(
            f"The sheet has {len(data_rows)} levels; a framework has at most {MAX_LEVELS}. "
            "Check that only the levels are on it."
        )
    for number, cells in data_rows:

        def cell(key: str, cells: list[Any] = cells) -> str:
            index = columns.get(key)
            return as_text(cells[index]) if index is not None and index < len(cells) else ""

        def refuse(key: str, value: str, message: str, number: int = number) -> None:
            result.errors.append(RowError(number, COLUMNS[key], _shown(value), message))

        before = len(result.errors)
        code, label, descriptor, point_text = cell("code"), cell("label"), cell("descriptor"), cell("point")
        key = normalise_code(code)
        if not code:
            refuse("code", code, "A level needs a code.")
        elif len(code) > CODE_MAX:
            refuse("code", code, f"A code has at most {CODE_MAX} characters ({len(code)} here).")
        elif not key:
            refuse("code", code, "A code needs at least one letter or digit.")
        elif key in seen:
            refuse("code", code, f"Row {seen[key]} has the same code; each level needs its own.")
        else:
            seen[key] = number
        if not label:
            refuse("label", label, "A level needs a label: the words teachers see beside the code.")
        elif len(label) > LABEL_MAX:
            refuse("label", label, f"A label has at most {LABEL_MAX} characters ({len(label)} here).")
        if len(descriptor) > MAX_DESCRIPTOR:
            refuse("descriptor", descriptor, f"A descriptor has at most {MAX_DESCRIPTOR} characters.")
        point = finder.find(point_text) if point_text else None
        if not point_text:
            refuse("point", point_text, f"Choose the point of {scale_name} this level maps to.")
        elif point is None:
            refuse("point", point_text, f"This is not a point of {scale_name} ({finder.span}).")
        if len(result.errors) == before and point is not None:
            result.levels.append(SheetLevel(number, code, label, descriptor, point))
    if not data_rows:
        raise SheetError(f"The sheet has a header (row {header_row}) but no levels below it.")
    return result
