"""The small-steps pages: the class grid and its saves, record for a group, the pupil's page,
conversations and group analysis, for the roles that use them."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from strides.steps.models import AchievementRecord, Conversation
from strides.steps.services.recording import (
    RecordInput,
    delegate_area,
    record_achievements,
    share_progress_page,
)

pytestmark = pytest.mark.django_db


def grid_url(steps, **query):
    url = reverse("steps:grid", kwargs={"group_id": steps.cast.class_3t.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_teacher_sees_the_grid_of_the_current_step(steps, client_for):
    c = steps.cast
    page = client_for(c.teacher).get(grid_url(steps))
    assert page.status_code == 200
    text = page.content.decode()
    assert "C1.1" in text and "Ava Archer" in text and "Ben Baker" not in text  # Ben is in 3B


def test_a_grid_save_records_and_a_stale_one_is_refused(steps, client_for):
    c = steps.cast
    client = client_for(c.teacher)
    url = reverse("steps:grid_save", kwargs={"group_id": c.class_3t.pk})
    cell = {"pupil": c.ava.pk, "statement": steps.statements["C1.1"].pk, "code": "s", "version": 0}
    answer = client.post(url, json.dumps({"cells": [cell]}), content_type="application/json").json()
    assert answer["answers"][0] == {
        "pupil": c.ava.pk,
        "statement": steps.statements["C1.1"].pk,
        "ok": True,
        "version": 1,
        "code": "S",
        "label": "Secured",
    }
    stale = client.post(url, json.dumps({"cells": [cell]}), content_type="application/json").json()[
        "answers"
    ][0]
    assert stale["ok"] is False and stale["stale"] is True and stale["version"] == 1
    bad = client.post(
        url, json.dumps({"cells": [{**cell, "code": "Q", "version": 1}]}), content_type="application/json"
    )
    assert "'Q' is not a level" in bad.json()["answers"][0]["error"]
    assert client.post(url, "not json", content_type="application/json").status_code == 400


def test_a_teaching_assistant_sees_only_delegated_areas(steps, client_for):
    c = steps.cast
    client = client_for(c.ta)
    assert "has been delegated to you" in client.get(grid_url(steps)).content.decode()
    delegate_area(c.teacher, c.class_3t, c.ta, steps.communication)
    page = client.get(grid_url(steps)).content.decode()
    assert "C1.1" in page and ">Number<" not in page


def test_another_schools_teacher_gets_404(steps, client_for):
    assert client_for(steps.cast.other_teacher).get(grid_url(steps)).status_code == 404


def test_record_for_a_group(steps, client_for):
    c = steps.cast
    url = reverse("steps:group", kwargs={"group_id": c.class_3t.pk})
    client = client_for(c.teacher)
    assert client.get(url).status_code == 200
    data = {
        "framework": steps.framework.pk,
        "area": steps.communication.pk,
        "statement": steps.statements["C1.2"].pk,
        "level": "D",
        "pupils": [c.ava.pk],
        "assessed_on": dt.date.today().isoformat(),
        "independence": "3",
    }
    assert client.post(url, data).status_code == 302
    made = AchievementRecord.objects.get(pupil=c.ava, statement=steps.statements["C1.2"])
    assert (made.level.code, made.independence) == ("D", 3)
    everyone = {**data, "statement": steps.statements["C1.3"].pk, "pupils": [], "everyone": "on"}
    assert client.post(url, everyone).status_code == 302
    assert AchievementRecord.objects.filter(statement=steps.statements["C1.3"]).count() == 1  # 3T: Ava
    nobody = client.post(url, {**data, "pupils": []}).content.decode()
    assert "Choose at least one pupil, or every pupil listed." in nobody


def test_the_pupil_page_for_staff_and_the_parent_once_shared(steps, client_for):
    c = steps.cast
    record_achievements(c.teacher, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")])
    url = reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk})
    staff = client_for(c.senco).get(url).content.decode()
    assert "learning journey" in staff and "C1.1" in staff
    parent = client_for(c.parent).get(url).content.decode()
    assert "has not shared" in parent and "C1.1" not in parent
    share_progress_page(c.head, c.north, c.ava)
    parent = client_for(c.parent).get(url).content.decode()
    assert "C1.1" in parent and "Share this page" not in parent
    assert "Progress by term" in parent and "<td>Communication</td>" in parent  # the table has rows
    assert client_for(c.parent).get(reverse("steps:pupil", kwargs={"pupil_id": c.ben.pk})).status_code == 404


def test_thresholds_raise_conversations_that_a_senco_holds_and_closes(steps, client_for):
    from strides.steps.queries import current_term
    from strides.steps.services.conversations import run_thresholds

    c = steps.cast
    record_achievements(
        c.head, c.north, [RecordInput(c.ava, steps.statements[f"C1.{i}"], "S") for i in (1, 2, 3)]
    )
    term = current_term(c.year, dt.date.today())
    run = run_thresholds(c.analyst, c.trust, c.year, term)
    # Ava: 3 of 4 statements of step 1 = 75% of a step: above 20%. Areas with no record at all
    # (Ava's number, everything of Ben's) are not being worked on: not compared
    assert (run.compared, run.raised) == (1, 1)
    assert run_thresholds(c.analyst, c.trust, c.year, term).raised == 0
    conversation = Conversation.objects.get(pupil=c.ava, area=steps.communication)
    assert conversation.crossing == "above"
    client = client_for(c.senco)
    listing = client.get(reverse("steps:conversations", kwargs={"urn": c.north.urn})).content.decode()
    assert "Ava Archer" in listing
    url = reverse("steps:conversation", kwargs={"conversation_id": conversation.pk})
    held = client.post(
        url,
        {
            "step": "hold",
            "held_on": dt.date.today().isoformat(),
            "attendees": "Class teacher, SENCO",
            "agreed_action": "change_target",
        },
    )
    assert held.status_code == 302
    closed = client.post(url, {"step": "close", "outcome": "New target set; on track."})
    assert closed.status_code == 302
    conversation.refresh_from_db()
    assert conversation.closed_at is not None and conversation.outcome == "New target set; on track."


def test_group_analysis_and_its_download(steps, client_for):
    c = steps.cast
    record_achievements(c.head, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")])
    url = reverse("steps:analysis", kwargs={"urn": c.north.urn})
    first = client_for(c.head).get(url + "?by=area").content.decode()
    assert "<progress" in first and "wait=1" in first  # the trust's term is not worked out yet
    page = client_for(c.head).get(url + "?by=area&wait=1")
    assert page.status_code == 200 and "Communication" in page.content.decode()
    assert "<progress" not in client_for(c.head).get(url + "?by=area").content.decode()  # kept now
    governor = client_for(c.governor).get(url).content.decode()
    assert "fewer than" in governor  # one pupil: suppressed for an aggregate-only reader
    download = client_for(c.head).get(url + "?by=area&format=xlsx")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_similar_learners_come_in_a_part_of_their_own(steps, client_for):
    c = steps.cast
    record_achievements(c.head, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")])
    url = reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk})
    client = client_for(c.senco)
    assert "?part=similar" in client.get(url).content.decode()
    part = client.get(url + "?part=similar").content.decode()
    # Ava alone on her step in the trust: too few to compare with
    assert "too few similar pupils" in part and "<html" not in part
    assert "?part=similar" not in client_for(c.parent).get(url).content.decode()


def test_the_teacher_delegates_areas_to_the_classes_teaching_assistant(steps, client_for):
    c = steps.cast
    teacher = client_for(c.teacher)
    grid = teacher.get(grid_url(steps)).content.decode()
    assert "Teaching assistants' areas" in grid
    url = reverse("steps:delegate", kwargs={"group_id": c.class_3t.pk})
    value = f"{c.ta.pk}:{steps.number.pk}"
    assert teacher.post(url, {"framework": steps.framework.pk, "delegate": [value]}).status_code == 302
    ta_grid = client_for(c.ta).get(grid_url(steps)).content.decode()
    assert "N1.1" in ta_grid and "Teaching assistants' areas" not in ta_grid
    client_for(c.teacher).post(url, {"framework": steps.framework.pk})  # nothing ticked: taken back
    assert "has been delegated to you" in client_for(c.ta).get(grid_url(steps)).content.decode()
    # a TA posting delegations is refused and changes nothing
    assert (
        client_for(c.ta).post(url, {"framework": steps.framework.pk, "delegate": [value]}).status_code == 302
    )
    assert "has been delegated to you" in client_for(c.ta).get(grid_url(steps)).content.decode()


def test_the_senco_sets_the_schools_thresholds_and_a_frameworks_own(steps, client_for):
    from strides.steps.models import ThresholdPolicy

    c = steps.cast
    url = reverse("steps:conversations", kwargs={"urn": c.north.urn})
    client = client_for(c.senco)
    assert client.post(url, {"below": "1", "above": "25"}).status_code == 302
    assert client.post(url, {"framework": steps.framework.pk, "below": "3", "above": "30"}).status_code == 302
    policies = {
        p.framework_id: (p.below_percent, p.above_percent)
        for p in ThresholdPolicy.objects.filter(school=c.north)
    }
    assert policies == {None: (1, 25), steps.framework.pk: (3, 30)}
    refused = client.post(url, {"below": "30", "above": "3"}).content.decode()
    assert "must be under above" in refused
    assert client_for(c.teacher).post(url, {"below": "1", "above": "2"}).status_code == 403


def test_the_engagement_model_is_observed_in_words_and_scored_nowhere(steps, client_for):
    import re

    from strides.steps.models import EngagementObservation, Shape
    from strides.steps.services.frameworks import create_framework, share_framework
    from strides.steps.services.recording import assign_framework

    c = steps.cast
    engagement = create_framework(
        c.analyst, code="em", name="Engagement model", shape=Shape.ENGAGEMENT, trust=c.trust
    )
    share_framework(c.analyst, engagement)
    assign_framework(c.head, c.north, c.ava, engagement, c.year.starts_on)
    area = engagement.areas.get(code="anticipation")
    client = client_for(c.teacher)
    url = reverse("steps:observe", kwargs={"pupil_id": c.ava.pk})
    data = {
        "area": area.pk,
        "observed_on": dt.date.today().isoformat(),
        "narrative": "Smiled before the song began.",
        "evidence": "https://example.org/video/1",
        "score": "5",
    }
    assert client.post(url, data).status_code == 302
    observation = EngagementObservation.objects.get(pupil=c.ava)
    assert observation.narrative == "Smiled before the song began."
    assert not {f.name for f in EngagementObservation._meta.fields} & {"score", "rating", "level", "points"}
    page = client.get(reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk})).content.decode()
    assert "Smiled before the song began." in page and "It has no score." in page
    assert not re.search(r"name=\"(score|rating|points)\"", page)
    # it has no statements to record on; evidence must be a web address
    from strides.steps.models import Statement

    assert not Statement.objects.filter(area__framework=engagement).exists()
    bad = client.post(url, {**data, "evidence": "javascript:alert(1)"})
    assert "is not a web address" in bad.content.decode() and EngagementObservation.objects.count() == 1
    empty = client.post(url, {**data, "narrative": ""}).content.decode()
    assert "Enter the observation." in empty and "https://example.org/video/1" in empty  # kept as typed


def test_the_trust_analysis_puts_schools_side_by_side(steps, client_for):
    c = steps.cast
    record_achievements(c.head, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")])
    url = reverse("steps:trust_analysis") + "?wait=1"
    page = client_for(c.analyst).get(url).content.decode()
    assert "Northfield Primary" in page and "fewer than" not in page
    director = client_for(c.director).get(url).content.decode()
    assert "Northfield Primary" in director and "fewer than" in director  # one pupil: suppressed
    assert client_for(c.parent).get(url).status_code == 404


def test_the_pupil_record_page_records_only_what_changed(steps, client_for):
    c = steps.cast
    s1, s2 = steps.statements["C1.1"], steps.statements["C1.2"]
    record_achievements(
        c.head,
        c.north,
        [RecordInput(c.ava, s1, "D", aspects={"independence": 2}), RecordInput(c.ava, s2, "E")],
    )
    url = reverse("steps:pupil_record", kwargs={"pupil_id": c.ava.pk}) + f"?area={steps.communication.pk}"
    client = client_for(c.teacher)
    page = client.get(url).content.decode()
    assert '<option value="2" selected>' in page  # the current rating is shown
    unchanged = {
        f"level-{s1.pk}": "D",
        f"version-{s1.pk}": "1",
        f"independence-{s1.pk}": "2",
        f"level-{s2.pk}": "E",
        f"version-{s2.pk}": "1",
        "area": steps.communication.pk,
    }
    client.post(url, unchanged)
    assert AchievementRecord.objects.filter(pupil=c.ava).count() == 2
    client.post(url, {**unchanged, f"independence-{s1.pk}": "3"})
    latest = AchievementRecord.objects.filter(pupil=c.ava, statement=s1).order_by("-version").first()
    assert (latest.version, latest.level.code, latest.independence) == (2, "D", 3)
    assert AchievementRecord.objects.filter(pupil=c.ava).count() == 3


def test_a_frameworks_own_thresholds_are_removed_and_the_run_defaults_to_an_ended_term(steps, client_for):
    from strides.steps.models import ThresholdPolicy

    c = steps.cast
    url = reverse("steps:conversations", kwargs={"urn": c.north.urn})
    client = client_for(c.senco)
    client.post(url, {"framework": steps.framework.pk, "below": "3", "above": "30"})
    assert "except on Trust small steps" in client.get(url).content.decode()
    assert client.post(url, {"remove": steps.framework.pk}).status_code == 302
    assert not ThresholdPolicy.objects.filter(school=c.north).exists()
    page = client_for(c.analyst).get(reverse("steps:thresholds")).content.decode()
    assert "(not ended: until" in page  # this term, still running, said so
    run = client_for(c.analyst).post(reverse("steps:thresholds"), {"period": "nonsense"})
    assert run.status_code == 200 and "choose one of the terms" in run.content.decode()


def test_a_school_keeps_its_own_list_of_what_conversations_may_agree(steps, client_for):
    c = steps.cast
    item = Conversation.objects.create(
        pupil=c.ava,
        school=c.north,
        area=steps.communication,
        academic_year=c.year,
        term="autumn",
        crossing="below",
        progress_percent=0,
        below_percent=2,
        above_percent=20,
    )
    url = reverse("steps:conversations", kwargs={"urn": c.north.urn})
    senco = client_for(c.senco)
    assert senco.post(url, {"action_add": "1", "label": "Sensory circuit"}).status_code == 302
    assert senco.post(url, {"action_retire": "club"}).status_code == 302
    page = senco.get(url).content.decode()
    assert "Sensory circuit" in page and "Lunchtime or after-school club" not in page
    conversation_url = reverse("steps:conversation", kwargs={"conversation_id": item.pk})
    form = senco.get(conversation_url).content.decode()
    assert 'value="sensory-circuit"' in form and 'value="club"' not in form
    held = {
        "step": "hold",
        "held_on": dt.date.today().isoformat(),
        "attendees": "SENCO",
        "agreed_action": "club",
    }
    assert "Select a valid choice" in senco.post(conversation_url, held).content.decode()
    assert senco.post(conversation_url, {**held, "agreed_action": "sensory-circuit"}).status_code == 302
    item.refresh_from_db()
    assert (item.agreed_action, item.agreed_label) == ("sensory-circuit", "Sensory circuit")
    # retired later, the conversation keeps its words
    senco.post(url, {"action_retire": "sensory-circuit"})
    assert (
        "Sensory circuit"
        in client_for(c.head).get(reverse("steps:pupil", kwargs={"pupil_id": c.ava.pk})).content.decode()
    )
    assert client_for(c.teacher).post(url, {"action_add": "1", "label": "X"}).status_code == 403
