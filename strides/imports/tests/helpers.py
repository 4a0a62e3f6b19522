"""Building import files in tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from strides.pupils.upn import make_upn

HEADER = ["UPN", "Legal Surname", "Legal Forename", "Date of Birth", "Sex", "NC Year Actual"]


def upn(serial: int, year: int = 24) -> str:
    """A valid permanent UPN from an LA (838) and establishment (9002) no cast school uses."""
    return make_upn(838, 9002, year, serial)


def csv_bytes(rows: Iterable[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, sheet_title: str = "Pupils", extra_sheets: int = 0) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(list(row))
    for number in range(extra_sheets):
        workbook.create_sheet(f"Notes {number + 1}").append(["Exported from the MIS"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pupil_rows(count: int, *, start: int = 1, year: str = "3") -> list[list[str]]:
    return [
        [upn(n), f"Surname{n}", f"Forename{n}", "01/03/2016", "F" if n % 2 else "M", year]
        for n in range(start, start + count)
    ]
