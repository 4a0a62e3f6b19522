"""Cell values going out to spreadsheets."""

from __future__ import annotations

import datetime as dt
from typing import Any

# A cell whose text starts with one of these is run as a formula (or part of one) by Excel,
# LibreOffice and Google Sheets (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with ``'`` so it stays text. Numbers,
    dates and empty cells are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """A value for an XLSX cell: formulas neutralised, and the control characters XML cannot
    hold removed (openpyxl refuses them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
    return value


def csv_cell(value: Any) -> str:
    """A value as CSV text: dates as ISO dates, times to the minute, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int | float):
        return str(value)  # a number is never a formula
    return neutralise(str(value))
