"""A background check or import runs later than its upload, as nobody in particular: it re-enters
the scope of the person who uploaded the file, read afresh, and re-checks their rights before it
reads or writes anything. Account switched off, role taken away, school out of their reach: the
batch is refused with a message that says why, nothing is written, and the refusal is audited.
Pupil imports (strides.imports.tasks) and data-drop imports (strides.assessment.sheets.tasks)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from strides.accounts import services as accounts
from strides.accounts.models import Membership
from strides.assessment.models import DropImportBatch, Judgement
from strides.assessment.services import create_drop
from strides.assessment.sheets import batches as drop_batches
from strides.assessment.sheets.importer import DropImportReport
from strides.audit.models import AuditEntry
from strides.frameworks.services import ensure_common_scale
from strides.imports import batches
from strides.imports.models import ImportBatch
from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn
from strides.pupils.models import Pupil

pytestmark = pytest.mark.django_db


def refusal_entry(batch) -> AuditEntry:
    return AuditEntry.objects.get(
        object_type=batch._meta.label, object_id=str(batch.pk), reason="background work refused"
    )


def first_error(batch) -> str:
    report = (
        batch.import_report() if isinstance(batch, ImportBatch) else DropImportReport.from_json(batch.report)
    )
    return report.errors[0].message


# --- pupil imports ------------------------------------------------------------------------------


def checked_in_background(cast, client_for, monkeypatch, capture, user) -> ImportBatch:
    monkeypatch.setattr(batches, "BACKGROUND_ROWS", 1)
    with capture(execute=True):
        client_for(user).post(
            reverse("imports:upload"),
            {
                "school": cast.north.pk,
                "file": SimpleUploadedFile("pupils.csv", csv_bytes([HEADER, *pupil_rows(3)])),
            },
        )
    batch = ImportBatch.objects.select_related("school", "uploaded_by").latest("pk")
    assert batch.status == "ready"
    return batch


def test_a_pupil_import_waiting_while_the_account_is_switched_off_is_refused_and_audited(
    cast, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    batch = checked_in_background(
        cast, client_for, monkeypatch, django_capture_on_commit_callbacks, cast.head
    )
    accounts.set_active(None, cast.head, False)
    with django_capture_on_commit_callbacks(execute=True):
        assert batches.start_import(batch)
    batch.refresh_from_db()
    assert batch.status == "refused"
    message = first_error(batch)
    assert "account of the person who uploaded this file is switched off" in message
    assert "nothing was written" in message
    assert not Pupil.objects.filter(upn=upn(1)).exists()
    entry = refusal_entry(batch)
    assert entry.school_id == cast.north.pk and entry.after == {"status": "refused", "why": message}


def test_a_background_check_for_an_uploader_whose_role_went_is_refused_and_audited(
    cast, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(batches, "BACKGROUND_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(cast.senior).post(
            reverse("imports:upload"),
            {
                "school": cast.north.pk,
                "file": SimpleUploadedFile("pupils.csv", csv_bytes([HEADER, *pupil_rows(3)])),
            },
        )
    accounts.revoke_role(None, Membership.objects.get(user=cast.senior, school=cast.north))
    callbacks[0]()  # the worker picks the check up
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == "refused"
    assert "may no longer import pupils at Northfield Primary" in first_error(batch)
    assert refusal_entry(batch).actor == cast.senior


# --- data-drop imports --------------------------------------------------------------------------


@pytest.fixture
def drop(cast):
    ensure_common_scale(cast.trust)
    year = cast.year
    return create_drop(
        cast.analyst, cast.trust, year, name="Autumn", term="autumn",
        opens_on=year.starts_on, deadline=year.starts_on + dt.timedelta(days=300),
        schools=[cast.north, cast.river],
    )  # fmt: skip


def drop_checked_in_background(cast, drop, client_for, monkeypatch, capture) -> DropImportBatch:
    monkeypatch.setattr(drop_batches, "BACKGROUND_ROWS", 1)
    data = csv_bytes(
        [["UPN", "Reading", "Maths"], [cast.ava.upn, "Y3 EXS", "Y3 WTS"], [cast.ben.upn, "y3 gds", ""]]
    )
    url = reverse("assessment:sheet_upload", kwargs={"drop_slug": drop.slug})
    with capture(execute=True):
        client_for(cast.head).post(url, {"file": SimpleUploadedFile("drop.csv", data)})
    batch = DropImportBatch.objects.select_related("drop", "uploaded_by").get()
    assert batch.status == "ready", batch.report
    return batch


def test_a_drop_import_waiting_while_the_role_goes_is_refused_nothing_written_and_audited(
    cast, drop, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    batch = drop_checked_in_background(
        cast, drop, client_for, monkeypatch, django_capture_on_commit_callbacks
    )
    accounts.revoke_role(None, Membership.objects.get(user=cast.head, school=cast.north))
    with django_capture_on_commit_callbacks(execute=True):
        assert drop_batches.start_import(batch)
    batch.refresh_from_db()
    assert batch.status == "refused"
    message = first_error(batch)
    assert (
        message
        == "The person who uploaded this file may no longer import levels into Autumn; nothing was written."
    )
    assert not Judgement.objects.exists()
    assert refusal_entry(batch).actor == cast.head


def test_a_drop_import_waiting_while_the_account_is_switched_off_is_refused(
    cast, drop, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    batch = drop_checked_in_background(
        cast, drop, client_for, monkeypatch, django_capture_on_commit_callbacks
    )
    accounts.set_active(None, cast.head, False)
    with django_capture_on_commit_callbacks(execute=True):
        assert drop_batches.start_import(batch)
    batch.refresh_from_db()
    assert batch.status == "refused"
    assert "switched off" in first_error(batch)
    assert not Judgement.objects.exists()
    assert refusal_entry(batch).after["status"] == "refused"
