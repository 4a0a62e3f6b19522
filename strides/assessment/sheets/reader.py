"""Reading a data-drop spreadsheet: find the header row and say which column is which.

A spreadsheet may be Strides' own template or one an analyst made: the header can sit under a
title row, the UPN column can be called "UPN" or "Pupil UPN", and a subject's column "Reading",
"Reading TA", "KS2 reading" or "Maths judgement". A subject's note column is "Reading note" (or
"Note - reading", "Reading comments"). Columns with pupils' details (names, NC year, class) and
the template's "previous drop" columns are read past; anything else unknown is listed as ignored.

Rows are streamed (an XLSX sheet by python-calamine's row iterator, a CSV by the pupil importer's
reader), so a large file is never held twice as Python objects.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from strides.frameworks.models import Subject
from strides.imports.fields import COLUMN_BY_KEY, as_text, header_key
from strides.imports.spreadsheet import XLS_MAGIC, XLSX_MAGIC, UnreadableFile, read_sheets

HEADER_SCAN_ROWS = 30
Cell = Any

# Words around a subject's name in a header that do not change what the column holds.
NOISE_WORDS = {
    "ta", "teacher", "assessment", "assessed", "judgement", "judgment", "judgements", "judgments",
    "level", "levels", "code", "codes", "grade", "grades", "band", "current", "attainment", "result",
    "results", "working", "at", "overall", "summative", "tracker", "data", "drop", "term", "termly",
    "autumn", "spring", "summer", "end", "of", "year", "eoy", "ks1", "ks2", "ks3", "ks4", "english",
    "the", "in", "for", "and",
}  # fmt: skip
NOTE_WORDS = {"note", "notes", "comment", "comments", "remark", "remarks"}
PREVIOUS_WORDS = {"previous", "prior", "last", "earlier"}
SUBJECT_ALIASES = {"math": "maths", "mathematics": "maths", "numeracy": "maths", "sci": "science"}
# Template and MIS columns that describe the pupil: read past without a mention.
DETAIL_KEYS = {"class", "classname", "form", "formgroup", "tutorgroup", "reggroup", "registrationgroup",
               "group", "ncyear", "yeargroup", "year", "school", "urn", "name", "pupil", "pupilname",
               "fullname", "row", "no", "number", "framework"}  # fmt: skip


class FileProblem(Exception):
    """The file cannot be read as a data-drop spreadsheet; the message says why, for the user."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class SubjectColumn:
    subject: Subject
    index: int
    label: str
    note_index: int | None = None
    note_label: str = ""


@dataclass
class Layout:
    sheet: str
    header_row: int  # the spreadsheet's own row number (1-based)
    upn_index: int
    upn_label: str
    subjects: list[SubjectColumn]
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- what a header names ------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", as_text(text)).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", folded.lower())


def _subject_key(words: Iterable[str]) -> str:
    kept = [w for w in words if w not in NOISE_WORDS and not w.isdigit() and not re.fullmatch(r"y\d+", w)]
    key = "".join(kept)
    return SUBJECT_ALIASES.get(key, key)


def subject_keys(subjects: Iterable[Subject]) -> dict[str, Subject]:
    keys: dict[str, Subject] = {}
    for subject in subjects:
        for spelling in (subject.code, subject.name):
            keys.setdefault(_subject_key(_words(spelling)), subject)
    return keys


@dataclass(frozen=True)
class HeaderMeaning:
    kind: str  # "upn", "level", "note", "detail", "previous", "unknown"
    subject: Subject | None = None


def header_meaning(text: str, subjects: dict[str, Subject]) -> HeaderMeaning:
    if not text:
        return HeaderMeaning("unknown")
    column = COLUMN_BY_KEY.get(header_key(text))
    if column is not None:
        return HeaderMeaning("upn" if column.name == "upn" else "detail")
    words = _words(text)
    if PREVIOUS_WORDS & set(words):
        return HeaderMeaning("previous")
    is_note = bool(NOTE_WORDS & set(words))
    key = _subject_key(w for w in words if w not in NOTE_WORDS)
    subject = subjects.get(key)
    if subject is not None:
        return HeaderMeaning("note" if is_note else "level", subject)
    if header_key(text) in DETAIL_KEYS or key in DETAIL_KEYS:
        return HeaderMeaning("detail")
    return HeaderMeaning("unknown")


def layout_of(
    header: list[Cell], row_number: int, sheet: str, drop_subjects: list[Subject], all_subjects: list[Subject]
) -> Layout | None:
    """The layout a header row gives, or None when it is not a header (no UPN, or no subject).
    Raises :class:`FileProblem` for a header row that names a subject twice."""
    keys = subject_keys(all_subjects)
    collected = {s.pk for s in drop_subjects}
    upn: tuple[int, str] | None = None
    levels: dict[int, tuple[int, str]] = {}
    notes: dict[int, tuple[int, str]] = {}
    ignored: list[str] = []
    not_collected: list[str] = []
    twice = ""
    for index, cell in enumerate(header):
        text = as_text(cell)
        meaning = header_meaning(text, keys)
        if meaning.kind == "upn" and upn is None:
            upn = (index, text)
        elif meaning.kind in ("level", "note") and meaning.subject is not None:
            subject = meaning.subject
            if subject.pk not in collected:
                not_collected.append(text)
                continue
            target = levels if meaning.kind == "level" else notes
            if subject.pk in target:
                earlier = target[subject.pk][1]
                twice = twice or (
                    f"The columns '{earlier}' and '{text}' both give {subject.name}"
                    f"{' notes' if meaning.kind == 'note' else ''}; keep one of them."
                )
                continue
            target[subject.pk] = (index, text)
        elif meaning.kind == "unknown" and text:
            ignored.append(text)
    if upn is None or not levels:
        return None  # not the header row (a title, say): a subject named twice there is no matter
    if twice:
        raise FileProblem(twice, row_number)
    by_pk = {s.pk: s for s in drop_subjects}
    columns = [
        SubjectColumn(by_pk[pk], index, label, notes.get(pk, (None, ""))[0], notes.get(pk, (None, ""))[1])
        for pk, (index, label) in sorted(levels.items(), key=lambda item: item[1][0])
    ]
    layout = Layout(sheet, row_number, upn[0], upn[1], columns, ignored)
    for pk, (_, label) in notes.items():
        if pk not in levels:
            layout.ignored.append(label)
    if not_collected:
        layout.notes.append(
            "Not collected in this drop, so not read: " + ", ".join(f"'{t}'" for t in not_collected) + "."
        )
    return layout


# --- reading rows -------------------------------------------------------------------------------


def _clean(cell: Cell) -> Cell:
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, dt.time | dt.timedelta):
        return str(cell)
    return cell


def sheets_of(data: bytes) -> Iterator[tuple[str, Iterator[list[Cell]]]]:
    """Every visible worksheet as (name, rows); a row's position is the spreadsheet's row number
    less one. Raises :class:`UnreadableFile` for a file that is not a spreadsheet."""
    if not (data.startswith(XLSX_MAGIC) or data.startswith(XLS_MAGIC)):
        for name, rows in read_sheets(data):  # CSV: the pupil importer's reader (encodings, delimiters)
            yield name, iter(rows)
        return
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = [
            meta
            for meta in workbook.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
        ]
    except Exception as exc:  # calamine raises many kinds of error for damaged or odd files
        raise UnreadableFile(
            f"The file could not be read as a spreadsheet ({type(exc).__name__}). "
            "Save it as .xlsx or .csv and try again."
        ) from exc
    if not metas:
        raise UnreadableFile("The workbook has no visible worksheet.")
    for meta in metas:
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.iter_rows()
        except Exception as exc:
            raise UnreadableFile(
                f"The worksheet '{meta.name}' could not be read ({type(exc).__name__}). "
                "Save the file as .xlsx or .csv and try again."
            ) from exc
        yield meta.name, ([_clean(c) for c in row] for row in rows)


@dataclass
class OpenSheet:
    layout: Layout
    rows: Iterator[tuple[int, list[Cell]]]  # (row number, cells) after the header


def open_sheet(data: bytes, drop_subjects: list[Subject], all_subjects: list[Subject]) -> OpenSheet:
    """The first visible worksheet with a header row (a UPN column and a subject's column) in its
    first rows, and an iterator over the rows under it."""
    names = ", ".join(s.name for s in drop_subjects)
    seen_sheets = []
    for name, rows in sheets_of(data):
        seen_sheets.append(name)
        top: list[list[Cell]] = []
        for index, cells in enumerate(rows):
            top.append(cells)
            layout = layout_of(cells, index + 1, name, drop_subjects, all_subjects)
            if layout is not None:
                if len(seen_sheets) > 1:
                    layout.notes.insert(0, f"Read the worksheet '{name}'.")
                return OpenSheet(layout, enumerate(rows, start=index + 2))
            if index + 1 >= HEADER_SCAN_ROWS:
                break
    raise FileProblem(
        "No header row was found: the file needs a row of column names with a UPN column and a "
        f"column for each subject ({names}), as in the drop template."
    )


def estimate_rows(data: bytes) -> int:
    """About how many rows the file holds, cheaply: to decide whether to work in the background."""
    from strides.imports.batches import estimate_rows as estimate

    return estimate("spreadsheet", data)
