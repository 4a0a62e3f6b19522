"""Making a bespoke framework in the product: typed into the form, or from a spreadsheet with a
preview. Refusals name the row, field and value, and nothing is half-made."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from strides.audit.models import AuditEntry
from strides.frameworks.models import CrosswalkEntry, Framework, Level
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale

pytestmark = pytest.mark.django_db


def framework_data(**overrides):
    data = {
        "name": "Small steps",
        "code": "small-steps",
        "owner": "trust",
        "subjects": [],
        "description": "Finer steps for pupils with SEND",
        "levels-TOTAL_FORMS": "3",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "300",
    }
    data.update(overrides)
    return data


def level_rows(*rows):
    data = {"levels-TOTAL_FORMS": str(max(len(rows), 3))}
    for i, (code, label, point) in enumerate(rows):
        data.update({f"levels-{i}-code": code, f"levels-{i}-label": label, f"levels-{i}-point": point})
    return data


def bespoke_count():
    return Framework.objects.exclude(trust=None).count()


# --- the form ----------------------------------------------------------------------------------


def test_a_trust_analyst_makes_a_trust_framework_mapped_into_the_crosswalk(cast, client_for):
    from strides.frameworks.models import Subject

    reading = Subject.objects.get(code="reading")
    data = framework_data(subjects=[reading.pk])
    data.update(level_rows(("SS1", "Small step 1", "NS1"), ("SS2", "Small step 2", "NS2")))
    response = client_for(cast.analyst).post(reverse("frameworks:create"), data)
    framework = Framework.objects.get(code="small-steps")
    assert response.status_code == 302
    assert response["Location"] == reverse("frameworks:detail", kwargs={"framework_id": framework.pk})
    assert framework.trust == cast.trust and framework.school is None
    assert list(framework.subjects.all()) == [reading]
    assert [(lv.code, lv.order) for lv in framework.levels.order_by("order")] == [("SS1", 1), ("SS2", 2)]
    crosswalk = crosswalk_in_force(ensure_common_scale(cast.trust), __import__("datetime").date.today())
    assert dict(
        CrosswalkEntry.objects.filter(crosswalk=crosswalk, level__framework=framework).values_list(
            "level__code", "point__code"
        )
    ) == {"SS1": "NS1", "SS2": "NS2"}
    assert AuditEntry.objects.filter(object_type__contains="framework", action="create").exists()


def test_a_head_makes_a_framework_for_their_own_school_only(cast, client_for):
    client = client_for(cast.head)
    page = client.get(reverse("frameworks:create")).content.decode()
    assert "Northfield Primary only" in page and "Every school in" not in page
    assert "Riverside Secondary" not in page
    data = framework_data(owner=str(cast.north.pk))
    data.update(level_rows(("A", "Step A", "NS3")))
    assert client.post(reverse("frameworks:create"), data).status_code == 302
    assert Framework.objects.get(code="small-steps").school == cast.north
    for owner in ("trust", str(cast.river.pk)):
        data = framework_data(owner=owner, code=f"other-{owner}")
        data.update(level_rows(("A", "Step A", "NS3")))
        response = client.post(reverse("frameworks:create"), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert bespoke_count() == 1


@pytest.mark.parametrize("username", ["teacher", "senior", "senco", "eap", "governor", "parent"])
def test_those_who_do_not_manage_frameworks_are_refused(cast, client_for, username):
    client = client_for(cast.users[username])
    for name in ("frameworks:create", "frameworks:import", "frameworks:import_template"):
        assert client.get(reverse(name)).status_code == 403
    data = framework_data()
    data.update(level_rows(("A", "Step A", "NS3")))
    assert client.post(reverse("frameworks:create"), data).status_code == 403
    assert bespoke_count() == 0


def test_bad_levels_are_named_by_row_and_nothing_is_written(cast, client_for):
    data = framework_data(**{"levels-TOTAL_FORMS": "5"})
    data.update(
        level_rows(
            ("SS1", "Small step 1", "NS1"),
            ("ss 1", "Again", "NS2"),  # the same code, case and spacing forgiven
            ("SS3", "", "NS3"),  # no label
            ("SS4", "Small step 4", ""),  # no point
            ("SS5", "Small step 5", "NS99"),  # not a point
        )
    )
    data["levels-TOTAL_FORMS"] = "5"
    response = client_for(cast.analyst).post(reverse("frameworks:create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Level 2: “ss 1” is also the code of level 1." in html
    assert "Level 3 (SS3) needs a label." in html
    assert "Level 4 (SS4) needs a common point." in html
    assert "Level 5: “NS99” is not a point of the common scale." in html
    assert 'href="#level-2"' in html  # the summary links to the row
    assert bespoke_count() == 0 and not Level.objects.filter(code="SS1").exists()


def test_no_levels_at_all_is_refused(cast, client_for):
    response = client_for(cast.analyst).post(reverse("frameworks:create"), framework_data())
    assert "Enter at least one level" in response.content.decode()
    assert bespoke_count() == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("nc-bands", "“nc-bands” is the code of a framework Strides ships"),
        ("Not a slug!", "Enter a valid “slug”"),
    ],
)
def test_a_taken_or_bad_framework_code_is_shown_beside_the_code(cast, client_for, code, message):
    data = framework_data(code=code)
    data.update(level_rows(("A", "Step A", "NS3")))
    html = client_for(cast.analyst).post(reverse("frameworks:create"), data).content.decode()
    assert message in html
    assert bespoke_count() == 0


def test_a_code_the_trust_already_uses_is_refused(cast, client_for):
    data = framework_data()
    data.update(level_rows(("A", "Step A", "NS3")))
    client = client_for(cast.analyst)
    assert client.post(reverse("frameworks:create"), data).status_code == 302
    html = client.post(reverse("frameworks:create"), data).content.decode()
    assert "The trust already has a framework with the code “small-steps”." in html
    assert bespoke_count() == 1


def test_a_service_refusal_is_shown_not_a_500(cast, client_for, monkeypatch):
    from strides.frameworks import bespoke_views as views
    from strides.frameworks.services import FrameworkError

    def refuse(*args, **kwargs):
        raise FrameworkError("A framework with the code 'small-steps' already exists.")

    monkeypatch.setattr(views, "create_framework", refuse)
    data = framework_data()
    data.update(level_rows(("A", "Step A", "NS3")))
    response = client_for(cast.analyst).post(reverse("frameworks:create"), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_more_rows_keeps_what_was_typed_and_adds_blank_rows(cast, client_for):
    data = framework_data(name="Half typed")
    data.update(level_rows(("A", "Step A", "NS3")))
    data["more_rows"] = "1"
    response = client_for(cast.analyst).post(reverse("frameworks:create"), data)
    html = response.content.decode()
    assert 'value="Half typed"' in html and 'value="Step A"' in html
    assert len(re.findall(r'name="levels-\d+-code"', html)) == 1 + 5
    assert "There is a problem" not in html  # not checked yet
    assert bespoke_count() == 0


# --- from a spreadsheet ----------------------------------------------------------------------


def sheet(text: str, name: str = "levels.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, text, **overrides):
    data = {"name": "Small steps", "code": "small-steps", "owner": "trust", "description": "", **overrides}
    return client.post(reverse("frameworks:import"), {**data, "file": sheet(text)})


GOOD_SHEET = "\n".join(
    [
        "Small steps",
        "",
        "Code,Label,Descriptor,Common point",
        "SS1,Small step 1,Responds,NS1",
        "SS2,Small step 2,,ns 2",
    ]
)


def test_a_spreadsheet_is_previewed_then_made(cast, client_for):
    client = client_for(cast.analyst)
    response = upload(client, GOOD_SHEET)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing is made yet" in html and "SS1" in html and "NS2" in html and "header in row 3" in html
    assert bespoke_count() == 0
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    response = client.post(reverse("frameworks:import"), {"payload": payload})
    framework = Framework.objects.get(code="small-steps")
    assert response["Location"] == reverse("frameworks:detail", kwargs={"framework_id": framework.pk})
    assert [(lv.code, lv.label, lv.descriptor) for lv in framework.levels.order_by("order")] == [
        ("SS1", "Small step 1", "Responds"),
        ("SS2", "Small step 2", ""),
    ]


def test_bad_rows_are_listed_with_row_column_and_value_and_nothing_is_written(cast, client_for):
    text = (
        "Code,Label,Descriptor,Common point\n"
        "SS1,Small step 1,,NS1\n"
        "SS1,Duplicate,,NS2\n"
        "SS3,,,NS3\n"
        "SS4,Small step 4,,NS77\n"
    )
    html = upload(client_for(cast.analyst), text).content.decode()
    assert "3 problems in the rows listed below. Nothing was created" in html
    rows = re.findall(r'<th scope="row" class="num">(\d+)</th><td>([^<]+)</td><td>(.*?)</td>', html)
    assert [(r, c) for r, c, _ in rows] == [("3", "Code"), ("4", "Label"), ("5", "Common point")]
    assert "“SS1”" in rows[0][2] and "“NS77”" in rows[2][2]
    assert "Row 2 has the same code" in html
    assert bespoke_count() == 0 and not Level.objects.filter(code="SS1").exists()


def test_an_unusable_file_is_explained_beside_the_file_field(cast, client_for):
    client = client_for(cast.analyst)
    html = upload(client, "Name,Date of birth\nAva,2019-01-01\n").content.decode()
    assert "No header row was found" in html
    response = client.post(
        reverse("frameworks:import"),
        {"name": "X", "code": "x", "owner": "trust", "file": SimpleUploadedFile("levels.pdf", b"%PDF-1.4")},
    )
    assert "Choose a .csv, .xlsx, .xls or .ods spreadsheet." in response.content.decode()
    assert bespoke_count() == 0


def test_a_tampered_or_someone_elses_preview_is_refused(cast, client_for):
    html = upload(client_for(cast.analyst), GOOD_SHEET).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    response = client_for(cast.admin).post(reverse("frameworks:import"), {"payload": payload}, follow=True)
    assert "expired or was not yours" in response.content.decode()
    response = client_for(cast.analyst).post(reverse("frameworks:import"), {"payload": payload[:-3] + "xyz"})
    assert response.status_code == 302
    assert bespoke_count() == 0


def test_a_code_taken_between_preview_and_confirm_is_refused_on_the_form(cast, client_for):
    client = client_for(cast.analyst)
    html = upload(client, GOOD_SHEET).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    data = framework_data()
    data.update(level_rows(("A", "Step A", "NS3")))
    client_for(cast.admin).post(reverse("frameworks:create"), data)  # takes "small-steps" first
    client = client_for(cast.analyst)
    response = client.post(reverse("frameworks:import"), {"payload": payload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The trust already has a framework with the code “small-steps”." in html
    assert "Nothing was created from levels.csv" in html
    assert bespoke_count() == 1


def test_a_head_imports_for_their_school_and_the_template_downloads(cast, client_for):
    client = client_for(cast.head)
    template = client.get(reverse("frameworks:import_template"))
    assert template.content.decode().startswith("Code,Label,Descriptor,Common point")
    html = upload(client, GOOD_SHEET, owner=str(cast.north.pk)).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    client.post(reverse("frameworks:import"), {"payload": payload})
    assert Framework.objects.get(code="small-steps").school == cast.north
