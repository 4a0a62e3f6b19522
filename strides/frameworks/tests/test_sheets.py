"""Reading a bespoke framework's levels from a spreadsheet: what is forgiven, what is refused
(with the row, column and value), and files that cannot be used at all."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from strides.frameworks.models import ScalePoint
from strides.frameworks.services import ensure_common_scale
from strides.frameworks.sheets import MAX_LEVELS, SheetError, parse_levels

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(cast):
    return list(ScalePoint.objects.filter(scale=ensure_common_scale(cast.trust)))


def csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_clean_csv_gives_the_levels_in_order(points):
    result = parse_levels(
        csv(
            "Code,Label,Descriptor,Common point",
            "S1,Step 1,First words,NS1",
            "S2,Step 2,,ns 2",
            "S3,Step 3,,3",
        ),
        points,
    )
    assert result.ok and result.header_row == 1
    assert [(lv.row, lv.code, lv.label, lv.point.code) for lv in result.levels] == [
        (2, "S1", "Step 1", "NS1"),
        (3, "S2", "Step 2", "NS2"),
        (4, "S3", "Step 3", "NS3"),
    ]
    assert result.levels[0].descriptor == "First words"


def test_header_variants_a_title_row_blank_rows_and_extra_columns_are_forgiven(points):
    result = parse_levels(
        xlsx(
            [
                ["Small steps framework, March 2026"],
                [],
                ["Level code", "Level name", "Teacher notes", "Next Steps point", "Description"],
                ["SS1", "Small step 1", "ignore me", "NS2", "Responds to sounds"],
                [None, None, None, None, None],
                ["SS2", "Small step 2", "", "NS3", ""],
            ]
        ),
        points,
    )
    assert result.ok and result.header_row == 3
    assert [(lv.row, lv.code, lv.point.code) for lv in result.levels] == [
        (4, "SS1", "NS2"),
        (6, "SS2", "NS3"),
    ]
    assert result.levels[0].descriptor == "Responds to sounds"
    assert result.ignored_columns == ["Teacher notes"]


def test_every_bad_row_is_named_with_its_column_and_value(points):
    result = parse_levels(
        csv(
            "Code,Label,Descriptor,Common point",
            "S1,Step 1,,NS1",
            "s 1,Step one again,,NS2",  # the same code as row 2 once case and spacing are forgiven
            "S3,,,NS3",  # no label
            "S4,Step 4,,NS99",  # not a point
            ",Step 5,,NS5",  # no code
            "S6,Step 6,,",  # no point
        ),
        points,
    )
    assert not result.ok
    found = [(e.row, e.column, e.value) for e in result.errors]
    assert found == [
        (3, "Code", "s 1"),
        (4, "Label", ""),
        (5, "Common point", "NS99"),
        (6, "Code", ""),
        (7, "Common point", ""),
    ]
    assert "Row 2 has the same code" in result.errors[0].message
    assert "NS1 to NS38" in result.errors[2].message
    assert str(result.errors[2]) == (
        "Row 5, Common point “NS99”: This is not a point of the common scale (NS1 to NS38)."
    )
    assert [lv.code for lv in result.levels] == ["S1"]  # only clean rows are levels


def test_overlong_cells_are_refused_and_shown_shortened(points):
    long_code = "C" * 31
    long_label = "L" * 500
    result = parse_levels(
        csv("Code,Label,Common point", f"{long_code},Step,NS1", f"S2,{long_label},NS2"), points
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "Code"), (3, "Label")]
    assert "at most 30 characters" in result.errors[0].message
    assert len(result.errors[1].value) <= 60


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "No header row"),
        (csv("Name,Date of birth", "Ava,2019-01-01"), "No header row"),
        (csv("Code,Descriptor", "S1,x"), "no Label or Common point column"),
        (csv("Code,Label,Descriptor", "S1,Step 1,x"), "no Common point column"),
        (csv("Code,Label,Common point"), "no levels below it"),
        (b"<html><body>not a sheet</body></html>", "web page"),
        (b"PK\x03\x04 broken zip", "could not be read"),
    ],
)
def test_files_that_cannot_be_used_say_why(points, content, message):
    with pytest.raises(SheetError, match=message):
        parse_levels(content, points)


def test_a_sheet_with_too_many_levels_is_refused(points):
    rows = ["Code,Label,Common point"] + [f"S{i},Step {i},NS1" for i in range(MAX_LEVELS + 1)]
    with pytest.raises(SheetError, match=f"at most {MAX_LEVELS}"):
        parse_levels(csv(*rows), points)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_levels_errors_or_a_sheet_error_never_a_crash(points, content):
    try:
        result = parse_levels(content, points)
    except SheetError as error:
        assert str(error)
    else:
        assert all(e.row >= 1 and e.column and e.message for e in result.errors)
        assert all(lv.code and lv.label and lv.point for lv in result.levels)
