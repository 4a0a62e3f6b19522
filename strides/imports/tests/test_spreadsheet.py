"""The spreadsheet parser: MIS header variants, messy files, every bad value a row error."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.imports.spreadsheet import parse_spreadsheet
from strides.imports.tests.helpers import HEADER, csv_bytes, upn, xlsx_bytes


def parse_csv(rows, **kwargs):
    return parse_spreadsheet(csv_bytes(rows, **kwargs), "pupils.csv")


def only_row(result):
    assert result.errors == []
    assert len(result.rows) == 1
    return result.rows[0]


@pytest.mark.parametrize(
    ("header", "field", "cell", "expected"),
    [
        ("Legal Surname", "legal_surname", "Archer", "Archer"),
        ("Surname", "legal_surname", "Archer", "Archer"),
        ("last name", "legal_surname", "Archer", "Archer"),
        ("LEGAL_SURNAME", "legal_surname", "Archer", "Archer"),
        ("Forename", "legal_forename", "Ava", "Ava"),
        ("First Name", "legal_forename", "Ava", "Ava"),
        ("Legal Forename", "legal_forename", "Ava", "Ava"),
        ("Preferred forename", "preferred_forename", "Avie", "Avie"),
        ("DOB", "date_of_birth", "01/03/2016", dt.date(2016, 3, 1)),
        ("D.O.B.", "date_of_birth", "2016-03-01", dt.date(2016, 3, 1)),
        ("Date of Birth", "date_of_birth", "1/3/2016", dt.date(2016, 3, 1)),
        ("Gender", "sex", "Female", "F"),
        ("Sex", "sex", "m", "M"),
    ],
)
def test_identity_header_variants(header, field, cell, expected):
    base = {
        "UPN": upn(1),
        "Legal Surname": "Archer",
        "Legal Forename": "Ava",
        "DOB": "01/03/2016",
        "Sex": "F",
    }
    base = {k: v for k, v in base.items() if k != header and not _same_field(k, field)}
    base[header] = cell
    row = only_row(parse_csv([list(base), list(base.values())]))
    assert row.identity[field] == expected
    assert row.labels[field] == header


def _same_field(header, field):
    from strides.imports.fields import COLUMN_BY_KEY, header_key

    return COLUMN_BY_KEY[header_key(header)].name == field


@pytest.mark.parametrize(
    ("header", "field", "cell", "expected"),
    [
        ("NC Year Actual", "nc_year", "3", 3),
        ("Year", "nc_year", "Year 3", 3),
        ("Year Group", "nc_year", "R", 0),
        ("Curriculum year", "nc_year", "N1", -2),
        ("Year group", "nc_year", "N2", -1),
        ("NC year", "nc_year", "Y11", 11),
        ("Ethnicity", "ethnicity", "wbri", "WBRI"),
        ("Ethnicity", "ethnicity", "White - British", "WBRI"),
        ("Ethnicity", "ethnicity", "AIND - Indian", "AIND"),
        ("First Language", "first_language", "POL", "POL"),
        ("Home Language", "first_language", "English", "ENG"),
        ("EAL", "eal", "Yes", True),
        ("SEN Status", "sen_provision", "K", "K"),
        ("SEN Provision", "sen_provision", "SEN Support", "K"),
        ("SEN", "sen_provision", "EHCP", "E"),
        ("SEN", "sen_provision", "E - Education, Health and Care Plan", "E"),
        ("Primary Need", "primary_need", "SPLD", "SPLD"),
        ("SEN Need 1", "primary_need", "asd", "ASD"),
        ("Type of need", "primary_need", "Moderate learning difficulty", "MLD"),
        ("Secondary Need", "secondary_need", "VI", "VI"),
        ("FSM", "fsm", "Y", True),
        ("FSM Ever 6", "fsm_ever6", "true", True),
        ("Ever 6", "fsm_ever6", "1", True),
        ("Pupil Premium", "fsm_ever6", "no", False),
        ("PP", "fsm_ever6", "N", False),
        ("In Care", "looked_after", "Yes", True),
        ("Looked After", "looked_after", "false", False),
        ("LAC", "looked_after", "Y", True),
        ("CLA", "looked_after", "0", False),
        ("PLAC", "previously_looked_after", "Y", True),
        ("Previously looked after", "previously_looked_after", "yes", True),
        ("CIN", "child_in_need", "TRUE", True),
        ("Child in need", "child_in_need", "n", False),
    ],
)
def test_characteristic_header_variants(header, field, cell, expected):
    headers = [*HEADER[:5], header]
    values = [upn(1), "Archer", "Ava", "01/03/2016", "F", cell]
    if field == "secondary_need":
        headers.append("Primary Need")
        values.append("SPLD")
    row = only_row(parse_csv([headers, values]))
    assert row.characteristics[field] == expected


@pytest.mark.parametrize(
    ("header", "cell", "attribute", "expected"),
    [
        ("Admission Date", "02/09/2024", "enrolment_start", dt.date(2024, 9, 2)),
        ("Start date", "2024-09-02", "enrolment_start", dt.date(2024, 9, 2)),
        ("Date of admission", "2 September 2024", "enrolment_start", dt.date(2024, 9, 2)),
        ("Enrolment status", "C", "registration", "C"),
        ("Enrolment Status", "Guest", "registration", "G"),
        ("Former UPN", upn(2).lower(), "former_upns", (upn(2),)),
    ],
)
def test_enrolment_and_former_upn_variants(header, cell, attribute, expected):
    row = only_row(parse_csv([[*HEADER, header], [upn(1), "Archer", "Ava", "01/03/2016", "F", "3", cell]]))
    assert getattr(row, attribute) == expected


def test_a_messy_export_title_rows_blank_rows_extra_columns_and_spaced_upns():
    result = parse_csv(
        [
            ["Student List - Northfield Primary", "", ""],
            ["Printed 01/09/2025"],
            [],
            ["  upn ", "SURNAME", "forename", "dob", "gender", "Year Group", "Reg Group", "House", ""],
            [
                " " + upn(1)[:5].lower() + " " + upn(1)[5:] + " ",
                "Archer",
                "Ava",
                "01/03/2016",
                "F",
                "3",
                "3T",
                "Red",
            ],
            ["", "", "", "", "", "", "", ""],
            [upn(2), "  Baker ", "Ben", "2016-04-02", "M", "Year 3", "3B", "Blue", ""],
        ]
    )
    assert result.errors == []
    assert [r.row for r in result.rows] == [5, 7]  # the spreadsheet's own row numbers
    assert [r.upn for r in result.rows] == [upn(1), upn(2)]
    assert result.rows[1].identity["legal_surname"] == "Baker"
    assert result.ignored_columns == ["Reg Group", "House"]
    assert result.data_rows == 2


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("01/03/2016", dt.date(2016, 3, 1)),
        ("1.3.2016", dt.date(2016, 3, 1)),
        ("01-03-2016", dt.date(2016, 3, 1)),
        ("2016-03-01", dt.date(2016, 3, 1)),
        ("2016/03/01", dt.date(2016, 3, 1)),
        ("01/03/2016 00:00", dt.date(2016, 3, 1)),
        ("2016-03-01T00:00:00", dt.date(2016, 3, 1)),
        ("42430", dt.date(2016, 3, 1)),  # an Excel serial saved as text
        ("1 Mar 2016", dt.date(2016, 3, 1)),
    ],
)
def test_date_formats(cell, expected):
    row = only_row(parse_csv([HEADER, [upn(1), "Archer", "Ava", cell, "F", "3"]]))
    assert row.identity["date_of_birth"] == expected


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("Date of Birth", "31/02/2016", "not a real date"),
        ("Date of Birth", "01/03/16", "two-digit year"),
        ("Date of Birth", "yesterday", "not a date"),
        ("Date of Birth", "01/03/2999", "not a plausible date"),
        ("Date of Birth", "01/03/2099", "in the future"),
        ("Sex", "X", "M or F"),
        ("NC Year Actual", "15", "not an NC year"),
        ("NC Year Actual", "X", "cannot be stored"),
        ("UPN", "A801200005001", "Check letter is A but should be B"),
        ("UPN", "E000200005001", "not a valid LA code"),
        ("UPN", "H80120000100", "13 characters"),
        ("Legal Surname", "x" * 101, "at most 100"),
        ("Legal Forename", "Ava\x07", "control characters"),
    ],
)
def test_bad_values_are_row_errors_naming_row_field_and_value(column, cell, message):
    values = dict(zip(HEADER, [upn(1), "Archer", "Ava", "01/03/2016", "F", "3"], strict=True))
    values[column] = cell
    result = parse_csv([["Pupils"], HEADER, list(values.values())])
    assert result.rows == []
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.field) == (3, column)
    assert error.value == (cell if len(cell) <= 200 else cell[:200] + "…")
    assert message in error.message


@pytest.mark.parametrize(
    ("header", "cell", "message"),
    [
        ("FSM", "maybe", "not yes or no"),
        ("Ethnicity", "WELSH", "census ethnicity code"),
        ("SEN Status", "Q", "SEN provision"),
        ("Primary Need", "DYSLEXIA", "type of need"),
        ("First Language", "Polish", "census language code"),
        ("Admission Date", "soon", "not a date"),
        ("Enrolment Status", "Z", "enrolment status"),
        ("Former UPN", "nonsense", "A UPN has 13 characters"),
    ],
)
def test_bad_codes_are_row_errors(header, cell, message):
    result = parse_csv([[*HEADER, header], [upn(1), "Archer", "Ava", "01/03/2016", "F", "3", cell]])
    assert [(e.row, e.field, e.value) for e in result.errors] == [(2, header, cell)]
    assert message in result.errors[0].message


def test_every_error_on_a_row_is_reported_and_good_rows_still_parse():
    result = parse_csv(
        [
            HEADER,
            [upn(1), "Archer", "Ava", "31/31/2016", "Q", "99"],
            [upn(2), "Baker", "Ben", "01/03/2016", "M", "3"],
        ]
    )
    assert sorted(e.field for e in result.errors) == ["Date of Birth", "NC Year Actual", "Sex"]
    assert {e.row for e in result.errors} == {2}
    assert [r.upn for r in result.rows] == [upn(2)]


def test_duplicate_upns_in_a_file_are_refused_on_the_later_row():
    result = parse_csv(
        [HEADER, [upn(1), "A", "A", "01/03/2016", "F", "3"], [upn(1).lower(), "B", "B", "", "", ""]]
    )
    assert [(e.row, e.message) for e in result.errors] == [(3, f"UPN {upn(1)} also appears on row 2.")]


def test_missing_upn_is_an_error():
    result = parse_csv([HEADER, ["", "Archer", "Ava", "01/03/2016", "F", "3"]])
    assert [(e.row, e.field, e.message) for e in result.errors] == [(2, "UPN", "UPN is missing.")]


def test_a_file_without_a_upn_column_or_header_is_refused_as_a_whole():
    no_upn = parse_csv([["Surname", "Forename", "DOB"], ["Archer", "Ava", "01/03/2016"]])
    assert [(e.row, e.field) for e in no_upn.errors] == [(1, "UPN")]
    no_header = parse_csv([["a", "b"], ["1", "2"]])
    assert no_header.errors[0].row is None
    assert "No header row" in no_header.errors[0].message


def test_two_columns_for_one_field_are_refused():
    result = parse_csv([[*HEADER, "Year Group"], [upn(1), "Archer", "Ava", "01/03/2016", "F", "3", "3"]])
    assert result.errors[0].field == "Year Group"
    assert "both give NC Year Actual" in result.errors[0].message


def test_sen_provision_and_needs_must_agree():
    header = [*HEADER, "SEN Status", "Primary Need", "Secondary Need"]
    result = parse_csv(
        [
            header,
            [upn(1), "A", "A", "01/03/2016", "F", "3", "N", "SPLD", ""],
            [upn(2), "B", "B", "01/03/2016", "F", "3", "E", "NSA", ""],
            [upn(3), "C", "C", "01/03/2016", "F", "3", "K", "MLD", "MLD"],
            [upn(4), "D", "D", "01/03/2016", "F", "3", "K", "", "MLD"],
            [upn(5), "E", "E", "01/03/2016", "F", "3", "N", "", ""],
        ]
    )
    assert [(e.row, e.field) for e in result.errors] == [
        (2, "Primary Need"),
        (3, "Primary Need"),
        (4, "Secondary Need"),
        (5, "Primary Need"),
    ]
    assert result.rows[0].characteristics == {
        "nc_year": 3,
        "sen_provision": "N",
        "primary_need": "",
        "secondary_need": "",
    }


def test_eal_follows_the_first_language_and_ever6_follows_fsm_when_not_given():
    result = parse_csv(
        [
            [*HEADER, "Home Language", "FSM"],
            [upn(1), "A", "A", "01/03/2016", "F", "3", "POL", "Y"],
            [upn(2), "B", "B", "01/03/2016", "F", "3", "ENG", "N"],
        ]
    )
    first, second = result.rows
    assert first.characteristics["eal"] is True and first.characteristics["fsm_ever6"] is True
    assert second.characteristics["eal"] is False and "fsm_ever6" not in second.characteristics


def test_empty_cells_leave_values_alone_but_empty_optional_names_clear_them():
    result = parse_csv(
        [[*HEADER, "Ethnicity", "FSM", "Preferred Forename"], [upn(1), "A", "A", "", "", "", "", "", ""]]
    )
    row = only_row(result)
    assert row.identity == {"legal_surname": "A", "legal_forename": "A", "preferred_forename": ""}
    assert row.characteristics == {}


def test_semicolon_and_tab_delimited_and_windows_encodings():
    rows = [HEADER, [upn(1), "Zoë", "Åsa", "01/03/2016", "F", "3"]]
    for data in (
        csv_bytes(rows, delimiter=";"),
        csv_bytes(rows, encoding="cp1252"),
        b"\xef\xbb\xbf" + csv_bytes(rows),
        csv_bytes(rows, delimiter="\t", encoding="utf-16"),
    ):
        row = only_row(parse_spreadsheet(data))
        assert (row.identity["legal_surname"], row.identity["legal_forename"]) == ("Zoë", "Åsa")


def test_xlsx_with_title_row_date_cells_numbers_and_booleans():
    data = xlsx_bytes(
        [
            ["Pupil export"],
            [],
            ["UPN", "Surname", "Forename", "DOB", "Gender", "Year", "FSM", "Admission Date"],
            [upn(1), "Archer", "Ava", dt.datetime(2016, 3, 1), "F", 3, True, 45537],
            [upn(2), "Baker", "Ben", "02/04/2016", "M", "R", "N", None],
            [upn(3), "Carter", "Cara", "not a date", "F", 3.0, False, None],
        ],
        extra_sheets=1,
    )
    result = parse_spreadsheet(data, "pupils.xlsx")
    first, second = result.rows
    assert (first.row, second.row) == (4, 5)
    assert first.identity["date_of_birth"] == dt.date(2016, 3, 1)
    assert first.characteristics["nc_year"] == 3 and first.characteristics["fsm"] is True
    assert first.enrolment_start == dt.date(2024, 9, 2)  # an Excel serial number
    assert second.characteristics["nc_year"] == 0
    assert [(e.row, e.field, e.value) for e in result.errors] == [(6, "DOB", "not a date")]
    assert "Read the worksheet 'Pupils'" in result.notes[0]


def test_a_damaged_workbook_or_an_xml_file_is_a_file_error_not_an_exception():
    damaged = parse_spreadsheet(b"PK\x03\x04" + b"\x00" * 100, "pupils.xlsx")
    assert damaged.rows == [] and damaged.errors[0].row is None
    assert "could not be read as a spreadsheet" in damaged.errors[0].message
    xml = parse_spreadsheet(b"<?xml version='1.0'?><CTfile/>", "file.csv")
    assert "import-ctf" in xml.errors[0].message


def test_a_huge_cell_is_an_error_not_a_crash():
    result = parse_spreadsheet(b"UPN,Surname\n" + upn(1).encode() + b',"' + b"x" * 200_000 + b'"\n')
    assert result.errors and result.rows == []


def test_an_html_page_saved_as_excel_gets_a_message_saying_so():
    result = parse_spreadsheet(
        b"<html><body><table><tr><td>UPN</td></tr></table></body></html>", "export.xls"
    )
    assert "web page (HTML)" in result.errors[0].message
