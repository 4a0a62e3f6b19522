"""SEN columns from an importer who may not change SEN records (a trust analyst, a senior leader,
or the commands with --stage-sen) are staged for the school's SENCO or head, never dropped: the
check says so row by row, the import keeps them as pending changes, and the SEN record itself is
unchanged until someone with EDIT_SEN confirms (strides/pupils/tests/test_sen_changes.py)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from strides.audit.models import AuditEntry
from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn
from strides.imports.tests.test_ctf import ctf, pupil
from strides.imports.tests.test_privacy import commit, page, upload
from strides.pupils.models import Pupil, StagedSenChange
from strides.pupils.queries import current_characteristics

pytestmark = pytest.mark.django_db

NO_SEN = {"sen_provision": "N", "primary_need": "", "secondary_need": ""}
EHCP_ASD = {"sen_provision": "E", "primary_need": "ASD", "secondary_need": ""}


def test_an_analysts_sen_columns_are_staged_for_the_senco_not_dropped(cast, client_for):
    client = client_for(cast.analyst)  # imports and edits pupils trust-wide, not SEN
    rows = [["UPN", "FSM", "SEN Provision", "SEN Need 1"], [cast.ava.upn, "N", "E", "ASD"]]
    batch = upload(client, cast.north, csv_bytes(rows))
    assert batch.status == "ready"
    report = batch.import_report()
    assert report.sen_staged == [
        {
            "row": 2,
            "upn": cast.ava.upn,
            "name": "Ava Archer",
            "before": NO_SEN,
            "proposed": EHCP_ASD,
            "replaces": False,
        }
    ]
    assert "1 SEN change will be staged for the SENCO or head of Northfield Primary" in " ".join(report.notes)
    html = page(client, batch)
    assert "SEN changes to be staged for the SENCO" in html
    assert "Education, health and care plan: Autistic spectrum disorder" in html
    assert "Import 1 pupil into Northfield Primary and stage 1 SEN change" in html
    assert not StagedSenChange.objects.exists()  # a check writes nothing

    commit(client, batch)
    assert batch.status == "imported"
    period = current_characteristics(cast.ava)
    assert (period.fsm, period.sen_provision, period.primary_need) == (False, "N", "")  # SEN as it was
    change = StagedSenChange.objects.get()
    assert (change.pupil, change.school, change.batch, change.staged_by) == (
        cast.ava,
        cast.north,
        batch,
        cast.analyst,
    )
    assert (change.before, change.proposed, change.status, change.row) == (NO_SEN, EHCP_ASD, "pending", 2)
    assert change.source == "pupils.csv"
    entry = AuditEntry.objects.get(object_type="pupils.StagedSenChange", action="create")
    assert (entry.actor, entry.school_id, entry.after["proposed"]) == (cast.analyst, cast.north.pk, EHCP_ASD)
    assert "SEN changes staged for the SENCO" in page(client, batch)


def test_a_bad_sen_value_is_refused_for_everyone_now_it_is_read(cast, client_for):
    batch = upload(client_for(cast.senior), cast.north, csv_bytes([["UPN", "SEN"], [cast.ben.upn, "Z"]]))
    assert batch.status == "refused"
    [error] = batch.import_report().errors
    assert (error.row, error.field, error.value) == (2, "SEN", "Z")


def test_a_file_that_only_changes_sen_can_still_be_imported(cast, client_for):
    client = client_for(cast.senior)
    batch = upload(client, cast.north, csv_bytes([["UPN", "SEN Provision"], [cast.ben.upn, "E"]]))
    report = batch.import_report()
    assert (report.updated, report.unchanged, len(report.sen_staged)) == (0, 1, 1)
    html = page(client, batch)
    assert (
        "Nothing to import" not in html and "Import 0 pupils into Northfield Primary and stage 1 SEN" in html
    )
    commit(client, batch)
    assert StagedSenChange.objects.get().proposed == {**EHCP_ASD, "primary_need": "SPLD"}  # Ben's need kept


def test_a_new_pupils_sen_is_staged_against_no_sen(cast, client_for):
    rows = [[*HEADER, "SEN Provision", "Primary Need"], [*pupil_rows(1)[0], "K", "MLD"]]
    client = client_for(cast.analyst)
    batch = upload(client, cast.north, csv_bytes(rows))
    commit(client, batch)
    pupil_ = Pupil.objects.get(upn=upn(1))
    assert current_characteristics(pupil_).sen_provision == "N"
    change = StagedSenChange.objects.get(pupil=pupil_)
    assert (change.before, change.proposed["sen_provision"]) == (NO_SEN, "K")


def test_a_ctfs_sen_history_is_staged_without_edit_sen(cast, client_for):
    sen = (
        "<SENhistory><SEN><StartDate>2023-01-01</StartDate><SENprovision>E</SENprovision></SEN>"
        "<SENneeds><SENneed><NeedStartDate>2023-01-01</NeedStartDate><SENtypeRank>1</SENtypeRank>"
        "<SENtype>ASD</SENtype></SENneed></SENneeds></SENhistory>"
    )
    client = client_for(cast.senior)
    batch = upload(client, cast.north, ctf(pupil(upn(70), extra=sen)), name="in.xml")
    assert [c["proposed"] for c in batch.import_report().sen_staged] == [EHCP_ASD]
    commit(client, batch)
    change = StagedSenChange.objects.get()
    assert (change.pupil.upn, change.proposed, change.source) == (upn(70), EHCP_ASD, "in.xml")
    assert current_characteristics(change.pupil).sen_provision == "N"


def test_a_file_agreeing_with_the_record_stages_nothing(cast, client_for):
    batch = upload(client_for(cast.analyst), cast.north, csv_bytes([["UPN", "SEN"], [cast.ben.upn, "K"]]))
    assert batch.import_report().sen_staged == []


# --- the same pupil staged twice: the newest supersedes -------------------------------------------


def test_a_newer_import_supersedes_the_pending_change_and_the_same_file_does_not_repeat_it(cast, client_for):
    client = client_for(cast.analyst)
    first = upload(client, cast.north, csv_bytes([["UPN", "SEN"], [cast.ava.upn, "K"]]), name="monday.csv")
    commit(client, first)
    again = upload(client, cast.north, csv_bytes([["UPN", "SEN"], [cast.ava.upn, "K"]]), name="tuesday.csv")
    report = again.import_report()
    assert report.sen_staged == [] and report.sen_waiting == 1
    assert "already waiting for the SENCO or head of Northfield Primary" in page(client, again)
    commit(client, again)
    assert StagedSenChange.objects.count() == 1

    newer = upload(client, cast.north, csv_bytes([["UPN", "SEN"], [cast.ava.upn, "E"]]), name="weds.csv")
    assert [c["replaces"] for c in newer.import_report().sen_staged] == [True]
    commit(client, newer)
    old, new = StagedSenChange.objects.order_by("pk")
    assert (old.status, old.superseded_by, new.status) == ("superseded", new, "pending")
    assert new.proposed["sen_provision"] == "E" and new.source == "weds.csv"
    assert AuditEntry.objects.filter(
        object_type="pupils.StagedSenChange", object_id=str(old.pk), action="update"
    ).exists()

    # the MIS now says what Strides holds: the waiting change is out of date
    agrees = upload(client, cast.north, csv_bytes([["UPN", "SEN"], [cast.ava.upn, "N"]]), name="thu.csv")
    commit(client, agrees)
    new.refresh_from_db()
    assert (new.status, new.superseded_by) == ("superseded", None)
    assert not StagedSenChange.objects.filter(status="pending").exists()


# --- the commands -----------------------------------------------------------------------------------


def test_the_command_applies_sen_unless_asked_to_stage_it(cast, tmp_path, capsys):
    path = tmp_path / "mis.csv"
    path.write_bytes(csv_bytes([["UPN", "SEN Provision", "SEN Need 1"], [cast.ava.upn, "K", "MLD"]]))
    call_command("import_pupils", str(path), "--school", cast.north.urn, "--stage-sen", "--dry-run")
    out = capsys.readouterr().out
    assert "1 SEN change will be staged for the SENCO or head of Northfield Primary" in out
    assert "SEN changes for the SENCO or head to confirm" in out
    assert f"{cast.ava.upn}  Ava Archer: No special educational need → SEN support: Moderate" in out
    assert "Dry run: nothing was written." in out
    assert not StagedSenChange.objects.exists()

    call_command("import_pupils", str(path), "--school", cast.north.urn, "--stage-sen", "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["sen_staged"], report["errors"]) == (1, [])
    change = StagedSenChange.objects.get()
    assert (change.staged_by, change.batch, change.source) == (None, None, "mis.csv")
    assert current_characteristics(cast.ava).sen_provision == "N"

    call_command("import_pupils", str(path), "--school", cast.north.urn, "--json")
    assert "sen_staged" not in json.loads(capsys.readouterr().out)  # applied: nothing staged
    assert current_characteristics(cast.ava).sen_provision == "K"


def test_a_refused_file_stages_nothing(cast, tmp_path, capsys):
    path = tmp_path / "mis.csv"
    path.write_bytes(
        csv_bytes([["UPN", "SEN", "DOB"], [cast.ava.upn, "K", ""], [cast.ben.upn, "E", "31/02/2016"]])
    )
    with pytest.raises(CommandError):
        call_command("import_pupils", str(path), "--school", cast.north.urn, "--stage-sen")
    assert "will be staged" in capsys.readouterr().out
    assert not StagedSenChange.objects.exists()
