"""The import pages: upload, preview, import; scoping (404 for anyone else's batch); large files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.imports import batches
from strides.imports.models import ImportBatch
from strides.imports.tests.helpers import HEADER, csv_bytes, pupil_rows, upn
from strides.pupils.models import Pupil

UPLOAD = reverse("imports:upload")


def post_file(client, school, data, name="pupils.csv"):
    return client.post(UPLOAD, {"school": school.pk, "file": SimpleUploadedFile(name, data)})


def batch_url(batch, name="batch"):
    return reverse(f"imports:{name}", kwargs={"batch_id": batch.pk})


@pytest.fixture
def river_head(cast):
    """A headteacher of another school of the trust: may edit pupils, but not north's."""
    return cast.river_head


def test_upload_check_and_import(cast, client_for):
    client = client_for(cast.analyst)
    response = post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(3)]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch_url(batch)
    assert (batch.status, batch.uploaded_by, batch.school) == ("ready", cast.analyst, cast.north)
    assert not Pupil.objects.filter(upn=upn(1)).exists()  # the check writes nothing

    page = client.get(batch_url(batch)).content.decode()
    assert "What the import would do" in page
    assert "Import 3 pupils into Northfield Primary" in page
    assert upn(1) in page and "Forename1 Surname1" in page

    response = client.post(batch_url(batch, "commit"), follow=True)
    assert "Imported into Northfield Primary: 3 new, 0 changed, 0 unchanged." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.imported_at is not None
    assert bytes(batch.content) == b""  # no second copy of the file once imported
    assert Pupil.objects.filter(upn__in=[upn(1), upn(2), upn(3)]).count() == 3
    entry = AuditEntry.objects.filter(object_type="pupils.Pupil", reason="import pupils.csv").first()
    assert entry.actor == cast.analyst


def test_a_bad_row_is_shown_with_its_error_and_cannot_be_imported(cast, client_for):
    client = client_for(cast.analyst)
    rows = [["Pupil list"], HEADER, *pupil_rows(2), [upn(3), "Carter", "Cara", "31/02/2016", "F", "3"]]
    post_file(client, cast.north, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    assert batch.status == "refused"
    page = client.get(batch_url(batch)).content.decode()
    assert "1 row refused" in page
    assert '<th scope="row">5</th><td>Date of Birth</td><td>31/02/2016</td>' in page
    assert "not a real date" in page
    assert "Import 2 pupils" not in page
    response = client.post(batch_url(batch, "commit"), follow=True)
    assert "cannot be imported" in response.content.decode()
    assert not Pupil.objects.filter(upn__in=[upn(1), upn(2), upn(3)]).exists()


def test_changes_are_shown_old_to_new(cast, client_for):
    client = client_for(cast.head)
    post_file(
        client,
        cast.north,
        csv_bytes([["UPN", "Year", "FSM"], [cast.ava.upn, "4", "N"], [cast.ben.upn, "3", ""]]),
    )
    batch = ImportBatch.objects.get()
    page = client.get(batch_url(batch)).content.decode()
    assert "NC Year Actual: Year 3 → Year 4" in page
    assert "FSM: Yes → No" in page
    unchanged = client.get(batch_url(batch) + "?show=unchanged").content.decode()
    assert "Ben Baker" in unchanged


def test_a_ctf_is_imported_into_the_chosen_school(cast, client_for):
    from strides.imports.tests.test_ctf import ctf, pupil

    client = client_for(cast.analyst)
    post_file(client, cast.north, ctf(pupil()), name="transfer.XML")
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status) == ("ctf", "ready")
    page = client.get(batch_url(batch)).content.decode()
    assert "it is imported into Northfield Primary as chosen" in page


def test_the_school_list_holds_only_schools_where_the_user_imports(cast, client_for):
    client = client_for(cast.head)
    page = client.get(UPLOAD).content.decode()
    assert "Northfield Primary" in page and "Riverside Secondary" not in page
    response = post_file(client, cast.river, csv_bytes([HEADER, *pupil_rows(1)]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_head_of_north_cannot_see_or_import_a_batch_from_river(cast, client_for, river_head):
    post_file(client_for(river_head), cast.river, csv_bytes([HEADER, *pupil_rows(2)]))
    batch = ImportBatch.objects.get()
    assert batch.status == "ready"
    client = client_for(cast.head)
    assert client.get(batch_url(batch)).status_code == 404
    assert client.get(batch_url(batch, "progress"), HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(batch_url(batch, "commit")).status_code == 404
    assert client.get(reverse("imports:batch", kwargs={"batch_id": 999999})).status_code == 404
    batch.refresh_from_db()
    assert batch.status == "ready"
    assert not Pupil.objects.filter(upn=upn(1)).exists()
    assert batch.filename not in client.get(UPLOAD).content.decode()


def test_even_a_trust_admin_sees_only_their_own_uploads(cast, client_for):
    post_file(client_for(cast.analyst), cast.north, csv_bytes([HEADER, *pupil_rows(1)]))
    batch = ImportBatch.objects.get()
    assert client_for(cast.admin).get(batch_url(batch)).status_code == 404


@pytest.mark.parametrize("username", ["teacher", "senco", "governor", "director", "eap", "parent"])
def test_roles_without_the_import_capability_are_forbidden(cast, client_for, username):
    assert client_for(cast.users[username]).get(UPLOAD).status_code == 403


def test_signing_in_is_required(cast, client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_oversized_or_unsupported_file_is_refused_with_a_message(cast, client_for, settings):
    client = client_for(cast.analyst)
    settings.STRIDES_MAX_IMPORT_BYTES = 100
    response = post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(10)]))
    assert "the largest file Strides imports is 100" in response.content.decode()
    settings.STRIDES_MAX_IMPORT_BYTES = 10_000
    response = post_file(client, cast.north, b"%PDF-1.4", name="pupils.pdf")
    assert "Choose a .csv, .xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_large_file_is_checked_and_imported_in_the_background(
    cast, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(batches, "BACKGROUND_ROWS", 5)
    client = client_for(cast.analyst)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(12)]))
    assert len(callbacks) == 1  # the check was queued, not run in the request
    batch = ImportBatch.objects.get()
    assert batch.status == "ready"
    assert (batch.progress_stage, batch.progress_done, batch.progress_total) == ("writing", 12, 12)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(batch_url(batch, "commit"))
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == "imported"
    assert Pupil.objects.filter(upn__in=[upn(n) for n in range(1, 13)]).count() == 12


def test_progress_is_polled_and_sends_the_page_on_when_done(cast, client_for):
    client = client_for(cast.analyst)
    post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(1)]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="checking", progress_stage="reading", progress_done=500, progress_total=2000
    )
    page = client.get(batch_url(batch)).content.decode()
    assert '<progress id="batch-progress-bar" class="progress" max="2000" value="500">' in page
    assert f'hx-get="{batch_url(batch, "progress")}"' in page
    fragment = client.get(batch_url(batch, "progress"), HTTP_HX_REQUEST="true")
    assert "Reading the file" in fragment.content.decode() and "25%" in fragment.content.decode()
    assert client.get(batch_url(batch, "progress")).status_code == 302  # without htmx: the page
    ImportBatch.objects.filter(pk=batch.pk).update(status="ready")
    done = client.get(batch_url(batch, "progress"), HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == batch_url(batch)


def test_a_double_click_imports_once(cast, client_for):
    client = client_for(cast.analyst)
    post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(2)]))
    batch = ImportBatch.objects.get()
    client.post(batch_url(batch, "commit"))
    response = client.post(batch_url(batch, "commit"), follow=True)
    assert "its status is &#x27;imported&#x27;" in response.content.decode()
    assert AuditEntry.objects.filter(reason="import pupils.csv", object_type="pupils.Pupil").count() == 2


def test_commit_only_by_post(cast, client_for):
    client = client_for(cast.analyst)
    post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(1)]))
    assert client.get(batch_url(ImportBatch.objects.get(), "commit")).status_code == 405


def test_the_template_download_has_the_canonical_header(cast, client_for):
    response = client_for(cast.head).get(reverse("imports:template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("UPN,Former UPN,Legal Surname,Legal Forename")


def test_query_counts_are_pinned(cast, client_for, django_assert_max_num_queries):
    client = client_for(cast.analyst)
    for number in range(5):
        post_file(client, cast.north, csv_bytes([HEADER, *pupil_rows(3, start=number * 10 + 1)]))
    batch = ImportBatch.objects.first()
    with django_assert_max_num_queries(10):
        assert client.get(UPLOAD).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(batch_url(batch)).status_code == 200


def test_long_lists_are_paged(cast, client_for):
    client = client_for(cast.analyst)
    rows = [HEADER, *[[upn(n), "A", "A", "nope", "F", "3"] for n in range(1, 151)]]
    post_file(client, cast.north, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    first = client.get(batch_url(batch)).content.decode()
    assert "150 rows refused" in first and "Page 1 of 2" in first
    assert '<th scope="row">101</th>' in first and '<th scope="row">102</th>' not in first
    second = client.get(batch_url(batch) + "?show=refused&page=2").content.decode()
    assert '<th scope="row">102</th>' in second and "Page 2 of 2" in second


def test_a_file_that_changes_nothing_offers_no_import(cast, client_for):
    client = client_for(cast.head)
    post_file(client, cast.north, csv_bytes([["UPN", "Year"], [cast.ava.upn, "3"]]))
    page = client.get(batch_url(ImportBatch.objects.get())).content.decode()
    assert "Nothing to import: every pupil in the file is already up to date." in page
    assert "<button" not in page.split("<main")[1]
