"""The spreadsheet pages: a drop's page, template download, upload, preview, import, exports;
another school's user gets 404 everywhere; large files go to the background with a progress bar."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from strides.assessment import services
from strides.assessment.models import DropImportBatch, DropSchool, DropStatus, Judgement
from strides.assessment.services import create_drop
from strides.assessment.sheets import batches
from strides.imports.tests.helpers import csv_bytes


@pytest.fixture
def north_drop(cast):
    """A drop for north only: river's people have nothing to do with it."""
    year = cast.year
    return create_drop(
        cast.analyst, cast.trust, year, name="Spring", term="spring", slug="north-spring",
        opens_on=year.starts_on, deadline=year.starts_on + dt.timedelta(days=150), schools=[cast.north],
    )  # fmt: skip


def url(name, drop, **kwargs):
    return reverse(f"assessment:{name}", kwargs={"drop_slug": drop.slug, **kwargs})


def upload(client, drop, data, name="drop.csv"):
    return client.post(url("sheet_upload", drop), {"file": SimpleUploadedFile(name, data)})


def good_file(cast):
    return csv_bytes(
        [["UPN", "Reading", "Maths"], [cast.ava.upn, "Y3 EXS", "Y3 WTS"], [cast.ben.upn, "y3 gds", ""]]
    )


def test_upload_check_and_import(cast, drop, client_for):
    client = client_for(cast.head)
    response = upload(client, drop, good_file(cast))
    batch = DropImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == url("sheet_preview", drop, drop_batch_id=batch.pk)
    assert batch.status == "ready" and batch.uploaded_by == cast.head
    assert not Judgement.objects.exists(), "the check writes nothing"

    page = client.get(response.url).content.decode()
    assert "What the import would do" in page
    assert "Import 3 judgements into Autumn" in page
    assert cast.ava.upn in page and "Ava Archer" in page

    response = client.post(url("sheet_commit", drop, drop_batch_id=batch.pk), follow=True)
    assert "Imported into Autumn: 3 new, 0 changed, 0 unchanged." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "imported" and bytes(batch.content) == b""
    assert Judgement.objects.count() == 3
    # a second click imports nothing twice
    response = client.post(url("sheet_commit", drop, drop_batch_id=batch.pk), follow=True)
    assert "cannot be imported" in response.content.decode()


def test_refused_rows_are_listed_and_nothing_can_be_imported(cast, drop, client_for):
    client = client_for(cast.head)
    data = csv_bytes(
        [["Drop levels"], ["UPN", "Reading"], [cast.ava.upn, "Y3 EXS"], [cast.cara.upn, "Y8 EXS"]]
    )
    response = upload(client, drop, data)
    batch = DropImportBatch.objects.get()
    assert batch.status == "refused"
    page = client.get(response.url).content.decode()
    assert "1 row refused" in page
    assert f'<th scope="row">4</th><td>UPN</td><td>{cast.cara.upn}</td>' in page
    assert "Cara" not in page
    assert "Import 1 judgement" not in page
    client.post(url("sheet_commit", drop, drop_batch_id=batch.pk))
    assert not Judgement.objects.exists()


def test_a_change_between_check_and_import_is_refused(cast, drop, subjects, level, client_for):
    client = client_for(cast.head)
    upload(client, drop, good_file(cast))
    batch = DropImportBatch.objects.get()
    services.record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 GDS"), expected_version=0
    )
    response = client.post(url("sheet_commit", drop, drop_batch_id=batch.pk), follow=True)
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Tom Teacher changed Reading to Y3 GDS" in page
    assert Judgement.objects.count() == 1


def test_the_template_download(cast, drop, client_for):
    response = client_for(cast.teacher).get(url("sheet_template", drop, urn=cast.north.urn))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{drop.slug}-{cast.north.urn}.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Judgements", "Instructions", "Lists"]
    sheet = workbook["Judgements"]
    upns = [sheet.cell(row=r, column=1).value for r in range(4, sheet.max_row + 1)]
    assert upns == [cast.ava.upn], "a teacher's template lists their own class"
    assert workbook["Lists"].sheet_state == "hidden"
    validation = sheet.data_validations.dataValidation[0]
    assert validation.type == "list" and validation.formula1 == "'Lists'!$A$2:$A$34"  # nc-bands, 33 levels
    assert str(validation.sqref) == "F4"
    assert {str(v.sqref) for v in sheet.data_validations.dataValidation} == {"F4", "G4", "H4"}


def test_pages_and_downloads_pin_their_queries(cast, drop, client_for, django_assert_max_num_queries):
    client = client_for(cast.head)
    upload(client, drop, good_file(cast))
    batch = DropImportBatch.objects.get()
    with django_assert_max_num_queries(16):
        assert client.get(url("sheet_upload", drop)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("sheet_preview", drop, drop_batch_id=batch.pk)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assessment:sheet_index")).status_code == 200


def test_a_large_file_is_checked_and_imported_in_the_background(
    cast, drop, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(batches, "BACKGROUND_ROWS", 1)
    client = client_for(cast.head)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(client, drop, good_file(cast))
    batch = DropImportBatch.objects.get()
    assert batch.status == "checking" and len(callbacks) == 1
    page = client.get(response.url).content.decode()
    assert "being checked in the background" in page and "<progress" in page
    progress = url("sheet_progress", drop, drop_batch_id=batch.pk)
    assert "<progress" in client.get(progress, HTTP_HX_REQUEST="true").content.decode()
    callbacks[0]()  # the worker picks the task up (immediate backend in tests)
    batch.refresh_from_db()
    assert batch.status == "ready"
    assert client.get(progress, HTTP_HX_REQUEST="true")["HX-Redirect"] == response.url
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("sheet_commit", drop, drop_batch_id=batch.pk))
    batch.refresh_from_db()
    assert batch.status == "imported" and Judgement.objects.count() == 3


def test_a_user_who_records_but_cannot_import_gets_templates_only(cast, drop, client_for):
    client = client_for(cast.teacher)
    page = client.get(url("sheet_upload", drop)).content.decode()
    assert "Download" in page and "Check the file" not in page
    response = upload(client, drop, good_file(cast))
    assert response.status_code == 302 and not DropImportBatch.objects.exists()


def test_upload_form_errors(cast, drop, client_for):
    client = client_for(cast.head)
    page = upload(client, drop, b"", name="empty.csv").content.decode()
    assert "file is empty" in page
    page = upload(client, drop, b"UPN,Reading\n", name="levels.pdf").content.decode()
    assert "Choose an .xlsx" in page
    assert not DropImportBatch.objects.exists()


def test_exports_are_scoped_and_neutralise_formulas(cast, drop, subjects, level, client_for):
    services.record_judgement(
        cast.head, cast.ava, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=0,
        note='=HYPERLINK("http://evil.example","Click")',
    )  # fmt: skip
    services.record_judgement(
        cast.river_head, cast.cara, subjects["reading"], drop, cast.river, level("Y8 WTS"),
        expected_version=0, note="+44 20 7946 0000",
    )  # fmt: skip
    head = client_for(cast.head)
    text = b"".join(head.get(url("sheet_export_csv", drop)).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["UPN", "Surname", "Forename"]
    assert [r[0] for r in rows[1:]] == [cast.ava.upn], "north's head sees north's pupils only"
    note = rows[1][rows[0].index("Note")]
    assert note == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[1][rows[0].index("Common point")] == "NS12"
    assert rows[1][rows[0].index("Expected point")] == "NS12"  # Year 3 expected, at every term
    assert rows[1][rows[0].index("At or above expected")] == "Y"

    analyst = client_for(cast.analyst)
    response = analyst.get(url("sheet_export_xlsx", drop))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    notes = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=header.index("Note") + 1) for r in (2, 3)
    }
    assert notes[cast.ava.upn].value.startswith("'=HYPERLINK") and notes[cast.ava.upn].data_type == "s"
    assert notes[cast.cara.upn].value == "'+44 20 7946 0000"


def test_another_schools_user_gets_404_on_every_page(cast, north_drop, client_for):
    head = client_for(cast.head)
    upload(head, north_drop, good_file(cast))
    batch = DropImportBatch.objects.get()
    river = client_for(cast.river_head)
    urls = [
        url("sheet_template", north_drop, urn=cast.north.urn),
        url("sheet_preview", north_drop, drop_batch_id=batch.pk),
        url("sheet_progress", north_drop, drop_batch_id=batch.pk),
    ]
    for address in urls:
        assert river.get(address).status_code == 404, address
    assert river.post(url("sheet_commit", north_drop, drop_batch_id=batch.pk)).status_code == 404
    # none of the drop's schools is river's: its spreadsheet page is not there for river
    assert river.get(url("sheet_upload", north_drop)).status_code == 404
    assert upload(river, north_drop, good_file(cast)).status_code == 404
    assert DropImportBatch.objects.count() == 1
    assert "Spring" not in river.get(reverse("assessment:sheet_index")).content.decode()
    # an export of it holds nothing of north's
    text = b"".join(river.get(url("sheet_export_csv", north_drop)).streaming_content).decode("utf-8-sig")
    assert cast.ava.upn not in text
    # another trust's user sees no such drop at all
    other = _other_trust_head(cast)
    assert client_for(other).get(url("sheet_upload", north_drop)).status_code == 404
    assert client_for(other).get(url("sheet_export_csv", north_drop)).status_code == 404
    # and the batch is the uploader's own: the analyst may import anywhere, yet it is not theirs
    assert (
        client_for(cast.analyst).get(url("sheet_preview", north_drop, drop_batch_id=batch.pk)).status_code
        == 404
    )


def _other_trust_head(cast):
    from strides.accounts import services as accounts
    from strides.accounts.roles import Role
    from strides.organisations import services as organisations

    trust = organisations.create_trust(None, "Other Trust", "other-trust")
    school = organisations.create_school(
        None, trust, name="Elsewhere Primary", urn="100077", la_code="801", establishment_number="2077",
        school_type="primary", phase="primary",
    )  # fmt: skip
    user = accounts.create_user(None, "elsewhere_head", password=cast.password, validate=False)
    accounts.grant_role(None, user, Role.HEADTEACHER, trust, school)
    return user


# --- a school's part already submitted: no template, no upload, who and how to reopen (issue 8) -----


def test_a_submitted_school_is_offered_no_template_and_no_upload(cast, north_drop, client_for):
    part = DropSchool.objects.get(drop=north_drop, school=cast.north)
    services.transition(cast.head, part, DropStatus.SUBMITTED)
    client = client_for(cast.head)
    page = unescape(client.get(url("sheet_upload", north_drop)).content.decode())
    template = url("sheet_template", north_drop, urn=cast.north.urn)
    assert template not in page and "Check the file" not in page
    notice = f"Northfield Primary's {north_drop.title} was submitted by the head (Hana Head) on "
    assert notice in page
    assert "until the trust reopens it (Ada Admin or Ana Lyst can)" in page
    # the template's address and an upload are refused the same way, once
    response = client.get(template, follow=True)
    assert response.redirect_chain == [(url("sheet_upload", north_drop), 302)]
    assert unescape(response.content.decode()).count(notice) == 2  # the message, and the school's row
    response = upload(client, north_drop, good_file(cast))
    assert response.status_code == 302 and not DropImportBatch.objects.exists()


def test_an_open_school_keeps_its_template_beside_a_locked_one(cast, drop, client_for):
    part = DropSchool.objects.get(drop=drop, school=cast.north)
    services.transition(cast.head, part, DropStatus.SUBMITTED)
    services.transition(cast.analyst, part, DropStatus.LOCKED)
    page = unescape(client_for(cast.analyst).get(url("sheet_upload", drop)).content.decode())
    assert url("sheet_template", drop, urn=cast.river.urn) in page
    assert url("sheet_template", drop, urn=cast.north.urn) not in page
    assert f"Northfield Primary's {drop.title} was locked by the trust (Ana Lyst) on " in page
    assert "Check the file" in page, "river's levels can still be imported"


# --- the subjects the page asks for: those the user's schools owe (issue 8) ----------------------


@pytest.fixture
def mixed_drop(cast):
    """north (primary), river (secondary), oak (special): maths, history (secondary) and north's
    own forest school."""
    from strides.frameworks.models import Subject
    from strides.frameworks.services import add_subject, ensure_common_scale

    ensure_common_scale(cast.trust)
    forest = add_subject(cast.head, cast.trust, "forest-school", "Forest school", school=cast.north)
    year = cast.year
    return create_drop(
        cast.analyst, cast.trust, year, name="Mixed", term="autumn", slug="mixed",
        opens_on=year.starts_on, deadline=year.starts_on + dt.timedelta(days=110),
        schools=[cast.north, cast.river, cast.oak],
        subjects=[Subject.objects.get(code=c, trust=None) for c in ("maths", "history")] + [forest],
    )  # fmt: skip


def import_text(page: str) -> str:
    start = page.index('id="import-title"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize(
    ("who", "owed", "not_owed"),
    [
        ("head", "Maths, Forest school", "History"),  # a primary head: no secondary subject
        ("river_head", "Maths, History", "Forest school"),  # a secondary head: not north's own
    ],
)
def test_a_schools_importer_is_asked_for_the_subjects_it_owes(
    cast, mixed_drop, client_for, who, owed, not_owed
):
    page = unescape(client_for(getattr(cast, who)).get(url("sheet_upload", mixed_drop)).content.decode())
    asked = import_text(page)
    assert f"a column per subject ({owed})" in asked
    assert not_owed not in asked and not_owed not in page
    assert f"<dt>Subjects</dt><dd>{owed}</dd>" in page


def test_an_importer_for_several_schools_is_told_the_columns_depend_on_the_school(
    cast, mixed_drop, client_for
):
    page = unescape(client_for(cast.analyst).get(url("sheet_upload", mixed_drop)).content.decode())
    asked = import_text(page)
    assert "the columns depend on the school" in asked
    assert "Maths, History, Forest school" in asked
    # each school's own subjects beside its template
    for school, subjects in ((cast.north, "Maths, Forest school"), (cast.river, "Maths, History")):
        row = page[page.index(f'<th scope="row">{school.name}</th>') :][:300]
        assert f"<td>{subjects}</td>" in row


def test_a_teacher_who_only_records_sees_their_schools_subjects(cast, mixed_drop, client_for):
    page = unescape(client_for(cast.teacher).get(url("sheet_upload", mixed_drop)).content.decode())
    assert "<dt>Subjects</dt><dd>Maths, Forest school</dd>" in page and "History" not in page
    assert 'id="import-title"' not in page
