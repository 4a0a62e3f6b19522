"""Reading a small-step framework's statements from a spreadsheet (CSV, XLSX, XLS or ODS).

One row per statement (linear small steps), milestone (milestone map) or element (domain x level
matrix), with the columns Area, Area name, Step, Step name, Code, Statement, Weight, Key and Leads
to (docs/small-steps-frameworks.md, "The spreadsheet"). Header names are forgiven ("Strand",
"Domain", "Level", "Milestone code", "Key statement"...), a title row may sit above the header,
blank rows and extra columns are ignored. Every problem is reported with its spreadsheet row,
column and value ("Row 7, step: 'two' is not a whole number"); a sheet with any problem writes
nothing (the view calls ``build_structure`` only with a clean one).

:func:`read_statements` raises :class:`SheetError` when the file cannot be used at all (not a
spreadsheet, no header, a required column missing, too many rows) and nothing else: every row's
problem is a :class:`RowError` in the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify

from strides.imports.spreadsheet import UnreadableFile, find_named_header, read_sheets
from strides.steps.models import Shape, Statement, Step, StepArea
from strides.steps.services.frameworks import StatementRow

HEADER_SCAN_ROWS = 10
MAX_ROWS = 5000
MAX_TEXT = 1000
MAX_STEP = 999
MAX_WEIGHT = Decimal("999.99")
AREA_MAX = StepArea._meta.get_field("code").max_length or 30
AREA_NAME_MAX = StepArea._meta.get_field("name").max_length or 80
STEP_NAME_MAX = Step._meta.get_field("name").max_length or 80
CODE_MAX = Statement._meta.get_field("code").max_length or 20
SHOWN_VALUE_MAX = 60

# What each column is called in messages and in the template (docs/templates/small-steps-framework.csv)
COLUMNS = {
    "area": "Area",
    "area_name": "Area name",
    "step": "Step",
    "step_name": "Step name",
    "code": "Code",
    "text": "Statement",
    "weight": "Weight",
    "key": "Key",
    "leads_to": "Leads to",
}
TEMPLATE_HEADER = list(COLUMNS.values())
# Header cells, lower-cased with everything but letters and digits removed.
HEADER_NAMES = {
    "area": {"area", "areacode", "strand", "strandcode", "domain", "domaincode", "areaofdevelopment"},
    "area_name": {"areaname", "strandname", "domainname", "areatitle", "strandtitle", "domaintitle"},
    "step": {"step", "stepnumber", "stepno", "level", "levelnumber", "levelno"},
    "step_name": {"stepname", "steptitle", "levelname", "leveltitle"},
    "code": {
        "code",
        "statementcode",
        "milestonecode",
        "elementcode",
        "ref",
        "reference",
        "milestonenumber",
        "milestoneno",
    },
    "text": {
        "statement",
        "statementtext",
        "text",
        "wording",
        "description",
        "descriptor",
        "milestone",
        "milestonetext",
        "element",
        "elementtext",
    },
    "weight": {"weight", "weighting"},
    "key": {"key", "keystatement", "keymilestone", "keyelement", "iskey"},
    "leads_to": {"leadsto", "leadto", "leadson", "leadsonto", "next", "nextmilestones", "followedby"},
}
REQUIRED = ("area", "code", "text")
YES = {"yes", "y", "1", "true", "t", "x", "key"}
NO = {"no", "n", "0", "false", "f", ""}
STEP_NUMBER = re.compile(r"^(?:step|level|lvl)?\s*(\d+)(?:\.0+)?$", re.IGNORECASE)
LEADS_SPLIT = re.compile(r"[;,]")
# how a message names a framework of each shape with steps, and what its rows are
STEPPED: dict[str, tuple[str, str, str]] = {
    Shape.LINEAR: ("a linear small-steps framework", "statement", "step"),
    Shape.MATRIX: ("a domain x level matrix", "element", "level"),
}


class SheetError(Exception):
    """The file as a whole cannot be used (unreadable, no header, a column missing, too many
    rows); the message says why and what to do."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (1 is the first row)
    column: str  # as in COLUMNS: "Step", "Leads to"...
    value: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column.lower()}: {self.message}"


@dataclass
class SheetResult:
    sheet: str
    header_row: int
    shape: str
    rows: list[StatementRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def area_count(self) -> int:
        return len({row.area for row in self.rows})

    @property
    def step_count(self) -> int:
        return len({(row.area, row.step) for row in self.rows if row.step is not None})

    @property
    def key_count(self) -> int:
        return sum(1 for row in self.rows if row.key)


def as_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date):
        return cell.isoformat()
    return " ".join(str(cell).split())


def header_key(cell: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", as_text(cell).lower())


def shown(value: str) -> str:
    """A value as a message quotes it: short, and in quotes ('two')."""
    value = value if len(value) <= SHOWN_VALUE_MAX else value[: SHOWN_VALUE_MAX - 1] + "…"
    return repr(value)


def area_code(text: str) -> str:
    """An area's code from what was typed: "Communication" and "communication" are one area."""
    return slugify(text)[:AREA_MAX].strip("-")


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    return find_named_header(rows, HEADER_NAMES, header_key, HEADER_SCAN_ROWS)


def read_statements(data: bytes, shape: str, existing: Iterable[tuple[str, str]] = ()) -> SheetResult:
    """The statements of a framework spreadsheet for a framework of ``shape``, checked.
    ``existing``: (area code, statement code) of statements the framework has already, so a
    code used again is reported here and a milestone may lead to one of them. Raises
    :class:`SheetError` when the file cannot be used at all; row problems are in ``errors``."""
    if shape == Shape.ENGAGEMENT:
        raise SheetError(
            "The engagement model has its five areas and no statements to secure: nothing is "
            "imported into it."
        )
    if shape not in Shape.values:
        raise SheetError(f"{shape!r} is not a shape of framework.")
    try:
        sheets = read_sheets(data)
    except UnreadableFile as exc:
        raise SheetError(str(exc)) from exc
    except Exception as exc:  # a damaged file must not become a server error
        raise SheetError(
            f"The file could not be read as a spreadsheet ({type(exc).__name__}). "
            "Save it as .xlsx or .csv and try again."
        ) from exc
    for name, rows in sheets:
        found = _find_header(rows)
        if found is not None:
            result = _parse_rows(name, rows, *found, shape, list(existing))
            if len(sheets) > 1:
                others = len(sheets) - 1
                were = "s were" if others > 1 else " was"
                result.notes.append(f"Read the worksheet {name!r}; {others} other worksheet{were} not read.")
            return result
    raise SheetError(
        "No header row was found. The first row (or one of the first ten) should name the columns "
        f"{', '.join(TEMPLATE_HEADER)}."
    )


def _parse_rows(
    sheet: str,
    rows: list[list[Any]],
    header_index: int,
    columns: dict[str, int],
    shape: str,
    existing: list[tuple[str, str]],
) -> SheetResult:
    header_row = header_index + 1
    stepped = shape in (Shape.LINEAR, Shape.MATRIX)
    required = [*REQUIRED, "step"] if stepped else list(REQUIRED)
    missing = [COLUMNS[key] for key in required if key not in columns]
    if missing:
        raise SheetError(
            f"The header (row {header_row}) has no {' or '.join(missing)} column. "
            f"Name the columns {', '.join(TEMPLATE_HEADER)}."
            + (f" {STEPPED[shape][0].capitalize()} needs a Step column." if "Step" in missing else "")
        )
    result = SheetResult(sheet=sheet, header_row=header_row, shape=shape)
    used = set(columns.values())
    result.ignored_columns = [
        as_text(cell) for i, cell in enumerate(rows[header_index]) if i not in used and as_text(cell)
    ]
    data_rows = [
        (header_row + offset, cells)
        for offset, cells in enumerate(rows[header_index + 1 :], start=1)
        if any(as_text(c) for c in cells)
    ]
    if not data_rows:
        raise SheetError(f"The sheet has a header (row {header_row}) but no statements below it.")
    if len(data_rows) > MAX_ROWS:
        raise SheetError(
            f"The sheet has {len(data_rows)} rows; a framework is imported {MAX_ROWS} rows at most at "
            "a time. Check that only the statements are on it, or split it in two."
        )
    if not stepped and "step" in columns:
        result.notes.append("The Step and Step name columns are ignored: a milestone map has no steps.")
    # codes already in the framework: area code -> {lower-case code: code}
    known: dict[str, dict[str, str]] = {}
    for area, code in existing:
        known.setdefault(area, {})[code.lower()] = code
    seen_codes: dict[tuple[str, str], int] = {}
    area_names: dict[str, tuple[str, int]] = {}
    step_names: dict[tuple[str, int], tuple[str, int]] = {}
    leads: list[tuple[StatementRow, list[str]]] = []

    for number, cells in data_rows:

        def cell(key: str, cells: list[Any] = cells) -> str:
            index = columns.get(key)
            return as_text(cells[index]) if index is not None and index < len(cells) else ""

        def refuse(key: str, value: str, message: str, number: int = number) -> None:
            result.errors.append(RowError(number, COLUMNS[key], value[:SHOWN_VALUE_MAX], message))

        before = len(result.errors)
        area_text, area_name = cell("area"), cell("area_name")
        area = area_code(area_text)
        if not area_text:
            refuse("area", area_text, "a statement needs the code of its area (e.g. communication).")
        elif not area:
            refuse("area", area_text, f"{shown(area_text)} needs at least one letter or digit.")
        elif len(slugify(area_text)) > AREA_MAX:
            refuse("area", area_text, f"{shown(area_text)} is longer than {AREA_MAX} characters.")
        if not area_name and area_text and area_text != area:
            area_name = area_text  # "Number and shape" names its area as well as coding it
        if len(area_name) > AREA_NAME_MAX:
            refuse("area_name", area_name, f"{shown(area_name)} is longer than {AREA_NAME_MAX} characters.")
        elif area and cell("area_name"):
            first = area_names.setdefault(area, (area_name, number))
            if first[0] != area_name:
                refuse(
                    "area_name",
                    area_name,
                    f"{shown(area_name)} differs from {shown(first[0])}, the name row {first[1]} gives "
                    f"area {shown(area)}.",
                )

        step: int | None = None
        step_text, step_name = cell("step"), cell("step_name")
        if stepped:
            match = STEP_NUMBER.match(step_text)
            if not step_text:
                what, row_kind, step_kind = STEPPED[shape]
                refuse("step", step_text, f"{what} needs each {row_kind}'s {step_kind} number.")
            elif match is None:
                refuse("step", step_text, f"{shown(step_text)} is not a whole number.")
            elif not 1 <= int(match.group(1)) <= MAX_STEP:
                refuse("step", step_text, f"{shown(step_text)} is not a step from 1 to {MAX_STEP}.")
            else:
                step = int(match.group(1))
            if len(step_name) > STEP_NAME_MAX:
                refuse(
                    "step_name", step_name, f"{shown(step_name)} is longer than {STEP_NAME_MAX} characters."
                )
            elif step is not None and area and step_name:
                first = step_names.setdefault((area, step), (step_name, number))
                if first[0] != step_name:
                    refuse(
                        "step_name",
                        step_name,
                        f"{shown(step_name)} differs from {shown(first[0])}, the name row {first[1]} "
                        f"gives step {step} of {shown(area)}.",
                    )
        else:
            step_name = ""

        code = cell("code")
        if not code:
            refuse("code", code, "a statement needs a code (e.g. C1.2).")
        elif len(code) > CODE_MAX:
            refuse("code", code, f"{shown(code)} is longer than {CODE_MAX} characters.")
        elif " " in code:
            refuse("code", code, f"{shown(code)} has a space in it: a code is one word (e.g. C1.2).")
        elif area:
            code_key = (area, code.lower())
            if code_key in seen_codes:
                refuse(
                    "code",
                    code,
                    f"{shown(code)} is also the code of row {seen_codes[code_key]} in {shown(area)}.",
                )
            elif code.lower() in known.get(area, {}):
                refuse(
                    "code", code, f"{shown(code)} is already a statement of {shown(area)} in this framework."
                )
            else:
                seen_codes[code_key] = number

        text = cell("text")
        if not text:
            refuse("text", text, "a statement needs its words.")
        elif len(text) > MAX_TEXT:
            refuse("text", text, f"the statement is {len(text)} characters long; at most {MAX_TEXT}.")

        weight = Decimal("1")
        weight_text = cell("weight")
        if weight_text:
            try:
                weight = Decimal(weight_text.replace(" ", ""))
            except InvalidOperation:
                weight = Decimal("-1")
                refuse("weight", weight_text, f"{shown(weight_text)} is not a number.")
            else:
                if not weight.is_finite():
                    refuse("weight", weight_text, f"{shown(weight_text)} is not a number.")
                elif weight <= 0:
                    refuse("weight", weight_text, f"{shown(weight_text)} is not more than 0.")
                elif weight > MAX_WEIGHT:
                    refuse("weight", weight_text, f"{shown(weight_text)} is more than {MAX_WEIGHT}.")
                elif weight != weight.quantize(Decimal("0.01")):
                    refuse("weight", weight_text, f"{shown(weight_text)} has more than two decimal places.")
                else:
                    weight = weight.quantize(Decimal("0.01")).normalize()
                    if weight == weight.to_integral_value():
                        weight = weight.quantize(Decimal("1"))

        key_text = cell("key")
        key = key_text.lower() in YES
        if key_text.lower() not in YES | NO:
            refuse("key", key_text, f"{shown(key_text)} is not yes or no (Y, N, 1, 0, true, false).")

        leads_text = cell("leads_to")
        targets = [part.strip() for part in LEADS_SPLIT.split(leads_text) if part.strip()]
        if targets and shape != Shape.MILESTONES:
            refuse("leads_to", leads_text, "only the milestones of a milestone map lead to others.")
            targets = []

        if len(result.errors) == before:
            item = StatementRow(
                row=number,
                area=area,
                step=step,
                step_name=step_name,
                code=code,
                text=text,
                weight=weight,
                key=key,
                area_name=area_name,
            )
            result.rows.append(item)
            if targets:
                leads.append((item, targets))

    # leads to: a milestone of the same strand first, else of any strand (this sheet or the framework)
    codes_by_area: dict[str, dict[str, str]] = {a: dict(c) for a, c in known.items()}
    for item in result.rows:
        codes_by_area.setdefault(item.area, {})[item.code.lower()] = item.code
    for item, targets in leads:
        resolved: list[str] = []
        for target in targets:
            lower = target.lower()
            if item.area and lower == item.code.lower():
                result.errors.append(
                    RowError(
                        item.row,
                        COLUMNS["leads_to"],
                        target[:SHOWN_VALUE_MAX],
                        f"{shown(target)} is this milestone's own code: a milestone cannot lead to itself.",
                    )
                )
                continue
            found = codes_by_area.get(item.area, {}).get(lower)
            if found is None:
                found = next((c[lower] for c in codes_by_area.values() if lower in c), None)
            if found is None:
                result.errors.append(
                    RowError(
                        item.row,
                        COLUMNS["leads_to"],
                        target[:SHOWN_VALUE_MAX],
                        f"{shown(target)} is not the code of a milestone in this sheet or framework.",
                    )
                )
            elif found not in resolved:
                resolved.append(found)
        item.leads_to = resolved
    if result.errors:
        result.errors.sort(key=lambda error: error.row)
    return result


def to_csv(rows: Iterable[StatementRow]) -> str:
    """Rows as a framework spreadsheet (CSV, with the template's header): what
    :func:`read_statements` reads back to the same rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    for row in rows:
        writer.writerow(
            [
                row.area,
                row.area_name,
                "" if row.step is None else row.step,
                row.step_name,
                row.code,
                row.text,
                "" if row.weight == 1 else row.weight,
                "yes" if row.key else "",
                "; ".join(row.leads_to),
            ]
        )
    return out.getvalue()
