"""Reading pupils from a spreadsheet: CSV (any common encoding and delimiter), XLSX, XLS or ODS.

MIS exports (SIMS, Arbor, Bromcom) name their columns differently and often put a title above the
header row, so the header is found by looking for the row that names the most known columns (see
:mod:`strides.imports.fields` for the accepted names). Columns that are not recognised are
ignored and listed in the report. Nothing here raises on bad input: every problem is a row error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from strides.imports.fields import (
    COLUMN_BY_KEY,
    Column,
    ValueProblem,
    as_text,
    eal_from_language,
    header_key,
)
from strides.imports.records import ParseResult, SourceRow

Cell = Any
Progress = Callable[[int, int], None]
HEADER_SCAN_ROWS = 30
OPTIONAL_TEXT = ("middle_names", "preferred_forename", "preferred_surname")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableFile(Exception):
    """The file is not a spreadsheet Strides can read; the message says why."""


# --- reading cells ------------------------------------------------------------------------------


def read_sheets(data: bytes) -> list[tuple[str, list[list[Cell]]]]:
    """Every sheet as (name, rows of cells); the row at index i is the spreadsheet's row i + 1."""
    if data.startswith(XLSX_MAGIC) or data.startswith(XLS_MAGIC):
        return _read_workbook(data)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if looks_like_html(data):
        raise UnreadableFile(
            "This file is a web page (HTML) with a spreadsheet's name, as some MIS exports are. "
            "Open it in Excel, save it as .xlsx or .csv, and import that."
        )
    if head.startswith(b"<"):
        raise UnreadableFile(
            "This is an XML file, not a spreadsheet: a Common Transfer File is imported as a CTF "
            "(strides import-ctf)."
        )
    return [("CSV", _read_csv(data))]


def looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<table")) or (
        head.startswith(b"<") and b"<html" in head
    )


def _read_workbook(data: bytes) -> list[tuple[str, list[list[Cell]]]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = [[_clean(c) for c in row] for row in sheet.to_python(skip_empty_area=False)]
            sheets.append((meta.name, rows))
    except Exception as exc:  # calamine raises many kinds of error for damaged or odd files
        raise UnreadableFile(
            f"The file could not be read as a spreadsheet ({type(exc).__name__}). "
            "Save it as .xlsx or .csv and try again."
        ) from exc
    if not sheets:
        raise UnreadableFile("The workbook has no visible worksheet.")
    return sheets


def _clean(cell: Cell) -> Cell:
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, dt.time | dt.timedelta):
        return str(cell)
    return cell


def decode_text(data: bytes) -> str:
    """Text from a CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or
    Windows-1252 (older Excel "CSV")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    lines = [line for line in text[:65536].splitlines() if line.strip()][:20]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> list[list[Cell]]:
    text = decode_text(data).replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[Cell]] = []
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])
    except csv.Error as exc:
        raise UnreadableFile(f"Row {len(rows) + 1} could not be read as CSV: {exc}.") from exc
    return rows


# --- finding the header ---------------------------------------------------------------------------


def _header_score(cells: Iterable[Cell]) -> int:
    return len({COLUMN_BY_KEY[k].name for c in cells if (k := header_key(as_text(c))) in COLUMN_BY_KEY})


def find_header(rows: list[list[Cell]]) -> int | None:
    """The index of the row naming the most known columns (at least two) near the top."""
    best, best_score = None, 1
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _header_score(cells)
        if score > best_score:
            best, best_score = index, score
    return best


def named_columns(
    cells: list[Cell], names: Mapping[str, set[str]], key: Callable[[Any], str]
) -> dict[str, int]:
    """Which of ``names``' columns (column -> the header keys it goes by) this row names, and where:
    the first cell naming each."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        cell_key = key(cell)
        for column, spellings in names.items():
            if cell_key in spellings and column not in found:
                found[column] = index
                break
    return found


def find_named_header(
    rows: list[list[Cell]], names: Mapping[str, set[str]], key: Callable[[Any], str], scan_rows: int = 10
) -> tuple[int, dict[str, int]] | None:
    """The row near the top that names the most of ``names``' columns (two at least), and the
    columns it names: the header of a sheet whose title rows may sit above it (the framework
    spreadsheets, strides/frameworks/sheets.py and strides/steps/sheets.py)."""
    best: tuple[int, dict[str, int]] | None = None
    for index, cells in enumerate(rows[:scan_rows]):
        columns = named_columns(cells, names, key)
        if len(columns) >= 2 and (best is None or len(columns) > len(best[1])):
            best = (index, columns)
    return best


# --- parsing rows -------------------------------------------------------------------------------


def parse_spreadsheet(data: bytes, filename: str = "", progress: Progress | None = None) -> ParseResult:
    result = ParseResult(kind="spreadsheet")
    try:
        sheets = read_sheets(data)
    except UnreadableFile as exc:
        result.error(None, "file", filename, str(exc))
        return result
    chosen = next(((name, rows, h) for name, rows in sheets if (h := find_header(rows)) is not None), None)
    if chosen is None:
        result.error(
            None,
            "file",
            filename,
            "No header row was found: the file needs a row of column names such as UPN, "
            "Legal Surname, Legal Forename, Date of Birth (see the import template).",
        )
        return result
    sheet_name, rows, header_index = chosen
    if len(sheets) > 1:
        result.notes.append(f"Read the worksheet '{sheet_name}'; other worksheets were not read.")
    columns = _map_columns(rows[header_index], header_index + 1, result)
    if columns is None:
        return result
    _parse_rows(rows, header_index, columns, result, progress)
    if result.data_rows == 0:
        result.error(header_index + 1, "file", "", "There are no pupil rows under the header row.")
    return result


def _map_columns(
    header: list[Cell], row_number: int, result: ParseResult
) -> dict[int, tuple[Column, str]] | None:
    columns: dict[int, tuple[Column, str]] = {}
    used: dict[str, str] = {}
    for index, cell in enumerate(header):
        text = as_text(cell)
        if not text:
            continue
        column = COLUMN_BY_KEY.get(header_key(text))
        if column is None:
            result.ignored_columns.append(text)
            continue
        if column.name in used:
            result.error(
                row_number,
                text,
                text,
                f"The columns '{used[column.name]}' and '{text}' both give {column.label}; keep one of them.",
            )
            continue
        used[column.name] = text
        columns[index] = (column, text)
    if "upn" not in used:
        result.error(row_number, "UPN", "", "There is no UPN column: every pupil is matched by UPN.")
    return None if result.errors else columns


def _parse_rows(
    rows: list[list[Cell]],
    header_index: int,
    columns: dict[int, tuple[Column, str]],
    result: ParseResult,
    progress: Progress | None,
) -> None:
    labels = {column.name: label for column, label in columns.values()}
    memo: dict[int, dict[tuple[type, Cell], tuple[bool, Any]]] = {i: {} for i in columns}
    seen: dict[str, int] = {}
    total = len(rows) - header_index - 1
    for offset, cells in enumerate(rows[header_index + 1 :], start=1):
        if progress is not None and offset % 500 == 0:
            progress(offset, total)
        if all(c is None or c == "" for c in cells):  # cells are stripped when read
            continue
        row_number = header_index + 1 + offset
        result.data_rows += 1
        errors_before = len(result.errors)
        values: dict[str, Any] = {}
        for index, (column, label) in columns.items():
            raw = cells[index] if index < len(cells) else None
            if raw is None or raw == "":
                if column.name in OPTIONAL_TEXT:
                    values[column.name] = ""  # a present column left empty: no such name
                elif column.name == "upn":
                    result.error(row_number, label, "", "UPN is missing.")
                continue
            key = (type(raw), raw)
            cached = memo[index].get(key)
            if cached is None:
                try:
                    cached = (True, column.parse(raw))
                except ValueProblem as problem:
                    cached = (False, _sentence(label, str(problem)))
                memo[index][key] = cached
            ok, value = cached
            if ok:
                values[column.name] = value
            else:
                result.error(row_number, label, raw, value)
        upn = values.get("upn")
        if upn:
            if upn in seen:
                result.error(row_number, labels["upn"], upn, f"UPN {upn} also appears on row {seen[upn]}.")
            else:
                seen[upn] = row_number
        row = _build_row(row_number, values, labels, result)
        if len(result.errors) == errors_before and row is not None:
            result.rows.append(row)
    if progress is not None:
        progress(total, total)


def _sentence(label: str, problem: str) -> str:
    return f"{label} {problem}" if problem[:1].islower() else problem


def _build_row(
    row_number: int, values: dict[str, Any], labels: dict[str, str], result: ParseResult
) -> SourceRow | None:
    upn = values.get("upn")
    if not upn:
        return None
    row = SourceRow(row=row_number, upn=upn, labels=labels)
    for name, value in values.items():
        column = COLUMN_BY_KEY_BY_NAME[name]
        if column.kind == "identity":
            row.identity[name] = value
        elif column.kind == "characteristic":
            row.characteristics[name] = value
    row.former_upns = tuple(u for u in values.get("former_upns", ()) if u != upn)
    row.enrolment_start = values.get("enrolment_start")
    row.registration = values.get("registration")
    chars = row.characteristics
    if "eal" not in labels and chars.get("first_language"):
        chars["eal"] = eal_from_language(chars["first_language"])
    if "fsm_ever6" not in labels and chars.get("fsm"):
        chars["fsm_ever6"] = True  # eligible now is eligible within the last six years
    check_sen(row, result)
    dob = row.identity.get("date_of_birth")
    if dob and row.enrolment_start and row.enrolment_start < dob:
        result.error(
            row_number,
            row.label("enrolment_start"),
            row.enrolment_start,
            "The admission date is before the date of birth.",
        )
    return row


def check_sen(row: SourceRow, result: ParseResult) -> None:
    """SEN provision and needs must agree: no need without provision, NSA only with SEN support."""
    chars = row.characteristics
    provision = chars.get("sen_provision")
    primary, secondary = chars.get("primary_need"), chars.get("secondary_need")
    if provision == "N":
        for name, need in (("primary_need", primary), ("secondary_need", secondary)):
            if need:
                result.error(
                    row.row, row.label(name), need, "A pupil with no SEN (provision N) has no type of need."
                )
            chars[name] = ""
    if provision == "E" and "NSA" in (primary, secondary):
        result.error(
            row.row,
            row.label("primary_need" if primary == "NSA" else "secondary_need"),
            "NSA",
            "NSA (no specialist assessment) is only for SEN support (K), not an EHC plan.",
        )
    if primary and primary == secondary:
        result.error(
            row.row, row.label("secondary_need"), secondary, "The secondary need repeats the primary need."
        )
    if secondary and "primary_need" in row.labels and not primary and "primary_need" not in chars:
        result.error(row.row, row.label("primary_need"), "", "A secondary need needs a primary need too.")


COLUMN_BY_KEY_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMN_BY_KEY.values()}
