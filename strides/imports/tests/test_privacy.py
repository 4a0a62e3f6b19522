"""What an import may touch. From the upload pages (an acting user), a UPN that names a pupil the
user may not see is refused with one neutral message, and SEN columns apply only with EDIT_SEN.
The commands (no acting user, an administrator on the server) reach the whole trust."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from strides.accounts import services as accounts
from strides.accounts.models import Membership
from strides.audit.models import AuditEntry
from strides.imports import batches
from strides.imports.models import ImportBatch
from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn
from strides.pupils.models import Enrolment, FormerUpn
from strides.pupils.queries import UPN_NOT_HERE, current_characteristics
from strides.pupils.services import update_pupil_details
from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db

UPLOAD = reverse("imports:upload")


def upload(client, school, data, name="pupils.csv") -> ImportBatch:
    client.post(UPLOAD, {"school": school.pk, "file": SimpleUploadedFile(name, data)})
    return ImportBatch.objects.latest("pk")


def page(client, batch, show="") -> str:
    url = reverse("imports:batch", kwargs={"batch_id": batch.pk}) + (f"?show={show}" if show else "")
    return client.get(url).content.decode()


def commit(client, batch) -> None:
    client.post(reverse("imports:commit", kwargs={"batch_id": batch.pk}))
    batch.refresh_from_db()


def assert_says_nothing_of_cara(text: str, cara) -> None:
    for secret in ("Cara", "Carter", "Riverside", "Polish", "POL", "Year 8"):
        assert secret not in text, secret


# --- a UPN out of scope ---------------------------------------------------------------------------


def test_a_senior_leader_cannot_pull_in_a_pupil_of_another_school(cast, client_for):
    client = client_for(cast.senior)
    batch = upload(client, cast.north, csv_bytes([["UPN", "SEN Provision"], [cast.cara.upn, "K"]]))
    assert batch.status == "refused"
    report = batch.import_report()
    assert [e.as_dict() for e in report.errors] == [
        {"row": 2, "field": "UPN", "value": cast.cara.upn, "message": UPN_NOT_HERE}
    ]
    assert report.rows == []  # not even a planned row with her name and values
    assert_says_nothing_of_cara(json.dumps(batch.report), cast.cara)
    assert_says_nothing_of_cara(page(client, batch) + page(client, batch, "refused"), cast.cara)
    assert UPN_NOT_HERE in page(client, batch, "refused")
    commit(client, batch)
    assert batch.status == "refused"
    assert not Enrolment.objects.filter(pupil=cast.cara, school=cast.north).exists()
    assert current_characteristics(cast.cara).sen_provision == "N"


def test_a_former_upn_column_naming_another_schools_pupil_is_refused(cast, client_for):
    client = client_for(cast.head)
    rows = [[*HEADER, "Former UPN"], [*pupil_rows(1)[0], cast.cara.upn]]
    batch = upload(client, cast.north, csv_bytes(rows))
    assert [(e.row, e.field, e.value, e.message) for e in batch.import_report().errors] == [
        (2, "Former UPN", cast.cara.upn, UPN_NOT_HERE)
    ]


def test_a_replaced_upn_out_of_scope_does_not_tell_the_current_one(cast, client_for):
    old = cast.cara.upn
    update_pupil_details(None, cast.cara, upn=upn(50))
    cast.cara.refresh_from_db()
    client = client_for(cast.head)
    batch = upload(client, cast.north, csv_bytes([HEADER, [old, "Carter", "Cara", "01/03/2012", "F", "8"]]))
    [error] = batch.import_report().errors
    assert (error.field, error.value, error.message) == ("UPN", old, UPN_NOT_HERE)
    assert upn(50) not in json.dumps(batch.report) and upn(50) not in page(client, batch, "refused")


def test_a_replaced_upn_in_scope_still_names_the_current_one(cast, client_for):
    old = cast.ava.upn
    update_pupil_details(None, cast.ava, upn=upn(51))
    batch = upload(client_for(cast.head), cast.north, csv_bytes([["UPN", "FSM"], [old, "Y"]]))
    [error] = batch.import_report().errors
    assert f"former UPN of the pupil now known as {upn(51)}" in error.message


def test_a_pupil_who_left_the_school_is_not_pulled_back_by_an_import(cast, client_for):
    add_mover(cast)
    client = client_for(cast.head)
    batch = upload(client, cast.north, csv_bytes([["UPN", "FSM"], [cast.mia.upn, "N"]]))
    [error] = batch.import_report().errors
    assert (error.field, error.message) == ("UPN", UPN_NOT_HERE)
    assert "EHC" not in page(client, batch) and "ASD" not in json.dumps(batch.report)


def test_pupils_in_scope_and_new_pupils_import_as_before(cast, client_for):
    client = client_for(cast.head)
    batch = upload(client, cast.north, csv_bytes([["UPN", "FSM"], [cast.ben.upn, "Y"]]))
    assert batch.status == "ready"
    batch = upload(client, cast.north, csv_bytes([HEADER, *pupil_rows(2)]))
    commit(client, batch)
    assert batch.status == "imported"


def test_the_command_stays_trust_wide(cast, tmp_path, capsys):
    path = tmp_path / "cara.csv"
    path.write_bytes(csv_bytes([["UPN", "SEN Provision", "SEN Need 1"], [cast.cara.upn, "K", "MLD"]]))
    call_command("import_pupils", str(path), "--school", cast.north.urn, "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["updated"], report["errors"]) == (1, [])
    assert Enrolment.objects.filter(pupil=cast.cara, school=cast.north).exists()
    assert current_characteristics(cast.cara).sen_provision == "K"  # SEN too: no acting user


def test_a_trust_admin_reaches_every_trust_pupil_from_the_pages(cast, client_for):
    batch = upload(client_for(cast.admin), cast.north, csv_bytes([["UPN", "FSM"], [cast.cara.upn, "Y"]]))
    assert batch.status == "ready"
    assert batch.import_report().errors == []


# --- SEN columns: staged for the SENCO without EDIT_SEN (strides/imports/tests/test_sen_staging.py) ---


def test_sen_columns_apply_for_the_head_and_trust_admin(cast, client_for):
    for user, provision in ((cast.head, "E"), (cast.admin, "K")):
        client = client_for(user)
        batch = upload(client, cast.north, csv_bytes([["UPN", "SEN Provision"], [cast.ava.upn, provision]]))
        assert batch.import_report().sen_staged == []
        commit(client, batch)
        assert batch.status == "imported", user
        assert current_characteristics(cast.ava).sen_provision == provision


# --- audit and a role taken away ------------------------------------------------------------------


def test_the_upload_and_the_commit_are_audited(cast, client_for):
    client = client_for(cast.head)
    batch = upload(client, cast.north, csv_bytes([HEADER, *pupil_rows(2)]))
    uploaded = AuditEntry.objects.get(
        object_type="imports.ImportBatch", object_id=str(batch.pk), action="create"
    )
    assert (uploaded.actor, uploaded.school_id) == (cast.head, cast.north.pk)
    assert uploaded.after == {
        "filename": "pupils.csv",
        "kind": "spreadsheet",
        "size": batch.size,
        "school": "100001",
    }
    commit(client, batch)
    done = AuditEntry.objects.get(object_type="imports.ImportBatch", object_id=str(batch.pk), action="update")
    assert (done.actor, done.school_id) == (cast.head, cast.north.pk)
    assert done.before == {"status": "importing"}
    assert done.after["status"] == "imported" and done.after["created"] == 2


def test_a_background_import_checks_the_uploaders_role_again(
    cast, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(batches, "BACKGROUND_ROWS", 1)
    client = client_for(cast.senior)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(client, cast.north, csv_bytes([HEADER, *pupil_rows(3)]))
    batch.refresh_from_db()
    assert batch.status == "ready"
    # the role goes while the import waits in the queue
    accounts.revoke_role(None, Membership.objects.get(user=cast.senior, school=cast.north))
    batch = ImportBatch.objects.select_related("school", "uploaded_by").get(pk=batch.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert batches.start_import(batch)
    batch.refresh_from_db()
    assert batch.status == "refused"
    assert "may no longer import pupils at Northfield Primary" in batch.import_report().errors[0].message
    assert not FormerUpn.objects.exists()
    from strides.pupils.models import Pupil

    assert not Pupil.objects.filter(upn=upn(1)).exists()
    outcome = AuditEntry.objects.get(
        object_type="imports.ImportBatch", object_id=str(batch.pk), reason="pupil import refused"
    )
    assert outcome.after["status"] == "refused"
