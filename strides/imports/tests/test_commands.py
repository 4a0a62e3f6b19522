"""``strides import-pupils`` end to end: exit codes, the JSON report, all or nothing, dry runs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strides.audit.models import AuditEntry
from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn, xlsx_bytes
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil


@pytest.fixture
def write(tmp_path):
    def make(rows, name="pupils.csv"):
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows))
        return str(path)

    return make


def run_json(capsys, *args):
    """Run import_pupils with --json; return (exit status, report)."""
    try:
        call_command("import_pupils", *args, "--json")
        status = 0
    except CommandError as refused:
        status = refused.returncode
    return status, json.loads(capsys.readouterr().out)


def test_a_clean_file_is_imported_with_exit_0_and_the_json_report(cast, write, capsys):
    path = write([HEADER, *pupil_rows(3)])
    status, report = run_json(capsys, path, "--school", cast.north.urn)
    assert status == 0
    assert report == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert list(report) == ["created", "updated", "unchanged", "errors"]
    created = Pupil.objects.filter(upn__in=[upn(1), upn(2), upn(3)])
    assert created.count() == 3
    assert Enrolment.objects.filter(pupil__in=created, school=cast.north, end_date__isnull=True).count() == 3
    entries = AuditEntry.objects.filter(object_type="pupils.Pupil", reason=f"import {path}")
    assert entries.count() == 3
    assert {(e.actor_id, e.actor_name, e.school_id) for e in entries} == {(None, "system", cast.north.pk)}


def test_one_refused_row_means_nothing_is_written_and_exit_1(cast, write, capsys):
    rows = [HEADER, *pupil_rows(3)]
    rows[2][3] = "31/02/2016"
    path = write(rows)
    pupils, periods, audit = (
        Pupil.objects.count(),
        CharacteristicsPeriod.objects.count(),
        AuditEntry.objects.count(),
    )
    status, report = run_json(capsys, path, "--school", cast.north.urn)
    assert status == 1
    assert report["errors"] == [
        {
            "row": 3,
            "field": "Date of Birth",
            "value": "31/02/2016",
            "message": "Date of Birth is not a real date (read as day/month/year).",
        }
    ]
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)  # what would happen
    assert (Pupil.objects.count(), CharacteristicsPeriod.objects.count(), AuditEntry.objects.count()) == (
        pupils,
        periods,
        audit,
    )


def test_a_dry_run_reports_and_writes_nothing(cast, write, capsys):
    path = write([HEADER, *pupil_rows(4)])
    before = (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count())
    status, report = run_json(capsys, path, "--school", cast.north.urn, "--dry-run")
    assert (status, report["created"]) == (0, 4)
    assert (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count()) == before


def test_known_pupils_are_updated_and_keep_what_the_file_leaves_out(cast, write, capsys):
    path = write(
        [
            ["UPN", "Year Group", "FSM", "Preferred Forename"],
            [cast.ava.upn, "4", "N", "Avie"],
            [cast.ben.upn, "3", "", ""],
        ]
    )
    status, report = run_json(capsys, path, "--school", cast.north.urn)
    assert (status, report["updated"], report["unchanged"]) == (0, 1, 1)
    ava = Pupil.objects.get(pk=cast.ava.pk)
    assert (ava.legal_forename, ava.preferred_forename, ava.date_of_birth) == (
        "Ava",
        "Avie",
        cast.ava.date_of_birth,
    )
    current = CharacteristicsPeriod.objects.get(pupil=ava, valid_to__isnull=True)
    assert (current.nc_year, current.fsm, current.ethnicity, current.first_language) == (
        4,
        False,
        "WBRI",
        "ENG",
    )
    assert current.valid_from == dt.date.today()
    assert CharacteristicsPeriod.objects.filter(pupil=ava, valid_to=dt.date.today(), nc_year=3).exists()


def test_the_same_file_twice_is_unchanged_the_second_time(cast, write, capsys):
    path = write([[*HEADER, "Preferred Forename"], *[[*r, r[2]] for r in pupil_rows(2)]])
    assert run_json(capsys, path, "--school", cast.north.urn)[1]["created"] == 2
    status, report = run_json(capsys, path, "--school", cast.north.urn)
    assert (status, report["unchanged"], report["updated"]) == (0, 2, 0)
    # a preferred name the same as the legal one is not kept as a separate name
    assert Pupil.objects.get(upn=upn(1)).preferred_forename == ""


def test_a_new_pupil_needs_names_date_of_birth_sex_and_year(cast, write, capsys):
    path = write([["UPN", "Surname", "Year"], [upn(9), "Newman", "2"], [cast.ava.upn, "Archer", "3"]])
    status, report = run_json(capsys, path, "--school", cast.north.urn)
    assert status == 1
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "Legal Forename"),
        (2, "Date of Birth"),
        (2, "Sex"),
    ]
    assert f"no pupil has UPN {upn(9)}" in report["errors"][0]["message"]
    assert report["unchanged"] == 1  # Ava is known: her row needs no more


def test_a_replaced_upn_and_two_rows_for_one_pupil_are_refused(cast, write, capsys):
    from strides.pupils.services import update_pupil_details

    old = cast.cara.upn
    update_pupil_details(None, cast.cara, upn=upn(50))
    path = write(
        [
            [*HEADER, "Former UPN"],
            [old, "Carter", "Cara", "01/03/2012", "F", "8", ""],
            [cast.ava.upn, "Archer", "Ava", "01/03/2016", "F", "3", ""],
            [upn(60), "Archer", "Ava", "01/03/2016", "F", "3", cast.ava.upn],
        ]
    )
    status, report = run_json(capsys, path, "--school", cast.river.urn)
    assert status == 1
    messages = {e["row"]: e["message"] for e in report["errors"]}
    assert f"former UPN of the pupil now known as {upn(50)}" in messages[2]
    assert "This row and row 3 are the same pupil" in messages[4]


def test_school_and_file_problems_exit_1_with_a_message(cast, write, capsys, tmp_path):
    path = write([HEADER, *pupil_rows(1)])
    for urn, message in (
        ("999999", "No school has the URN"),
        (cast.hillside.urn, "not a school of the trust"),
    ):
        status, report = run_json(capsys, path, "--school", urn)
        assert status == 1 and message in report["errors"][0]["message"]
    status, report = run_json(capsys, str(tmp_path / "missing.csv"), "--school", cast.north.urn)
    assert status == 1 and "Cannot read the file" in report["errors"][0]["message"]
    assert not Pupil.objects.filter(upn=upn(1)).exists()


def test_the_readable_report_lists_changes_and_refusals(cast, write, capsys):
    path = write([[*HEADER, "House"], [cast.ava.upn, "Archer", "Ava", "", "", "5", "Red"]])
    call_command("import_pupils", path, "--school", cast.north.urn, "--dry-run")
    out = capsys.readouterr().out
    assert "updated         1" in out
    assert "NC Year Actual Year 3 → Year 5" in out
    assert "Columns ignored: House" in out
    assert "Dry run: nothing was written." in out
    bad = write([HEADER, [upn(1), "A", "A", "01/03/2016", "Q", "3"]], name="bad.csv")
    with pytest.raises(CommandError, match="1 row refused; nothing was written"):
        call_command("import_pupils", bad, "--school", cast.north.urn)
    out = capsys.readouterr().out
    assert "Sex is not a sex Strides records" in out and "Nothing was written" in out


def test_an_xlsx_export_is_imported(cast, write, capsys):
    path = write(
        [
            ["Arbor export"],
            ["UPN", "Legal First Name", "Legal Last Name", "Date of Birth", "Gender", "Year"],
            [upn(1), "Ava", "Zed", dt.date(2016, 3, 1), "Female", "Year 3"],
        ],
        name="arbor.xlsx",
    )
    status, report = run_json(capsys, path, "--school", cast.north.urn)
    assert (status, report["created"]) == (0, 1)
    assert Pupil.objects.get(upn=upn(1)).legal_surname == "Zed"


def test_the_strides_console_script_exits_with_the_status(cast, write, capsys, monkeypatch):
    from django.core.management import base

    from strides.cli import main

    # a command run from the command line closes every connection at the end, the test's too
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    good = write([HEADER, *pupil_rows(1)])
    main(["strides", "import-pupils", good, "--school", cast.north.urn, "--json"])  # exit 0: returns
    assert json.loads(capsys.readouterr().out)["created"] == 1
    bad = write([HEADER, [upn(2), "A", "A", "nope", "F", "3"]], name="bad.csv")
    with pytest.raises(SystemExit) as exited:
        main(["strides", "import-pupils", bad, "--school", cast.north.urn, "--json"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["errors"][0]["row"] == 2
    assert "nothing was written" in captured.err


def test_the_number_of_queries_does_not_grow_with_the_rows(cast, write, capsys):
    def queries_for(count, start):
        path = write([HEADER, *pupil_rows(count, start=start)], name=f"p{count}.csv")
        with CaptureQueriesContext(connection) as queries:
            call_command("import_pupils", path, "--school", cast.north.urn, "--json")
        capsys.readouterr()
        return len(queries)

    small, large = queries_for(10, 1), queries_for(400, 100)
    # bulk statements only: SQLite takes about a hundred rows per INSERT (its 999-parameter
    # limit), so 390 more rows cost a few statements per table, never one per row
    assert large - small <= 390 // 20


def test_the_documented_template_matches_the_columns_strides_reads():
    from pathlib import Path

    from strides.imports.fields import TEMPLATE_HEADERS
    from strides.imports.spreadsheet import parse_spreadsheet

    template = Path(__file__).resolve().parents[3] / "docs" / "templates" / "pupil-import-template.csv"
    assert template.read_text().strip().split(",") == list(TEMPLATE_HEADERS)
    result = parse_spreadsheet(template.read_bytes() + b"\r\n")
    assert result.ignored_columns == []
    assert [e.message for e in result.errors] == ["There are no pupil rows under the header row."]
