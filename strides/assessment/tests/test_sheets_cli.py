"""``strides import-drop``, ``drop-template`` and ``export-drop``: exit codes, the JSON report, all
or nothing, dry runs, the template round trip and neutralised formulas in exports."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from strides.assessment import services
from strides.assessment.models import DropSchool, DropStatus, Judgement
from strides.audit.models import AuditEntry
from strides.imports.tests.helpers import csv_bytes, xlsx_bytes


def run_json(capsys, *args):
    """Run import_drop with --json; return (exit status, report)."""
    try:
        call_command("import_drop", *args, "--json")
        status = 0
    except CommandError as refused:
        status = refused.returncode
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def write(tmp_path):
    def make(rows, name="drop.csv"):
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows))
        return str(path)

    return make


def test_a_clean_file_imports_with_exit_0_and_the_json_report(cast, drop, write, capsys):
    path = write(
        [
            ["Title"],
            ["UPN", "Reading", "Maths"],
            [cast.ava.upn, "Y3 EXS", "y3 wts"],
            [cast.cara.upn, "Y8 GDS", ""],
        ],
        "d.xlsx",
    )
    status, report = run_json(capsys, path, "--drop", drop.slug)
    assert status == 0
    assert report == {"created": 3, "updated": 0, "unchanged": 0, "withdrawn": 0, "errors": []}
    assert list(report) == ["created", "updated", "unchanged", "withdrawn", "errors"]
    assert Judgement.objects.count() == 3
    summaries = AuditEntry.objects.filter(object_type="assessment.DropSchool", reason="import d.xlsx")
    assert {(e.actor_id, e.actor_name, e.school_id) for e in summaries} == {
        (None, "system", cast.north.pk),
        (None, "system", cast.river.pk),
    }
    status, report = run_json(capsys, path, "--drop", drop.slug)
    assert (status, report["unchanged"], report["created"]) == (0, 3, 0)


def test_a_refused_row_exits_1_and_writes_nothing(cast, drop, write, capsys):
    path = write([["UPN", "Reading"], [cast.ava.upn, "Y3 EXS"], [cast.ben.upn, "Y3 Exx"]])
    status, report = run_json(capsys, path, "--drop", drop.slug)
    assert status == 1
    assert report["created"] == 1 and report["errors"] == [
        {
            "row": 3,
            "field": "Reading",
            "value": "Y3 Exx",
            "message": report["errors"][0]["message"],
        }
    ]
    assert "not a level of National curriculum year-group bands" in report["errors"][0]["message"]
    assert not Judgement.objects.exists()


def test_dry_run_and_the_readable_report(cast, drop, write, capsys):
    path = write([["UPN", "Reading"], [cast.ava.upn, "Y3 EXS"]])
    call_command("import_drop", path, "--drop", drop.slug, "--dry-run", verbosity=2)
    out = capsys.readouterr().out
    assert "created          1" in out and "Dry run: nothing was written." in out
    assert cast.ava.upn in out and "Y3 EXS" in out
    assert not Judgement.objects.exists()


def test_unknown_drop_or_file(cast, drop, tmp_path, capsys):
    status, report = run_json(capsys, str(tmp_path / "missing.csv"), "--drop", drop.slug)
    assert status == 1 and "Cannot read the file" in report["errors"][0]["message"]
    status, report = run_json(capsys, str(tmp_path / "missing.csv"), "--drop", "no-such-drop")
    assert status == 1 and report["errors"][0]["field"] == "drop"


def test_the_template_round_trip(cast, drop, subjects, level, tmp_path, capsys):
    services.record_judgement(
        cast.head, cast.ava, subjects["maths"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    out = tmp_path / "north.xlsx"
    call_command("drop_template", "--drop", drop.slug, "--school", cast.north.urn, "--out", str(out))
    assert "2 pupils" in capsys.readouterr().out
    workbook = load_workbook(out)
    sheet = workbook["Judgements"]
    assert sheet["A1"].value.startswith("Autumn")
    header = [c.value for c in sheet[3]]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(4, sheet.max_row + 1)}
    assert sheet.cell(row=rows[cast.ava.upn], column=header.index("Maths") + 1).value == "Y3 WTS"
    assert sheet.cell(row=rows[cast.ava.upn], column=header.index("Class") + 1).value == "3T"
    assert sheet.cell(row=rows[cast.ava.upn], column=header.index("NC year") + 1).value == "Year 3"
    instructions = "\n".join(
        str(c.value) for row in workbook["Instructions"].iter_rows() for c in row if c.value
    )
    assert "drop-down" in instructions and "Y3 EXS" in instructions
    for upn in (cast.ava.upn, cast.ben.upn):
        sheet.cell(row=rows[upn], column=header.index("Reading") + 1, value="Y3 EXS")
    workbook.save(out)
    status, report = run_json(capsys, str(out), "--drop", drop.slug)
    assert (status, report["created"], report["unchanged"]) == (0, 2, 1)


def test_the_template_of_a_school_outside_the_drop(cast, drop, tmp_path):
    with pytest.raises(CommandError, match="not part of"):
        call_command(
            "drop_template", "--drop", drop.slug, "--school", cast.oak.urn, "--out", str(tmp_path / "x")
        )
    with pytest.raises(CommandError, match="No school"):
        call_command("drop_template", "--drop", drop.slug, "--school", "999999", "--out", str(tmp_path / "x"))


@pytest.mark.parametrize(
    "note", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_export_neutralises_formulas_in_csv_and_xlsx(cast, drop, subjects, level, tmp_path, capsys, note):
    services.record_judgement(
        cast.head,
        cast.ava,
        subjects["reading"],
        drop,
        cast.north,
        level("Y3 EXS"),
        expected_version=0,
        note=note,
    )
    csv_path, xlsx_path = tmp_path / "drop.csv", tmp_path / "drop.xlsx"
    call_command("export_drop", "--drop", drop.slug, "--out", str(csv_path))
    call_command("export_drop", "--drop", drop.slug, "--out", str(xlsx_path))
    assert "1 judgement of Autumn" in capsys.readouterr().out
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][rows[0].index("Note")] == "'" + note
    sheet = load_workbook(xlsx_path).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Note") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'")
    assert cell.value[1:] in (note, note.replace("\r", "\n")), "XML may read a carriage return as a new line"


def test_export_needs_a_known_format(cast, drop, tmp_path):
    with pytest.raises(CommandError, match=r"\.xlsx or \.csv"):
        call_command("export_drop", "--drop", drop.slug, "--out", str(tmp_path / "drop.txt"))


def test_the_template_shows_the_previous_drop_and_the_import_reads_past_it(
    cast, drop, subjects, level, tmp_path, capsys
):
    import datetime as dt

    from strides.assessment.services import create_drop

    year = cast.year
    summer = create_drop(
        cast.analyst, cast.trust, year, name="Baseline", term="autumn", slug="baseline",
        opens_on=year.starts_on, deadline=year.starts_on + dt.timedelta(days=20), schools=[cast.north],
    )  # fmt: skip
    services.record_judgement(
        cast.head, cast.ava, subjects["reading"], summer, cast.north, level("Y3 WTS"), expected_version=0
    )
    out = tmp_path / "north.xlsx"
    call_command("drop_template", "--drop", drop.slug, "--school", cast.north.urn, "--out", str(out))
    workbook = load_workbook(out)
    sheet = workbook["Judgements"]
    header = [c.value for c in sheet[3]]
    assert header[-3:] == [
        "Previous: Reading (Baseline)",
        "Previous: Writing (Baseline)",
        "Previous: Maths (Baseline)",
    ]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(4, sheet.max_row + 1)}
    assert (
        sheet.cell(row=rows[cast.ava.upn], column=header.index("Previous: Reading (Baseline)") + 1).value
        == "Y3 WTS"
    )
    assert sheet.cell(row=rows[cast.ava.upn], column=header.index("Reading") + 1).value is None
    sheet.cell(row=rows[cast.ava.upn], column=header.index("Reading") + 1, value="Y3 EXS")
    workbook.save(out)
    capsys.readouterr()
    status, report = run_json(capsys, str(out), "--drop", drop.slug)
    assert (status, report["created"]) == (0, 1)
    assert Judgement.objects.get(drop=drop).level.code == "Y3 EXS"
    assert Judgement.objects.get(drop=summer).level.code == "Y3 WTS", (
        "the previous drop is only for reference"
    )


# --- a school's part already submitted: refused once, saying who (issue 8) ---------------------


def submitted_north(cast, drop):
    services.transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)


def test_a_dry_run_refuses_a_submitted_school_once_and_the_whole_file(cast, drop, write, capsys):
    submitted_north(cast, drop)
    path = write(
        [
            ["UPN", "Reading", "Writing", "Maths"],
            [cast.ava.upn, "Y3 EXS", "Y3 WTS", "no such level"],
            [cast.ben.upn, "Y3 GDS", "Y3 EXS", "Y3 EXS"],
            [cast.cara.upn, "Y8 GDS", "", ""],  # river's part is open, but nothing is half-written
        ]
    )
    status, report = run_json(capsys, path, "--drop", drop.slug, "--dry-run")
    assert status == 1
    [error] = report["errors"]  # not one per cell (6), nor per row
    assert (error["row"], error["field"], error["value"]) == (2, "school", "Northfield Primary")
    assert error["message"].startswith(
        f"Northfield Primary's {drop.title} was submitted by the head (Hana Head) on "
    )
    assert "until the trust reopens it (Ada Admin or Ana Lyst can)" in error["message"]
    assert error["message"].endswith("The file has 2 rows for it.")
    # the readable report: one line for it, and exit 1
    with pytest.raises(CommandError) as refused:
        call_command("import_drop", path, "--drop", drop.slug, "--dry-run")
    assert refused.value.returncode == 1
    assert capsys.readouterr().out.count("Northfield Primary") == 1
    assert not Judgement.objects.exists()


def test_no_template_for_a_submitted_school(cast, drop, tmp_path):
    submitted_north(cast, drop)
    out = tmp_path / "north.xlsx"
    with pytest.raises(CommandError) as refused:
        call_command("drop_template", "--drop", drop.slug, "--school", cast.north.urn, "--out", str(out))
    assert refused.value.returncode == 1
    assert str(refused.value).startswith(f"Northfield Primary's {drop.title} was submitted by the head (Hana")
    assert not out.exists()
    call_command("drop_template", "--drop", drop.slug, "--school", cast.river.urn, "--out", str(out))
    assert out.exists(), "river's part is still open"
