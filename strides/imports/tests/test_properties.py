"""Property tests: whatever the file holds, the parsers never raise; every row they read is
either a record or has an error naming it."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.imports.ctf import parse_ctf
from strides.imports.spreadsheet import parse_spreadsheet
from strides.imports.tests.helpers import HEADER, csv_bytes, upn, xlsx_bytes

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "Y",
            "N",
            "R",
            "N1",
            "3",
            "Year 3",
            "01/03/2016",
            "2016-03-01",
            "F",
            "M",
            "WBRI",
            "K",
            "EHCP",
            "SPLD",
            "ENG",
            "31/02/2016",
            "x" * 5000,
            "\x00",
            "=1+1",
            '"',
        ]
    ),
    st.builds(lambda n: upn(n), st.integers(min_value=0, max_value=999)),
    st.builds(lambda n: upn(n).lower().replace("9", " 9"), st.integers(min_value=0, max_value=999)),
)
huge_cell = st.builds(
    lambda c, n: c * n, st.sampled_from(["x", "é", "1", ",", "\n"]), st.integers(1, 300_000)
)
header_names = st.lists(
    st.sampled_from(
        [
            *HEADER,
            "Surname",
            "DOB",
            "Gender",
            "Year",
            "SEN",
            "FSM",
            "Ever 6",
            "LAC",
            "CIN",
            "EAL",
            "Admission Date",
            "Former UPN",
            "Primary Need",
            "Secondary Need",
            "Ethnicity",
            "House",
            "",
        ]
    ),
    min_size=1,
    max_size=12,
)


def accounted_for(result, data_row_numbers=None):
    """Records or errors, never neither; rows and errors point at real rows."""
    assert result.rows or result.errors
    assert all(isinstance(e.message, str) and e.message for e in result.errors)
    assert all(isinstance(e.value, str) and len(e.value) <= 201 for e in result.errors)
    if data_row_numbers is not None and not any(e.row is None for e in result.errors):
        with_errors = {e.row for e in result.errors}
        for row in result.rows:
            assert row.row in data_row_numbers and row.row not in with_errors
        assert {r.row for r in result.rows} | with_errors >= set(data_row_numbers)


@FAST
@given(st.binary(max_size=4000))
def test_spreadsheet_parser_never_raises_on_bytes(data):
    accounted_for(parse_spreadsheet(data, "anything.csv"))


@FAST
@given(st.text(max_size=3000))
def test_spreadsheet_parser_never_raises_on_text(text):
    accounted_for(parse_spreadsheet(text.encode("utf-8"), "anything.csv"))


@FAST
@given(st.binary(max_size=2000))
def test_spreadsheet_parser_never_raises_on_a_damaged_workbook(tail):
    accounted_for(parse_spreadsheet(b"PK\x03\x04" + tail, "damaged.xlsx"))


@FAST
@given(
    header=header_names,
    rows=st.lists(st.lists(cell_text, max_size=14), min_size=1, max_size=25),
    title=st.booleans(),
)
def test_broken_rows_under_a_real_header_are_each_a_record_or_an_error(header, rows, title):
    lines = [["Pupil export"]] if title else []
    lines += [["UPN", *header], *rows]
    result = parse_spreadsheet(csv_bytes(lines), "pupils.csv")
    offset = 2 if title else 1
    # NUL bytes are dropped on reading, so a row of only NULs is a blank row
    non_blank = [
        offset + i for i, row in enumerate(rows, start=1) if any(c.replace("\x00", "").strip() for c in row)
    ]
    if any(e.row is None or e.row == offset for e in result.errors):  # the header itself was refused
        assert result.rows == []
    else:
        accounted_for(result, non_blank)


@settings(max_examples=15, deadline=None)
@given(huge=huge_cell, column=st.integers(0, 5))
def test_huge_cells_never_raise(huge, column):
    row = [upn(1), "Archer", "Ava", "01/03/2016", "F", "3"]
    row[column] = huge
    accounted_for(parse_spreadsheet(csv_bytes([HEADER, row]), "huge.csv"))


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                cell_text,
                st.integers(-(10**12), 10**12),
                st.floats(allow_nan=False, allow_infinity=False),
                st.booleans(),
                st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
                st.none(),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_workbooks_with_any_cell_types_never_raise(rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # control characters cannot be stored in a worksheet at all: a limit of the format, not of us
    cleaned = [[ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row] for row in rows]
    accounted_for(parse_spreadsheet(xlsx_bytes([HEADER, *cleaned]), "any.xlsx"))


@FAST
@given(st.binary(max_size=4000))
def test_ctf_parser_never_raises_on_bytes(data):
    accounted_for(parse_ctf(data))


@FAST
@given(st.text(max_size=3000))
def test_ctf_parser_never_raises_on_text(text):
    accounted_for(parse_ctf(text.encode("utf-8")))


ctf_value = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["", "2015-03-01", "F", "M", "5", "R", "WBRI", "E", "K", "ASD", "1", "2", "true", "ENG", "2099-01-01"]
    ),
)
ctf_elements = st.sampled_from(
    [
        "UPN",
        "Surname",
        "Forename",
        "DOB",
        "Gender",
        "Sex",
        "BasicDetails/NCyearActual",
        "BasicDetails/Ethnicity",
        "BasicDetails/FormerUPN",
        "BasicDetails/MiddleNames",
        "LookedAfter/InCare",
        "FSMhistory/FSMinstance/FSMstartDate",
        "FSMhistory/FSMinstance/FSMendDate",
        "SENhistory/SEN/SENprovision",
        "SENhistory/SEN/StartDate",
        "SENhistory/SENneeds/SENneed/SENtype",
        "SENhistory/SENneeds/SENneed/SENtypeRank",
    ]
)


def element(path: str, value: str) -> str:
    parts = path.split("/")
    return "".join(f"<{p}>" for p in parts) + escape(value) + "".join(f"</{p}>" for p in reversed(parts))


@FAST
@given(
    pupils=st.lists(st.lists(st.tuples(ctf_elements, ctf_value), max_size=10), min_size=1, max_size=6),
    dest=st.text(max_size=10),
)
def test_broken_ctf_pupils_are_each_a_record_or_an_error(pupils, dest):
    body = "".join("<Pupil>" + "".join(element(p, v) for p, v in fields) + "</Pupil>" for fields in pupils)
    data = (
        "<CTfile><Header><DateTime>2025-06-30T10:00:00</DateTime><DestSchool><URN>"
        + escape(dest)
        + "</URN></DestSchool></Header><CTFpupilData>"
        + body
        + "</CTFpupilData></CTfile>"
    ).encode()
    result = parse_ctf(data)
    accounted_for(result, list(range(1, len(pupils) + 1)))


@settings(max_examples=10, deadline=None)
@given(huge=huge_cell)
def test_a_huge_ctf_element_never_raises(huge):
    data = f"<CTfile><CTFpupilData><Pupil><UPN>{escape(huge)}</UPN></Pupil></CTFpupilData></CTfile>".encode()
    accounted_for(parse_ctf(data), [1])
