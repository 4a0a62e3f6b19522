"""``strides prune-import-batches``: the files of uploads never imported are emptied after a number
of days, for pupil and drop imports alike; each change is audited; an expired upload cannot be
imported and its page says why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from strides.assessment.models import DropImportBatch, Judgement
from strides.assessment.sheets import batches as drop_batches
from strides.assessment.tests import conftest as assessment_fixtures
from strides.audit.models import AuditEntry
from strides.imports import batches
from strides.imports.housekeeping import prune_stale_files
from strides.imports.models import ImportBatch
from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn
from strides.pupils.models import Pupil

REASON = "file never imported, older than 30 days: removed"
drop = assessment_fixtures.drop  # the autumn drop of the assessment tests, as a fixture here


def age(batch, days: int) -> None:
    type(batch).objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def pupil_batch(cast, rows, *, days: int, name: str = "pupils.csv") -> ImportBatch:
    batch = batches.create_batch(cast.analyst, cast.north, name, csv_bytes(rows))
    batches.start_check(batch)
    age(batch, days)
    return batch


@pytest.fixture
def uploads(cast, drop):
    """An old upload of each kind waiting to be imported, an old refused one, an old imported one
    and a recent one waiting to be imported."""
    ready = pupil_batch(cast, [HEADER, *pupil_rows(2)], days=31)
    refused = pupil_batch(cast, [HEADER, [upn(9), "Carter", "Cara", "31/02/2016", "F", "3"]], days=45)
    imported = batches.create_batch(cast.analyst, cast.north, "done.csv", csv_bytes([HEADER, *pupil_rows(1)]))
    batches.start_check(imported)
    assert batches.start_import(imported)
    age(imported, 60)
    recent = pupil_batch(cast, [HEADER, *pupil_rows(3)], days=10)
    drop_ready = drop_batches.create_batch(
        cast.head, drop, "drop.csv", csv_bytes([["UPN", "Reading"], [cast.ava.upn, "Y3 EXS"]])
    )
    drop_batches.start_check(drop_ready)
    age(drop_ready, 31)
    found = {
        "ready": ready,
        "refused": refused,
        "imported": imported,
        "recent": recent,
        "drop_ready": drop_ready,
    }
    for batch in found.values():
        batch.refresh_from_db()
    assert [b.status for b in found.values()] == ["ready", "refused", "imported", "ready", "ready"]
    assert drop_ready.versions, "the check kept the versions the import will expect"
    return found


def test_files_of_old_uploads_never_imported_are_emptied_and_audited(cast, uploads, capsys):
    before = {name: bytes(b.content) for name, b in uploads.items()}
    call_command("prune_import_batches")
    assert capsys.readouterr().out.strip() == (
        "Removed the files of uploads never imported and older than 30 days: 1 drop import, 2 pupil imports."
    )
    for batch in uploads.values():
        batch.refresh_from_db()
    ready, refused, imported, recent, drop_ready = uploads.values()
    assert (bytes(ready.content), ready.status) == (b"", "expired")
    assert (bytes(refused.content), refused.status) == (b"", "refused")  # its report says why
    assert (bytes(drop_ready.content), drop_ready.status, drop_ready.versions) == (b"", "expired", {})
    assert bytes(recent.content) == before["recent"] != b"" and recent.status == "ready"
    assert imported.status == "imported" and imported.imported_at is not None
    assert ready.report["created"] == 2, "the report of the check stays"
    assert refused.report["errors"][0]["value"] == "31/02/2016"

    entries = AuditEntry.objects.filter(reason=REASON).order_by("id")
    assert [(e.object_type, e.object_id, e.school_id) for e in entries] == [
        ("assessment.DropImportBatch", str(drop_ready.pk), None),
        ("imports.ImportBatch", str(ready.pk), cast.north.pk),
        ("imports.ImportBatch", str(refused.pk), cast.north.pk),
    ]
    first = entries[1]
    assert (first.actor_id, first.actor_name, first.action) == (None, "system", "update")
    assert first.before == {"status": "ready", "filename": "pupils.csv", "size": len(before["ready"])}
    assert first.after == {"status": "expired", "file": "removed"}

    # a second run finds nothing left to remove and audits nothing
    call_command("prune_import_batches")
    assert capsys.readouterr().out.strip().endswith(": 0 drop imports, 0 pupil imports.")
    assert AuditEntry.objects.filter(reason=REASON).count() == 3


def test_older_than_sets_the_age(cast, uploads, capsys):
    call_command("prune_import_batches", "--older-than", "5")
    assert "older than 5 days: 1 drop import, 3 pupil imports." in capsys.readouterr().out
    uploads["recent"].refresh_from_db()
    assert (bytes(uploads["recent"].content), uploads["recent"].status) == (b"", "expired")
    call_command("prune_import_batches", "--older-than", "1")
    assert "older than 1 day: 0 drop imports, 0 pupil imports." in capsys.readouterr().out


@pytest.mark.parametrize("days", ["0", "-3"])
def test_an_age_below_one_day_is_refused(cast, uploads, days):
    with pytest.raises(CommandError, match=f"at least 1, not {days}"):
        call_command("prune_import_batches", "--older-than", days)
    with pytest.raises(ValueError, match="at least 1 day"):
        prune_stale_files(older_than_days=int(days))
    assert ImportBatch.objects.filter(status="expired").count() == 0


def test_an_upload_claimed_for_its_import_keeps_its_file(cast, uploads, monkeypatch):
    """The status is checked again when the file is emptied: an import that starts between the
    read and the write wins."""
    ready = uploads["ready"]
    real_filter = ImportBatch.objects.filter

    def claim_first(*args, **kwargs):
        if kwargs.get("status") == "ready" and kwargs.get("pk") == ready.pk:
            real_filter(pk=ready.pk).update(status="importing")
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(ImportBatch.objects, "filter", claim_first)
    pruned = prune_stale_files(older_than_days=30)
    assert pruned[ImportBatch] == 1  # only the refused one
    ready.refresh_from_db()
    assert ready.status == "importing" and bytes(ready.content) != b""


def test_an_expired_upload_says_why_and_cannot_be_imported(cast, uploads, client_for):
    call_command("prune_import_batches")
    client = client_for(cast.analyst)
    url = reverse("imports:batch", kwargs={"batch_id": uploads["ready"].pk})
    page = client.get(url).content.decode()
    assert "Strides no longer keeps it. Upload it again to import it." in page
    assert "Import 2 pupils" not in page and 'class="tag tag--bad">Expired<' in page
    response = client.post(reverse("imports:commit", kwargs={"batch_id": uploads["ready"].pk}), follow=True)
    assert "This file cannot be imported: its status is &#x27;expired&#x27;." in response.content.decode()
    assert not Pupil.objects.filter(upn=upn(2)).exists()  # (upn(1) came in with the imported upload)

    drop_client = client_for(cast.head)
    drop_batch = uploads["drop_ready"]
    kwargs = {"drop_slug": drop_batch.drop.slug, "drop_batch_id": drop_batch.pk}
    page = drop_client.get(reverse("assessment:sheet_preview", kwargs=kwargs)).content.decode()
    assert "Strides no longer keeps it" in page and "Import 1 judgement" not in page
    drop_client.post(reverse("assessment:sheet_commit", kwargs=kwargs))
    assert not Judgement.objects.exists()
    assert DropImportBatch.objects.get(pk=drop_batch.pk).status == "expired"
