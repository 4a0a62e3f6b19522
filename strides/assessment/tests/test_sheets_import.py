"""Importing data-drop spreadsheets: the template, analysts' own files with their header variants
and mess, refused rows, all or nothing, and the preview's versions at the commit."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from strides.assessment import services
from strides.assessment.models import Judgement
from strides.assessment.sheets.importer import import_drop_file
from strides.assessment.sheets.template import build_template
from strides.frameworks.models import Framework
from strides.frameworks.services import assign_framework
from strides.imports.tests.helpers import csv_bytes, xlsx_bytes
from strides.pupils.models import FormerUpn
from strides.pupils.upn import make_upn


def run(data, drop, actor, *, dry_run=False, expected=None):
    report, versions = import_drop_file(
        data, drop=drop, actor=actor, filename="drop.xlsx", reason="import drop.xlsx", dry_run=dry_run,
        expected_versions=expected,
    )  # fmt: skip
    return report, versions


def levels(drop):
    return {
        (j.pupil.legal_forename, j.subject.code): j.level.code
        for j in Judgement.objects.filter(drop=drop).select_related("pupil", "subject", "level")
    }


def spaced(upn):
    """A UPN as people type it: lower case with spaces."""
    return f"{upn[:4]} {upn[4:8]} {upn[8:]}".lower()


def test_the_template_filled_in_imports(cast, drop):
    workbook = load_workbook(io.BytesIO(build_template(drop, cast.north, cast.head)))
    sheet = workbook["Judgements"]
    header = [c.value for c in sheet[3]]
    assert header[:8] == ["UPN", "Surname", "Forename", "NC year", "Class", "Reading", "Writing", "Maths"]
    upns = [sheet.cell(row=r, column=1).value for r in (4, 5)]
    assert set(upns) == {cast.ava.upn, cast.ben.upn}
    for row in (4, 5):
        sheet.cell(row=row, column=6, value="Y3 EXS")
        sheet.cell(row=row, column=8, value="y3 wts")
    out = io.BytesIO()
    workbook.save(out)

    report, _ = run(out.getvalue(), drop, cast.head)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert report.committed
    assert levels(drop) == {
        ("Ava", "reading"): "Y3 EXS",
        ("Ava", "maths"): "Y3 WTS",
        ("Ben", "reading"): "Y3 EXS",
        ("Ben", "maths"): "Y3 WTS",
    }
    assert report.ignored_columns == [], "the template's own columns are not 'ignored'"


def test_an_analysts_messy_spreadsheet(cast, drop, subjects):
    assign_framework(
        cast.head, cast.north, subjects["maths"], Framework.objects.get(code="pre-key-stage", trust=None),
        cast.year.starts_on, pupil=cast.ben,
    )  # fmt: skip
    rows = [
        ["Autumn data drop - Northfield", "", "", "", ""],
        [],
        ["Pupil UPN", "Name", "Reading TA", "Writing", "Maths judgement", "House", "Reading note"],
        [spaced(cast.ava.upn), "Ava Archer", "y3 exp", "Y3  WTS", "3EXS", "Oak", "Reads widely"],
        ["", "", "", "", "", "", ""],
        [f" {cast.ben.upn.lower()} ", "Ben Baker", "2 wts", "y2w", "pk4", "Ash", ""],
        ["", "", "", "", "", "", ""],
    ]
    report, _ = run(csv_bytes(rows), drop, cast.analyst)
    assert report.errors == []
    assert report.ignored_columns == ["House"]
    assert (report.created, report.updated, report.unchanged) == (6, 0, 0)
    assert levels(drop) == {
        ("Ava", "reading"): "Y3 EXS",
        ("Ava", "writing"): "Y3 WTS",
        ("Ava", "maths"): "Y3 EXS",
        ("Ben", "reading"): "Y2 WTS",  # short forms of his year group's bands
        ("Ben", "writing"): "Y2 WTS",
        ("Ben", "maths"): "PK4",
    }
    ben_maths = Judgement.objects.get(pupil=cast.ben, subject=subjects["maths"])
    assert ben_maths.level.framework.code == "pre-key-stage", "his own framework for maths"
    assert Judgement.objects.get(pupil=cast.ava, subject=subjects["reading"]).note == "Reads widely"


@pytest.mark.parametrize(
    ("upn_header", "reading_header"),
    [
        ("UPN", "Reading"),
        ("upn", "READING"),
        ("Unique Pupil Number", "KS2 Reading TA"),
        ("Pupil UPN", "Reading level"),
    ],
)
def test_header_variants(cast, drop, upn_header, reading_header):
    report, _ = run(xlsx_bytes([[upn_header, reading_header], [cast.ava.upn, "Y3 GDS"]]), drop, cast.head)
    assert report.errors == [] and report.created == 1


def test_refused_rows_name_row_column_value_and_reason_and_nothing_is_written(cast, drop):
    rows = [
        ["UPN", "Reading", "Maths"],
        [cast.ava.upn, "Y3 EXS", "Y3 Exx"],  # 2: an unknown code
        [cast.cara.upn, "Y8 EXS", ""],  # 3: river's pupil, out of the head's scope
        ["A123", "Y3 EXS", ""],  # 4: not a UPN
        [cast.ben.upn, "Y3 EXS", ""],  # 5: fine
        [cast.ben.upn.lower(), "Y3 WTS", ""],  # 6: the same pupil again
        ["", "Y3 EXS", ""],  # 7: no UPN
        [cast.ben.upn[:-1] + "9", "", ""],  # 8: nothing given: skipped, whatever the UPN
    ]
    report, _ = run(csv_bytes(rows), drop, cast.head)
    assert not report.committed
    found = [(e.row, e.field, e.value) for e in report.errors]
    assert found == [
        (2, "Maths", "Y3 Exx"),
        (3, "UPN", cast.cara.upn),
        (4, "UPN", "A123"),
        (6, "UPN", cast.ben.upn),
        (7, "UPN", ""),
    ]
    messages = {e.row: e.message for e in report.errors}
    assert messages[2].endswith("try Y3 WTS, Y3 EXS, Y3 GDS."), "the grid's and the API's words"
    assert "No pupil with this UPN is in this drop" in messages[3]
    assert "Cara" not in messages[3] and "Riverside" not in messages[3], "never another school's pupil"
    assert "also appears on row 5" in messages[6]
    assert report.refused_rows == 5
    assert not Judgement.objects.exists()


def test_an_unknown_upn_and_another_schools_pupil_read_the_same(cast, drop):
    unknown = make_upn(801, 4001, 20, 999)  # valid, but nobody's
    report, _ = run(
        csv_bytes([["UPN", "Reading"], [cast.cara.upn, "Y8 EXS"], [unknown, "Y8 EXS"]]), drop, cast.head
    )
    first, second = report.errors
    assert first.message == second.message


def test_a_former_upn_finds_the_pupil(cast, drop):
    FormerUpn.objects.create(pupil=cast.ava, upn="A801200120001")
    report, _ = run(csv_bytes([["UPN", "Reading"], ["a801200120001", "Y3 EXS"]]), drop, cast.head)
    assert report.errors == [] and report.created == 1
    assert Judgement.objects.get().pupil == cast.ava


def test_files_that_are_not_a_drop_spreadsheet(cast, drop):
    cases = [
        (b"", "no header row"),
        (csv_bytes([["Name", "Reading"], ["Ava", "Y3 EXS"]]), "no header row"),
        (
            csv_bytes([["UPN", "Reading", "Reading TA"], [cast.ava.upn, "Y3 EXS", "Y3 EXS"]]),
            "both give Reading",
        ),
        (b"<html><table><tr><td>UPN</td></tr></table></html>", "web page"),
        (b"PK\x03\x04broken zip", "could not be read"),
        (csv_bytes([["UPN", "Reading"]]), "no pupils' levels"),
    ]
    for data, message in cases:
        report, _ = run(data, drop, cast.head)
        assert len(report.errors) == 1, (data[:40], report.errors)
        assert not report.committed
        assert message in report.errors[0].message.lower() or message in report.errors[0].message
    assert not Judgement.objects.exists()


def test_a_subject_the_drop_does_not_collect_is_noted_not_read(cast, drop):
    report, _ = run(
        csv_bytes([["UPN", "Reading", "Science"], [cast.ava.upn, "Y3 EXS", "Y3 EXS"]]), drop, cast.head
    )
    assert report.errors == [] and report.created == 1
    assert any("Science" in note for note in report.notes)


def test_preview_then_commit_and_a_change_in_between_is_refused(cast, drop, subjects, level):
    data = csv_bytes(
        [["UPN", "Reading", "Maths"], [cast.ava.upn, "Y3 EXS", "Y3 EXS"], [cast.ben.upn, "Y3 WTS", ""]]
    )
    preview, versions = run(data, drop, cast.analyst, dry_run=True)
    assert (preview.created, preview.errors, preview.committed) == (3, [], False)
    assert not Judgement.objects.exists()
    assert [(r.row, r.upn, r.name, r.subject, r.outcome, r.after) for r in preview.rows][:1] == [
        (2, cast.ava.upn, "Ava Archer", "Reading", "created", "Y3 EXS")
    ]
    services.record_judgement(
        cast.teacher, cast.ava, subjects["maths"], drop, cast.north, level("Y3 GDS"), expected_version=0
    )
    report, _ = run(data, drop, cast.analyst, expected=versions)
    assert [(e.row, e.field) for e in report.errors] == [(2, "Maths")]
    assert "Tom Teacher changed Maths to Y3 GDS" in report.errors[0].message
    assert Judgement.objects.count() == 1

    # checked again, the change shows old -> new and the commit goes through
    preview, versions = run(data, drop, cast.analyst, dry_run=True)
    changed = [(r.subject, r.before, r.after) for r in preview.rows if r.outcome == "updated"]
    assert changed == [("Maths", "Y3 GDS", "Y3 EXS")]
    report, _ = run(data, drop, cast.analyst, expected=versions)
    assert report.errors == [] and (report.created, report.updated) == (2, 1)


def test_a_second_import_shows_unchanged_and_changed(cast, drop):
    run(csv_bytes([["UPN", "Reading"], [cast.ava.upn, "Y3 EXS"], [cast.ben.upn, "Y3 EXS"]]), drop, cast.head)
    report, _ = run(
        csv_bytes([["UPN", "Reading"], [cast.ava.upn, "Y3 EXS"], [cast.ben.upn, "Y3 GDS"]]),
        drop,
        cast.head,
        dry_run=True,
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)


def test_a_note_too_long_or_with_control_characters_is_refused(cast, drop):
    rows = [
        ["UPN", "Reading", "Reading notes"],
        [cast.ava.upn, "Y3 EXS", "x" * 1001],
        [cast.ben.upn, "Y3 EXS", "a\x01b"],
    ]
    report, _ = run(csv_bytes(rows), drop, cast.head)
    assert [(e.row, e.field) for e in report.errors] == [(2, "Reading notes"), (3, "Reading notes")]
    assert not Judgement.objects.exists()
