"""Reading a small-step framework's statements from a spreadsheet (strides/steps/sheets.py): every
problem names its row, column and value; a sheet with any problem yields nothing to write."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from strides.steps.models import Shape
from strides.steps.services.frameworks import StatementRow
from strides.steps.sheets import MAX_ROWS, MAX_TEXT, SheetError, read_statements, to_csv

HEADER = "Area,Area name,Step,Step name,Code,Statement,Weight,Key,Leads to\n"


def read(text: str, shape: str = Shape.LINEAR, existing=()):
    return read_statements(text.encode(), shape, existing)


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


def test_a_clean_linear_sheet_reads_every_row_with_its_defaults():
    result = read(
        HEADER
        + "communication,Communication,1,Noticing,C1.1,Turns to a voice,,yes,\n"
        + "communication,Communication,1,Noticing,C1.2,Stills for a song,2.5,N,\n"
        + "number,,2,,N2.1,Sorts by colour,,,\n"
    )
    assert result.ok and result.header_row == 1
    first, second, third = result.rows
    assert (first.row, first.area, first.step, first.code, first.key, first.weight) == (
        2,
        "communication",
        1,
        "C1.1",
        True,
        Decimal("1"),
    )
    assert second.weight == Decimal("2.5") and not second.key
    assert (third.area, third.area_name, third.step, third.step_name) == ("number", "", 2, "")
    assert (result.area_count, result.step_count, result.key_count) == (2, 2, 1)


def test_headers_are_forgiven_a_title_row_is_skipped_and_blank_rows_ignored():
    result = read(
        "Oakwood small steps,,,\n"
        "\n"
        "Strand,Level,Statement code,Statement text,Key statement,Notes\n"
        "Number and shape,Step 3,N3.1,Counts three objects,Y,ask Sam\n"
        ",,,,,\n"
        "Number and shape,3.0,N3.2,Says numbers to five,0,\n"
    )
    assert result.ok, messages(result)
    assert result.header_row == 3
    assert [(r.row, r.area, r.area_name, r.step, r.key) for r in result.rows] == [
        (4, "number-and-shape", "Number and shape", 3, True),
        (6, "number-and-shape", "Number and shape", 3, False),
    ]
    assert result.ignored_columns == ["Notes"]


def test_a_step_that_is_not_a_whole_number_names_the_row_the_column_and_the_value():
    result = read(HEADER + "\n" * 5 + "communication,,two,,C1.1,Turns to a voice,,,\n")
    assert not result.ok and result.rows == []
    assert messages(result) == ["Row 7, step: 'two' is not a whole number."]
    [error] = result.errors
    assert (error.row, error.column, error.value) == (7, "Step", "two")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (",,1,,C1,Words,,,", "Row 2, area: a statement needs the code of its area (e.g. communication)."),
        ("!!!,,1,,C1,Words,,,", "Row 2, area: '!!!' needs at least one letter or digit."),
        (
            "a,,,,C1,Words,,,",
            "Row 2, step: a linear small-steps framework needs each statement's step number.",
        ),
        ("a,,0,,C1,Words,,,", "Row 2, step: '0' is not a step from 1 to 999."),
        ("a,,1,,,Words,,,", "Row 2, code: a statement needs a code (e.g. C1.2)."),
        ("a,,1,,C 1,Words,,,", "Row 2, code: 'C 1' has a space in it: a code is one word (e.g. C1.2)."),
        ("a,,1,,C1,,,,", "Row 2, statement: a statement needs its words."),
        ("a,,1,,C1,Words,0,,", "Row 2, weight: '0' is not more than 0."),
        ("a,,1,,C1,Words,-1,,", "Row 2, weight: '-1' is not more than 0."),
        ("a,,1,,C1,Words,heavy,,", "Row 2, weight: 'heavy' is not a number."),
        ("a,,1,,C1,Words,NaN,,", "Row 2, weight: 'NaN' is not a number."),
        ("a,,1,,C1,Words,1.005,,", "Row 2, weight: '1.005' has more than two decimal places."),
        ("a,,1,,C1,Words,1000,,", "Row 2, weight: '1000' is more than 999.99."),
        ("a,,1,,C1,Words,,maybe,", "Row 2, key: 'maybe' is not yes or no (Y, N, 1, 0, true, false)."),
        ("a,,1,,C1,Words,,,C2", "Row 2, leads to: only the milestones of a milestone map lead to others."),
    ],
)
def test_each_refusal_says_the_row_the_column_and_the_value(cells, expected):
    result = read(HEADER + cells + "\n")
    assert messages(result) == [expected]
    assert result.rows == [] and not result.ok


def test_too_long_values_are_refused():
    code = "C" * 21
    text = "w" * (MAX_TEXT + 1)
    result = read(HEADER + f"a,,1,,{code},Words,,,\n" + f"a,,1,,C2,{text},,,\n")
    assert messages(result) == [
        f"Row 2, code: '{code}' is longer than 20 characters.",
        f"Row 3, statement: the statement is {MAX_TEXT + 1} characters long; at most {MAX_TEXT}.",
    ]


def test_a_code_twice_in_an_area_is_refused_but_not_in_two_areas():
    result = read(HEADER + "a,,1,,C1,One,,,\n" + "a,,2,,c1,Two,,,\n" + "b,,1,,C1,Three,,,\n")
    assert messages(result) == ["Row 3, code: 'c1' is also the code of row 2 in 'a'."]
    assert [r.row for r in result.rows] == [2, 4]
    assert not result.ok  # one bad row: nothing is written


def test_a_code_the_framework_has_already_is_refused():
    result = read(HEADER + "a,,1,,C1,One,,,\n", existing=[("a", "C1")])
    assert messages(result) == ["Row 2, code: 'C1' is already a statement of 'a' in this framework."]


def test_two_names_for_one_area_or_one_step_are_refused():
    result = read(HEADER + "a,Talk,1,First,C1,One,,,\n" + "a,Speech,1,Start,C2,Two,,,\n")
    assert messages(result) == [
        "Row 3, area name: 'Speech' differs from 'Talk', the name row 2 gives area 'a'.",
        "Row 3, step name: 'Start' differs from 'First', the name row 2 gives step 1 of 'a'.",
    ]


def test_milestones_lead_to_known_codes_in_any_strand_and_ignore_steps():
    result = read(
        "Strand,Step,Code,Milestone,Key,Leads to\n"
        "thinking,4,M1,Notices light,yes,m2; M3\n"
        "thinking,,M2,Tracks,,\n"
        "acting,,M3,Reaches,,M1,M1\n"
        "acting,,M4,Grasps,,M0\n",
        Shape.MILESTONES,
        existing=[("acting", "M0")],
    )
    assert result.ok, messages(result)
    assert [(r.code, r.step, r.leads_to) for r in result.rows] == [
        ("M1", None, ["M2", "M3"]),
        ("M2", None, []),
        ("M3", None, ["M1"]),
        ("M4", None, ["M0"]),
    ]
    assert any("Step" in note for note in result.notes)


def test_a_milestone_leading_to_an_unknown_code_or_itself_is_refused():
    result = read(
        "Strand,Code,Milestone,Leads to\nthinking,M1,Notices light,M9\nthinking,M2,Tracks,M2\n",
        Shape.MILESTONES,
    )
    assert messages(result) == [
        "Row 2, leads to: 'M9' is not the code of a milestone in this sheet or framework.",
        "Row 3, leads to: 'M2' is this milestone's own code: a milestone cannot lead to itself.",
    ]
    assert not result.ok


def test_a_matrix_needs_a_level_for_each_element():
    result = read("Domain,Level,Level name,Code,Element\nresponding,2,Noticing,R.2.B,Reacts\n", Shape.MATRIX)
    assert result.ok
    assert (result.rows[0].area, result.rows[0].step, result.rows[0].step_name) == (
        "responding",
        2,
        "Noticing",
    )


@pytest.mark.parametrize(
    ("data", "shape", "says"),
    [
        (b"", Shape.LINEAR, "No header row"),
        (b"just,some\nwords,here\n", Shape.LINEAR, "No header row"),
        (b"Area,Code,Statement\na,C1,Words\n", Shape.LINEAR, "has no Step column"),
        (b"Area,Step,Code\n", Shape.LINEAR, "has no Statement column"),
        (b"Area,Step,Code,Statement\n", Shape.LINEAR, "no statements below it"),
        (b"<html><body>no</body></html>", Shape.LINEAR, "web page"),
        (b"PK\x03\x04 not really a workbook", Shape.LINEAR, "could not be read"),
        (b"Area,Code,Statement\na,C1,Words\n", Shape.ENGAGEMENT, "engagement model"),
    ],
)
def test_a_file_that_cannot_be_used_at_all_says_why(data, shape, says):
    with pytest.raises(SheetError, match=says):
        read_statements(data, shape)


def test_too_many_rows_are_refused_before_any_row_is_read():
    rows = "".join(f"a,,1,,C{n},Words,,,\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(SheetError, match=f"{MAX_ROWS + 1} rows"):
        read(HEADER + rows)


def test_a_workbook_is_read_like_a_csv():
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Small steps"])
    sheet.append(["Area", "Step", "Code", "Statement", "Weight", "Key"])
    sheet.append(["communication", 1, "C1.1", "Turns to a voice", 0.5, True])
    sheet.append(["communication", 2.0, "C2.1", "Chooses", None, "no"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_statements(buffer.getvalue(), Shape.LINEAR)
    assert result.ok, messages(result)
    assert [(r.row, r.step, r.weight, r.key) for r in result.rows] == [
        (3, 1, Decimal("0.5"), True),
        (4, 2, Decimal("1"), False),
    ]


def test_to_csv_reads_back():
    rows = [
        StatementRow(
            row=2, area="a", step=1, step_name="One", code="C1", text="Words, with a comma", key=True
        ),
        StatementRow(
            row=3, area="a", step=2, step_name="", code="C2", text='Says "hi"', weight=Decimal("1.5")
        ),
    ]
    result = read_statements(to_csv(rows).encode(), Shape.LINEAR)
    assert result.rows == rows
