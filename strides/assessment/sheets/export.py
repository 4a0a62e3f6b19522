"""A drop's data for analysts, as CSV or XLSX: one row per judgement.

Scoped by the one rule for reading judgements (``strides.access.judgements``, ADR 11): a user gets
the drop's judgements they may read, another school's without its note or who recorded it; the
command line (no user) gets them all.
Any text a spreadsheet would run as a formula (a note "=HYPERLINK(...)", a name "+44...") is
prefixed with ``'`` in both formats (:func:`~strides.assessment.sheets.cells.neutralise`).
Rows are streamed from the database in chunks, so a large drop is never held in memory whole.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from strides.access.actor import Viewer
from strides.access.command_line import trust_characteristics, trust_judgements
from strides.access.judgements import visible_judgements
from strides.access.readers import visible_characteristics
from strides.assessment.models import DataDrop, Judgement
from strides.assessment.sheets.cells import csv_cell, xlsx_cell
from strides.frameworks.queries import expected_point_values
from strides.frameworks.services import ensure_common_scale
from strides.pupils.census_codes import NC_YEAR_LABELS

HEADER = (
    "UPN",
    "Surname",
    "Forename",
    "School",
    "URN",
    "NC year",
    "Subject",
    "Level",
    "Framework",
    "Common point",
    "Point value",
    "Expected point",
    "Expected value",
    "At or above expected",
    "Note",
    "Recorded by",
    "Recorded at",
)


def exported_judgements(drop: DataDrop, user: Viewer | None = None) -> QuerySet[Judgement]:
    """The drop's judgements the user may export: those they may read
    (``strides.access.judgements.visible_judgements``, ADR 11), each with ``shows_history``
    (whether its note and who recorded it are theirs to read); all of them for the command line."""
    if user is None:
        return trust_judgements(drop.trust_id).filter(drop=drop)
    return visible_judgements(user).filter(drop=drop)


def export_rows(drop: DataDrop, user: Viewer | None = None) -> Iterator[tuple[Any, ...]]:
    """The header, then one tuple per judgement: school by school, pupil by pupil."""
    yield HEADER
    scale = ensure_common_scale(drop.trust)
    expected = expected_point_values(scale)
    point_codes = dict(scale.points.values_list("value", "code"))
    judgements = exported_judgements(drop, user)
    day = drop.assessed_on
    periods = visible_characteristics(user) if user is not None else trust_characteristics(drop.trust_id)
    years = dict(
        periods.filter(pupil_id__in=judgements.values("pupil_id"), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values_list("pupil_id", "nc_year")
    )
    rows = judgements.order_by(
        "school__name", "pupil__legal_surname", "pupil__legal_forename", "pupil_id", "subject__order"
    ).values_list(
        "pupil_id",
        "pupil__upn",
        "pupil__legal_surname",
        "pupil__legal_forename",
        "pupil__preferred_surname",
        "pupil__preferred_forename",
        "school__name",
        "school__urn",
        "subject__name",
        "level__code",
        "level__framework__name",
        "point__code",
        "point__value",
        "note",
        "recorded_by__first_name",
        "recorded_by__last_name",
        "recorded_by__username",
        "recorded_at",
        "shows_history",
    )
    for row in rows.iterator(chunk_size=2000):
        (pupil_id, upn, surname, forename, p_surname, p_forename, school, urn, subject, code, framework,
         point_code, point_value, note, first, last, username, recorded_at, shows_history) = row  # fmt: skip
        if not shows_history:  # another school's judgement: prior attainment, no staff or note (ADR 11)
            note, first, last, username = "", "", "", ""
        nc_year = years.get(pupil_id)
        expected_value = expected.get((nc_year, drop.term)) if nc_year is not None else None
        on_track = ""
        if expected_value is not None and point_value is not None:
            on_track = "Y" if point_value >= expected_value else "N"
        yield (
            upn,
            p_surname or surname,
            p_forename or forename,
            school,
            urn,
            NC_YEAR_LABELS.get(nc_year, nc_year) if nc_year is not None else "",
            subject,
            code,
            framework,
            point_code or "",
            point_value,
            point_codes.get(expected_value, "") if expected_value is not None else "",
            expected_value,
            on_track,
            note,
            f"{first} {last}".strip() or username or "",
            timezone.localtime(recorded_at).replace(tzinfo=None) if recorded_at else None,
        )


def write_csv(rows: Iterator[tuple[Any, ...]], out: IO[str]) -> int:
    """Write rows as CSV (Excel reads the UTF-8 byte-order mark); returns the judgements written."""
    writer = csv.writer(out)
    count = -1
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return max(count, 0)


def csv_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    """CSV text line by line, for a streaming response."""

    class Line:
        def write(self, text: str) -> str:
            return text

    writer = csv.writer(Line())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def write_xlsx(rows: Iterator[tuple[Any, ...]], out: IO[bytes] | str) -> int:
    """Write rows as an XLSX workbook (written row by row); returns the judgements written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Judgements")
    sheet.freeze_panes = "A2"
    count = -1
    for row in rows:
        if count < 0:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                cell.font = Font(bold=True)
                cells.append(cell)
            sheet.append(cells)
        else:
            sheet.append([xlsx_cell(value) for value in row])
        count += 1
    workbook.save(out)
    return max(count, 0)
