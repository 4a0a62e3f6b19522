"""The small-steps API: frameworks, achievement records (the version check, delegation, scoping),
engagement observations (never a score), a pupil's measures and threshold conversations."""

# ruff: noqa: F811 - the fixtures of api_fixtures.py are imported, then named as arguments

from __future__ import annotations

import datetime as dt
import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from strides.steps.api import serializers as s
from strides.steps.models import AchievementRecord, Conversation, EngagementObservation
from strides.steps.services.recording import (
    RecordInput,
    delegate_area,
    record_achievements,
    share_progress_page,
)
from strides.steps.tests.api_fixtures import api, ava_conversation, ava_record, engagement  # noqa: F401

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/achievement-records/"
OBSERVATIONS = "/api/v1/engagement-observations/"
CONVERSATIONS = "/api/v1/step-conversations/"


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def record_body(steps, pupil=None, code="C1.1", level="S", version=0, **more):
    c = steps.cast
    return {
        "pupil": (pupil or c.ava).pk,
        "statement": steps.statements[code].pk,
        "school": c.north.urn,
        "level": level,
        "expected_version": version,
        **more,
    }


def error(response, field: str) -> dict:
    return next(e for e in response.json()["errors"] if e["field"] == field)


# --- frameworks -------------------------------------------------------------------------------


def test_frameworks_list_the_usable_ones_and_the_engagement_model_is_not_scored(steps, engagement, api):
    c = steps.cast
    response = api(c.teacher).get("/api/v1/step-frameworks/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert rows["trust-steps"]["scored"] is True
    assert rows["engagement"]["scored"] is False
    detail = api(c.teacher).get(f"/api/v1/step-frameworks/{engagement.pk}/").json()
    assert detail["scored"] is False
    assert detail["achievement_levels"] == []
    assert [a["code"] for a in detail["areas"]] == [
        "exploration",
        "realisation",
        "anticipation",
        "persistence",
        "initiation",
    ]


def test_a_framework_detail_has_levels_areas_steps_and_statements(steps, api):
    c = steps.cast
    detail = api(c.teacher).get(f"/api/v1/step-frameworks/{steps.framework.pk}/").json()
    assert [level["code"] for level in detail["achievement_levels"]] == ["0", "E", "D", "S", "NA"]
    secured = next(level for level in detail["achievement_levels"] if level["code"] == "S")
    assert secured["secured"] is True and secured["not_applicable"] is False
    communication = next(a for a in detail["areas"] if a["code"] == "communication")
    step_one = communication["steps"][0]
    assert step_one["number"] == 1
    statement = step_one["statements"][3]
    assert statement["code"] == "C1.4"
    assert statement["key"] is True
    assert {"text", "wording_version", "weight", "leads_to", "removed_on"} <= set(statement)


def test_a_framework_out_of_reach_is_not_found(steps, api):
    from strides.steps.services.frameworks import create_framework

    c = steps.cast
    river_own = create_framework(
        c.river_head, code="river-own", name="River's own", shape="linear", trust=c.trust, school=c.river
    )
    assert api(c.teacher).get(f"/api/v1/step-frameworks/{river_own.pk}/").status_code == 404
    assert api(c.river_head).get(f"/api/v1/step-frameworks/{river_own.pk}/").status_code == 200


def test_frameworks_list_query_count_is_pinned(steps, engagement, api, django_assert_max_num_queries):
    client = api(steps.cast.teacher)
    client.get("/api/v1/step-frameworks/")  # the first call works out the accepted parameters
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/step-frameworks/").status_code == 200
    with django_assert_max_num_queries(8):  # levels, areas, steps, statements, leads_to: one each
        assert client.get(f"/api/v1/step-frameworks/{steps.framework.pk}/").status_code == 200


# --- achievement records ------------------------------------------------------------------------


def test_a_teacher_records_and_reads_it_back(steps, api):
    c = steps.cast
    response = api(c.teacher).post(
        RECORDS,
        record_body(steps, independence=3, note="With a prompt", evidence_links=["https://example.org/v"]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1
    assert body["level"]["code"] == "S"
    assert body["independence"] == 3 and body["fluency"] is None
    assert body["recorded_by"] == "Tom Teacher"
    assert ids(api(c.teacher).get(RECORDS, {"pupil": c.ava.pk})) == {body["id"]}


def test_a_stale_write_answers_409_with_the_current_version_and_writes_nothing(steps, ava_record, api):
    c = steps.cast
    response = api(c.head).post(RECORDS, record_body(steps, level="S", version=0), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 1
    assert body["current"]["id"] == ava_record.pk
    assert body["current"]["level"]["code"] == "D"
    assert body["attempted"] == {"pupil": c.ava.pk, "statement": "C1.1", "level": "S", "expected_version": 0}
    assert "now version 1, you had 0" in body["detail"]
    assert AchievementRecord.objects.count() == 1
    saved = api(c.head).post(RECORDS, record_body(steps, level="S", version=1), format="json")
    assert saved.status_code == 201 and saved.json()["version"] == 2


def test_a_bad_level_answers_400_naming_the_field_and_value(steps, api):
    response = api(steps.cast.teacher).post(RECORDS, record_body(steps, level="X"), format="json")
    assert response.status_code == 400
    problem = error(response, "level")
    assert problem["value"] == "X"
    assert "'X' is not a level of this framework" in problem["message"]
    assert AchievementRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("independence", 9), ("expected_version", -1), ("evidence_links", ["not a link"])],
)
def test_other_bad_input_names_field_and_value(steps, api, field, value):
    response = api(steps.cast.teacher).post(RECORDS, record_body(steps, **{field: value}), format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert any(f == field or f.startswith(f"{field}.") for f in fields), response.json()


def test_a_pupil_out_of_reach_or_a_school_out_of_scope_is_refused_by_name(steps, api):
    c = steps.cast
    response = api(c.teacher).post(RECORDS, record_body(steps, pupil=c.cara), format="json")
    assert response.status_code == 400
    assert error(response, "pupil")["value"] == c.cara.pk
    response = api(c.teacher).post(RECORDS, {**record_body(steps), "school": c.river.urn}, format="json")
    assert response.status_code == 400
    assert error(response, "school")["value"] == c.river.urn


def test_a_statement_of_another_schools_own_framework_is_refused(steps, api):
    from strides.steps.services.frameworks import StatementRow, build_structure, create_framework

    c = steps.cast
    river_own = create_framework(
        c.river_head, code="river-own", name="River's own", shape="linear", trust=c.trust, school=c.river
    )
    build_structure(
        c.river_head,
        river_own,
        [StatementRow(row=2, area="talk", step=1, step_name="One", code="T1.1", text="Takes turns")],
    )
    statement = river_own.areas.get().statements.get()
    body = {**record_body(steps), "statement": statement.pk}
    response = api(c.analyst).post(RECORDS, body, format="json")  # the analyst may use it: north may not
    assert response.status_code == 400
    assert (
        "River's own is not a framework Northfield Primary may use" in error(response, "statement")["message"]
    )


def test_a_teacher_records_only_for_their_own_classes(steps, api):
    c = steps.cast
    response = api(c.teacher).post(RECORDS, record_body(steps, pupil=c.ben), format="json")
    assert response.status_code == 400  # Ben is in 3B: the gate does not show him to 3T's teacher
    assert error(response, "pupil")["value"] == c.ben.pk


def test_a_teaching_assistant_records_only_in_a_delegated_area(steps, api):
    c = steps.cast
    response = api(c.ta).post(RECORDS, record_body(steps), format="json")
    assert response.status_code == 403
    assert "Communication has not been delegated to you" in response.json()["detail"]
    assert AchievementRecord.objects.count() == 0
    delegate_area(c.teacher, c.class_3t, c.ta, steps.communication)
    assert api(c.ta).post(RECORDS, record_body(steps), format="json").status_code == 201
    assert api(c.ta).post(RECORDS, record_body(steps, code="N1.1"), format="json").status_code == 403


def test_roles_that_do_not_record_are_refused(steps, api, client_for):
    c = steps.cast
    assert api(c.eap).post(RECORDS, record_body(steps), format="json").status_code == 403
    assert api(c.governor).post(RECORDS, record_body(steps), format="json").status_code == 403
    parent = client_for(c.parent)
    assert parent.post(RECORDS, record_body(steps), content_type="application/json").status_code == 403
    assert AchievementRecord.objects.count() == 0


def test_a_teacher_at_another_school_gets_404_for_avas_records(steps, ava_record, api):
    c = steps.cast
    other = api(c.other_teacher)
    assert other.get(f"{RECORDS}{ava_record.pk}/").status_code == 404
    assert ids(other.get(RECORDS)) == set()
    assert api(c.teacher).get(f"{RECORDS}{ava_record.pk}/").status_code == 200


def test_a_parent_reads_records_only_once_the_page_is_shared(steps, ava_record, client_for):
    c = steps.cast
    parent = client_for(c.parent)
    assert parent.get(RECORDS).json()["results"] == []
    assert parent.get(f"{RECORDS}{ava_record.pk}/").status_code == 404
    share_progress_page(c.head, c.north, c.ava)
    rows = parent.get(RECORDS).json()["results"]
    assert [row["id"] for row in rows] == [ava_record.pk]
    assert rows[0]["recorded_by"] is None  # no member of staff named to parents


def test_governors_and_directors_get_nothing(steps, ava_record, api):
    c = steps.cast
    for user in (c.governor, c.director):  # no named pupil: empty lists, and every object 404
        client = api(user)
        for url in (RECORDS, OBSERVATIONS, CONVERSATIONS):
            response = client.get(url)
            assert response.status_code == 200 and response.json()["results"] == [], url
        assert client.get(f"{RECORDS}{ava_record.pk}/").status_code == 404
        assert client.get(f"/api/v1/step-progress/{c.ava.pk}/").status_code == 404


def test_record_filters(steps, ava_record, api):
    c = steps.cast
    record_achievements(c.head, c.north, [RecordInput(c.ben, steps.statements["N1.1"], "S")])
    client = api(c.head)
    assert ids(client.get(RECORDS, {"pupil": c.ava.pk})) == {ava_record.pk}
    assert ids(client.get(RECORDS, {"area": steps.number.pk})) != {ava_record.pk}
    assert ids(client.get(RECORDS, {"statement": steps.statements["C1.1"].pk})) == {ava_record.pk}
    assert len(ids(client.get(RECORDS, {"framework": steps.framework.pk, "school": c.north.urn}))) == 2
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert ids(client.get(RECORDS, {"assessed_from": tomorrow})) == set()
    bad = client.get(RECORDS, {"assessed_to": "yesterday"})
    assert bad.status_code == 400
    assert error(bad, "assessed_to")["value"] == "yesterday"


def test_the_records_list_query_count_is_pinned(steps, api, django_assert_max_num_queries):
    c = steps.cast
    for code in ("C1.1", "C1.2", "C1.3", "C1.4", "C2.1", "N1.1", "N1.2", "N2.1"):
        for pupil in (c.ava, c.ben):
            record_achievements(c.head, c.north, [RecordInput(pupil, steps.statements[code], "D")])
    client = api(c.head)
    client.get(RECORDS)
    with django_assert_max_num_queries(4):  # 16 rows cost what 1 does
        response = client.get(RECORDS)
    assert response.json()["count"] == 16


def test_bulk_records_all_or_nothing(steps, api):
    c = steps.cast
    good = {k: v for k, v in record_body(steps).items() if k != "school"}
    bad = {**good, "statement": steps.statements["C1.2"].pk, "level": "Q"}
    response = api(c.head).post(
        f"{RECORDS}bulk/", {"school": c.north.urn, "records": [good, bad]}, format="json"
    )
    assert response.status_code == 400
    problem = error(response, "records.1.level")
    assert problem["value"] == "Q"
    assert problem["message"].startswith("Record 2, Ava Archer, C1.2: Level: 'Q'")
    assert AchievementRecord.objects.count() == 0

    ben = {**good, "pupil": c.ben.pk}
    response = api(c.head).post(
        f"{RECORDS}bulk/", {"school": c.north.urn, "records": [good, ben]}, format="json"
    )
    assert response.status_code == 201
    assert {row["pupil"]["id"] for row in response.json()} == {c.ava.pk, c.ben.pk}

    stale = api(c.head).post(f"{RECORDS}bulk/", {"school": c.north.urn, "records": [ben]}, format="json")
    assert stale.status_code == 409
    assert stale.json()["index"] == 0 and stale.json()["current_version"] == 1
    assert AchievementRecord.objects.count() == 2


def test_bulk_names_an_unknown_pupil_by_position(steps, api):
    c = steps.cast
    row = {k: v for k, v in record_body(steps).items() if k != "school"}
    response = api(c.head).post(
        f"{RECORDS}bulk/", {"school": c.north.urn, "records": [row, {**row, "pupil": 987654}]}, format="json"
    )
    assert response.status_code == 400
    assert error(response, "records.1.pupil")["value"] == 987654


# --- engagement observations ---------------------------------------------------------------------


def test_an_observation_is_recorded_in_words_and_read_back(steps, engagement, api):
    c = steps.cast
    area = engagement.areas.get(code="exploration")
    body = {
        "pupil": c.ava.pk,
        "school": c.north.urn,
        "area": area.pk,
        "narrative": "Reached for the drum twice.",
    }
    response = api(c.teacher).post(OBSERVATIONS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["narrative"] == "Reached for the drum twice."
    assert ids(api(c.teacher).get(OBSERVATIONS, {"pupil": c.ava.pk})) == {response.json()["id"]}
    assert ids(api(c.other_teacher).get(OBSERVATIONS)) == set()


def test_an_observation_in_a_scored_framework_is_refused_naming_the_area(steps, engagement, api):
    c = steps.cast
    body = {"pupil": c.ava.pk, "school": c.north.urn, "area": steps.communication.pk, "narrative": "Words."}
    response = api(c.teacher).post(OBSERVATIONS, body, format="json")
    assert response.status_code == 400
    assert error(response, "area")["value"] == steps.communication.pk
    assert EngagementObservation.objects.count() == 0


def test_the_engagement_model_has_no_score_anywhere(steps, engagement, api):
    scoreish = {"score", "rating", "level", "points", "scores", "ratings", "levels"}
    for serializer in (s.EngagementObservationSerializer(), s.EngagementObservationCreateSerializer()):
        assert not scoreish & set(serializer.fields), type(serializer).__name__

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def names(ref_or_schema, seen: set[str]) -> set[str]:
        found: set[str] = set()
        if isinstance(ref_or_schema, dict):
            ref = ref_or_schema.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    found |= names(components[name], seen)
            for key, value in ref_or_schema.get("properties", {}).items():
                found.add(key)
                found |= names(value, seen)
            for value in ref_or_schema.values():
                if isinstance(value, dict | list):
                    found |= names(value, seen)
        elif isinstance(ref_or_schema, list):
            for value in ref_or_schema:
                found |= names(value, seen)
        return found

    for path in ("/api/v1/engagement-observations/",):
        operations = schema["paths"][path]
        fields = names(json.loads(json.dumps(operations)), set())
        assert fields >= {"narrative", "observed_on", "area"}
        assert not scoreish & fields, scoreish & fields

    observation = {
        "pupil": steps.cast.ava.pk,
        "school": steps.cast.north.urn,
        "narrative": "Smiled.",
        "area": engagement.areas.get(code="initiation").pk,
    }
    row = api(steps.cast.teacher).post(OBSERVATIONS, observation, format="json").json()
    assert not scoreish & set(row)


def test_the_observations_list_query_count_is_pinned(steps, engagement, api, django_assert_max_num_queries):
    from strides.steps.services.recording import record_observation

    c = steps.cast
    for area in engagement.areas.all():
        for n in range(3):
            record_observation(c.head, c.north, c.ava, area, f"Seen {n}")
    client = api(c.head)
    client.get(OBSERVATIONS)
    with django_assert_max_num_queries(4):
        assert client.get(OBSERVATIONS).json()["count"] == 15


# --- step progress -------------------------------------------------------------------------------


def test_a_pupils_measures_per_area(steps, api):
    c = steps.cast
    today = dt.date.today()
    start = c.year.starts_on
    inputs = [RecordInput(c.ava, steps.statements[code], "S") for code in ("C1.1", "C1.2", "C1.3", "C1.4")]
    record_achievements(c.teacher, c.north, inputs, assessed_on=start)
    record_achievements(
        c.teacher,
        c.north,
        [RecordInput(c.ava, steps.statements["C2.1"], "S", expected_version=0, aspects={"independence": 2})],
        assessed_on=start,
    )
    record_achievements(
        c.teacher,
        c.north,
        [
            RecordInput(c.ava, steps.statements["C2.2"], "S"),
            RecordInput(c.ava, steps.statements["C2.1"], "S", aspects={"independence": 4}),
        ],
    )
    response = api(c.teacher).get(f"/api/v1/step-progress/{c.ava.pk}/", {"from": start.isoformat()})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["from"] == start.isoformat() and body["to"] == today.isoformat()
    [area] = body["areas"]
    assert area["area"]["code"] == "communication"
    assert area["current_step"] == 2
    assert area["current_step_percent"] == 50.0
    assert area["steps_secured"] == 1.5
    assert area["statements_secured"] == 6
    assert area["progress_percent"] == 25.0  # one statement of four since `from`
    assert area["statements_gained"] == 1
    assert area["lateral_gains"]["independence"] == 2
    assert area["milestones"] is None


def test_progress_is_scoped_and_checks_its_window(steps, ava_record, api, client_for):
    c = steps.cast
    url = f"/api/v1/step-progress/{c.ava.pk}/"
    assert api(c.other_teacher).get(url).status_code == 404
    bad = api(c.teacher).get(url, {"from": "2026-12-01", "to": "2026-11-01"})
    assert bad.status_code == 400
    assert error(bad, "from")["value"] == "2026-12-01"
    assert api(c.teacher).get(url, {"since": "2026-01-01"}).status_code == 400
    parent = client_for(c.parent)
    assert parent.get(url).json()["areas"] == []
    share_progress_page(c.head, c.north, c.ava)
    assert len(parent.get(url).json()["areas"]) == 1


def test_progress_query_count_is_pinned(steps, ava_record, api, django_assert_max_num_queries):
    client = api(steps.cast.teacher)
    url = f"/api/v1/step-progress/{steps.cast.ava.pk}/"
    client.get(url)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


# --- conversations -------------------------------------------------------------------------------


def hold_body(**more):
    return {
        "held_on": dt.date.today().isoformat(),
        "attendees": "Tom Teacher, Sena Coe",
        "agreed_action": "therapy",
        **more,
    }


def test_who_reads_conversations(steps, ava_conversation, api):
    c = steps.cast
    for user in (c.teacher, c.senco, c.head, c.analyst):
        assert ids(api(user).get(CONVERSATIONS)) == {ava_conversation.pk}, user
    for user in (c.ta, c.other_teacher, c.river_head):
        assert ids(api(user).get(CONVERSATIONS)) == set(), user
        assert api(user).get(f"{CONVERSATIONS}{ava_conversation.pk}/").status_code == 404


def test_a_teacher_holds_and_closes_a_conversation(steps, ava_conversation, api):
    c = steps.cast
    url = f"{CONVERSATIONS}{ava_conversation.pk}/"
    early = api(c.teacher).post(f"{url}close/", {"outcome": "Better"}, format="json")
    assert early.status_code == 409
    held = api(c.teacher).post(f"{url}hold/", hold_body(), format="json")
    assert held.status_code == 200, held.json()
    assert held.json()["attendees"] == "Tom Teacher, Sena Coe"
    assert held.json()["recorded_by"] == "Tom Teacher"
    closed = api(c.senco).post(f"{url}close/", {"outcome": "Speech therapy helped"}, format="json")
    assert closed.status_code == 200
    assert closed.json()["is_open"] is False
    again = api(c.senco).post(f"{url}hold/", hold_body(), format="json")
    assert again.status_code == 409


def test_hold_refusals_name_field_and_value(steps, ava_conversation, api):
    c = steps.cast
    url = f"{CONVERSATIONS}{ava_conversation.pk}/hold/"
    bad = api(c.teacher).post(url, hold_body(agreed_action="magic"), format="json")
    assert bad.status_code == 400
    assert error(bad, "agreed_action")["value"] == "magic"
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    bad = api(c.teacher).post(url, hold_body(held_on=future), format="json")
    assert bad.status_code == 400
    assert error(bad, "held_on")["value"] == future
    other = api(c.teacher).post(url, hold_body(agreed_action="other"), format="json")
    assert other.status_code == 400
    assert error(other, "agreed_detail")
    assert Conversation.objects.get().held_on is None


def test_who_may_not_hold_a_conversation(steps, ava_conversation, api, client_for):
    c = steps.cast
    url = f"{CONVERSATIONS}{ava_conversation.pk}/hold/"
    assert api(c.ta).post(url, hold_body(), format="json").status_code == 404  # does not read it
    assert api(c.other_teacher).post(url, hold_body(), format="json").status_code == 404
    assert api(c.eap).post(url, hold_body(), format="json").status_code == 403  # reads, records nowhere
    share_progress_page(c.head, c.north, c.ava)
    parent = client_for(c.parent)
    assert parent.post(url, hold_body(), content_type="application/json").status_code == 403
    assert Conversation.objects.get().held_on is None


def test_a_parent_reads_a_held_conversation_without_who_met_or_names(
    steps, ava_conversation, api, client_for
):
    c = steps.cast
    parent = client_for(c.parent)
    share_progress_page(c.head, c.north, c.ava)
    assert parent.get(CONVERSATIONS).json()["results"] == []  # not held yet
    url = f"{CONVERSATIONS}{ava_conversation.pk}/"
    api(c.teacher).post(f"{url}hold/", hold_body(agreed_detail="Weekly"), format="json")
    api(c.teacher).post(f"{url}close/", {"outcome": "Private notes"}, format="json")
    [row] = parent.get(CONVERSATIONS).json()["results"]
    assert row["agreed_action"] == "therapy" and row["agreed_detail"] == "Weekly"
    assert row["attendees"] is None and row["outcome"] is None
    assert row["recorded_by"] is None and row["closed_by"] is None


def test_the_conversations_list_query_count_is_pinned(
    steps, ava_conversation, api, django_assert_max_num_queries
):
    client = api(steps.cast.head)
    client.get(CONVERSATIONS)
    with django_assert_max_num_queries(4):
        assert client.get(CONVERSATIONS, {"open": "true"}).json()["count"] == 1


# --- never a 500 ---------------------------------------------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"{RECORDS}?pupil={HUGE}",
        f"{RECORDS}{HUGE}/",
        f"{RECORDS}abc/",
        f"{OBSERVATIONS}?area=-1",
        f"{CONVERSATIONS}?pupil=1e400&open=maybe",
        f"{CONVERSATIONS}{HUGE}/",
        f"/api/v1/step-progress/{HUGE}/",
        "/api/v1/step-frameworks/0/",
        "/api/v1/step-frameworks/?shape=round",
    ],
)
def test_odd_reads_are_never_a_server_error(steps, ava_record, api, url):
    assert api(steps.cast.head).get(url).status_code in {200, 400, 404}


def test_odd_dates_are_never_a_server_error(steps, ava_record, api):
    url = f"/api/v1/step-progress/{steps.cast.ava.pk}/"
    for query in ({"to": "0001-01-01"}, {"from": "0001-01-01", "to": "9999-12-31"}, {"to": "2026-02-30"}):
        assert api(steps.cast.teacher).get(url, query).status_code in {200, 400}, query


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (RECORDS, ["not", "an", "object"]),
        (
            RECORDS,
            {"pupil": HUGE, "statement": HUGE, "school": "100001", "level": "S", "expected_version": 0},
        ),
        (RECORDS, {"pupil": 1, "statement": 1, "school": "x" * 50, "level": "", "expected_version": "one"}),
        (f"{RECORDS}bulk/", {"school": "100001", "records": "all of them"}),
        (f"{RECORDS}bulk/", {"school": "100001", "records": []}),
        (OBSERVATIONS, {"pupil": 1, "school": "100001", "area": HUGE, "narrative": ""}),
    ],
)
def test_odd_writes_answer_400_never_500(steps, api, url, body):
    response = api(steps.cast.head).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
