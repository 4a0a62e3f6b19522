"""The assessment API's writes: recording judgements (forgiven codes, the lost-update check and its
409 with both values, closed drops, refusals) and moving a school's drop (submit, lock, reopen)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from strides.assessment.models import DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.services import record_judgement, transition
from strides.audit.models import AuditEntry
from strides.frameworks.services import assign_framework

pytestmark = pytest.mark.django_db

JUDGEMENTS = "/api/v1/judgements/"


def body(cast, the_drop, **changes):
    data = {
        "pupil": cast.ava.pk,
        "subject": "reading",
        "drop": the_drop.slug,
        "level": "Y3 WTS",
        "version": 0,
    }
    data.update(changes)
    return data


def errors(response) -> list[tuple[str | None, object]]:
    assert response.status_code == 400, response.content
    return [(e["field"], e["value"]) for e in response.json()["errors"]]


# --- recording ---------------------------------------------------------------------------------


def test_a_first_judgement_is_created_with_a_forgiven_code(cast, api, drop):
    response = api(cast.teacher).post(
        JUDGEMENTS, body(cast, drop, level="  y3 wts ", note="Reads aloud"), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["level"]["code"] == "Y3 WTS" and data["level"]["framework"]["code"] == "nc-bands"
    assert data["point"]["code"] == "NS11" and data["crosswalk_version"] == 1
    assert data["version"] == 1 and data["note"] == "Reads aloud" and data["recorded_by"] == "Tom Teacher"
    assert data["school"]["urn"] == cast.north.urn
    assert [(r["version"], r["level_after"], r["reason"]) for r in data["revisions"]] == [
        (1, "Y3 WTS", "API")
    ]
    judgement = Judgement.objects.get()
    assert judgement.level.code == "Y3 WTS" and judgement.recorded_by == cast.teacher
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.IN_PROGRESS


def test_posting_again_against_the_version_seen_changes_it(cast, api, drop):
    client = api(cast.teacher)
    client.post(JUDGEMENTS, body(cast, drop), format="json")
    response = client.post(JUDGEMENTS, body(cast, drop, level="y3exs", version=1), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["level"]["code"] == "Y3 EXS"
    assert JudgementRevision.objects.count() == 2


def test_put_changes_a_judgement_and_keeps_its_note_unless_sent(cast, api, drop):
    client = api(cast.teacher)
    created = client.post(JUDGEMENTS, body(cast, drop, note="Phonics group"), format="json").json()
    url = f"{JUDGEMENTS}{created['id']}/"
    changed = client.put(url, {"level": "Y3 EXS", "version": 1}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["level"]["code"] == "Y3 EXS" and changed.json()["note"] == "Phonics group"
    cleared = client.put(url, {"level": "Y3 EXS", "note": "", "version": 2}, format="json").json()
    assert cleared["note"] == "" and cleared["version"] == 3
    history = [(r["level_before"], r["level_after"], r["note"]) for r in cleared["revisions"]]
    assert history == [
        (None, "Y3 WTS", "Phonics group"),
        ("Y3 WTS", "Y3 EXS", "Phonics group"),
        ("Y3 EXS", "Y3 EXS", ""),
    ]
    assert client.patch(url, {"level": "Y3 GDS"}, format="json").status_code == 405


def test_saving_the_same_value_again_changes_nothing(cast, api, drop):
    client = api(cast.teacher)
    client.post(JUDGEMENTS, body(cast, drop), format="json")
    again = client.post(JUDGEMENTS, body(cast, drop, version=1, level="Y3WTS"), format="json")
    assert again.status_code == 200 and again.json()["version"] == 1
    assert JudgementRevision.objects.count() == 1


def test_a_save_over_a_newer_edit_answers_409_with_both_values(cast, api, drop):
    teacher, ta = api(cast.teacher), api(cast.ta)
    teacher.post(JUDGEMENTS, body(cast, drop), format="json")
    ta.post(JUDGEMENTS, body(cast, drop, level="Y3 EXS", version=1), format="json")
    # the teacher still has version 1 on screen
    stale = teacher.post(JUDGEMENTS, body(cast, drop, level="Y3 GDS", version=1), format="json")
    assert stale.status_code == 409
    data = stale.json()
    assert "Tara Assistant changed this to Y3 EXS" in data["detail"] and "Y3 GDS" in data["detail"]
    current = data["current"]
    assert current["level"]["code"] == "Y3 EXS" and current["version"] == 2
    assert current["recorded_by"] == "Tara Assistant" and current["recorded_at"]
    assert data["attempted"] == {"level": "Y3 GDS", "framework": "nc-bands"}
    assert Judgement.objects.get().level.code == "Y3 EXS"
    assert JudgementRevision.objects.count() == 2
    # the teacher chooses their value, now against the version they have seen
    chosen = teacher.put(f"{JUDGEMENTS}{current['id']}/", {"level": "Y3 GDS", "version": 2}, format="json")
    assert chosen.status_code == 200 and chosen.json()["version"] == 3


def test_a_stale_save_of_the_level_already_saved_answers_200_unchanged(cast, api, drop):
    teacher, ta = api(cast.teacher), api(cast.ta)
    teacher.post(JUDGEMENTS, body(cast, drop), format="json")
    ta.post(JUDGEMENTS, body(cast, drop, level="Y3 EXS", version=1), format="json")
    same = teacher.post(JUDGEMENTS, body(cast, drop, level="Y3 EXS", version=1), format="json")
    assert same.status_code == 200, same.content
    assert same.json()["version"] == 2 and same.json()["recorded_by"] == "Tara Assistant"
    assert JudgementRevision.objects.count() == 2


def test_a_first_save_when_someone_saved_first_answers_409(cast, api, drop):
    api(cast.teacher).post(JUDGEMENTS, body(cast, drop), format="json")
    late = api(cast.ta).post(JUDGEMENTS, body(cast, drop, level="Y3 EXS"), format="json")
    assert late.status_code == 409
    assert late.json()["current"]["level"]["code"] == "Y3 WTS" and late.json()["current"]["version"] == 1
    assert late.json()["attempted"]["level"] == "Y3 EXS"


def test_a_version_from_nowhere_answers_409_with_nothing_current(cast, api, drop):
    response = api(cast.teacher).post(JUDGEMENTS, body(cast, drop, version=4), format="json")
    assert response.status_code == 409
    assert response.json()["current"] is None and response.json()["attempted"]["level"] == "Y3 WTS"
    assert not Judgement.objects.exists()


def test_a_submitted_drop_answers_409_with_the_reason(cast, api, drop):
    client = api(cast.teacher)
    created = client.post(JUDGEMENTS, body(cast, drop), format="json").json()
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    for response in (
        client.post(JUDGEMENTS, body(cast, drop, level="Y3 EXS", version=1), format="json"),
        client.put(f"{JUDGEMENTS}{created['id']}/", {"level": "Y3 EXS", "version": 1}, format="json"),
        api(cast.head).post(JUDGEMENTS, body(cast, drop, level="Y3 EXS", version=1), format="json"),
    ):
        assert response.status_code == 409
        assert response.json()["status"] == "submitted"
        assert "Ask the trust to reopen it" in response.json()["detail"]
    assert Judgement.objects.get().level.code == "Y3 WTS"


def test_an_unknown_level_names_the_value_and_the_accepted_codes(cast, api, drop):
    response = api(cast.teacher).post(JUDGEMENTS, body(cast, drop, level="Y3 Brilliant"), format="json")
    assert errors(response) == [("level", "Y3 Brilliant")]
    message = response.json()["errors"][0]["message"]
    # the grid's and the spreadsheet import's words (CodeBook.not_a_level)
    assert message == (
        "Y3 Brilliant is not a level of National curriculum year-group bands or of another framework "
        "the school uses: try Y3 WTS, Y3 EXS, Y3 GDS."
    )
    assert not Judgement.objects.exists()


def test_a_level_of_the_pupil_s_own_framework_not_another_the_school_uses(cast, api, drop, level):
    pre_key_stage = level("PK4", "pre-key-stage").framework
    assign_framework(
        cast.head, cast.north, cast_subject("reading"), pre_key_stage, drop.opens_on, pupil=cast.ben
    )
    senco = api(cast.senco)
    chosen = senco.post(JUDGEMENTS, body(cast, drop, pupil=cast.ben.pk, level="pk 4"), format="json")
    assert chosen.status_code == 201, chosen.content
    assert chosen.json()["level"]["framework"]["code"] == "pre-key-stage"
    # maths: Ben is on the NC bands, so a pre-key-stage code is refused, naming both (issue 8)
    other = senco.post(
        JUDGEMENTS, body(cast, drop, pupil=cast.ben.pk, subject="maths", level="PK3"), format="json"
    )
    assert errors(other) == [("level", "PK3")]
    assert other.json()["errors"][0]["message"].startswith(
        "PK3 is a level of Pre-key stage standards; at Northfield Primary this pupil is assessed in Maths"
    )


def cast_subject(code):
    from strides.frameworks.models import Subject

    return Subject.objects.get(code=code)


def test_bad_input_names_each_field(cast, api, drop):
    client = api(cast.teacher)
    missing = client.post(JUDGEMENTS, {"pupil": cast.ava.pk, "drop": drop.slug}, format="json")
    assert {field for field, _ in errors(missing)} == {"subject", "level", "version"}
    assert errors(client.post(JUDGEMENTS, body(cast, drop, version=-1), format="json")) == [("version", -1)]
    not_collected = client.post(JUDGEMENTS, body(cast, drop, subject="science"), format="json")
    assert errors(not_collected) == [("subject", "science")]
    assert "Science is not collected in Autumn" in not_collected.json()["errors"][0]["message"]
    assert errors(client.post(JUDGEMENTS, body(cast, drop, subject="art"), format="json")) == [
        ("subject", "art")
    ]
    other_school = client.post(JUDGEMENTS, body(cast, drop, school=cast.oak.urn), format="json")
    assert errors(other_school) == [("school", cast.oak.urn)]
    assert not Judgement.objects.exists()


def test_out_of_scope_answers_404_like_missing(cast, api, drop):
    created = api(cast.teacher).post(JUDGEMENTS, body(cast, drop), format="json").json()
    river = api(cast.other_teacher)
    # river's teacher may record, but not for north's pupils or over north's judgements
    assert river.post(JUDGEMENTS, body(cast, drop), format="json").status_code == 404
    assert (
        river.put(
            f"{JUDGEMENTS}{created['id']}/", {"level": "Y3 EXS", "version": 1}, format="json"
        ).status_code
        == 404
    )
    assert river.post(JUDGEMENTS, body(cast, drop, pupil=987654), format="json").status_code == 404
    # Ben is not in the teacher's class
    assert (
        api(cast.teacher).post(JUDGEMENTS, body(cast, drop, pupil=cast.ben.pk), format="json").status_code
        == 404
    )
    assert (
        api(cast.teacher).post(JUDGEMENTS, body(cast, drop, drop="no-such-drop"), format="json").status_code
        == 404
    )
    assert Judgement.objects.get().version == 1


def test_roles_that_do_not_record_are_refused_in_words(cast, api, drop):
    created = api(cast.teacher).post(JUDGEMENTS, body(cast, drop), format="json").json()
    for user in (cast.parent, cast.governor, cast.director, cast.eap, cast.placing):
        client = api(user)
        response = client.post(JUDGEMENTS, body(cast, drop, level="Y3 EXS", version=1), format="json")
        assert response.status_code == 403, user
        assert response.json() == {"detail": "Your role cannot record judgements."}
        put = client.put(f"{JUDGEMENTS}{created['id']}/", {"level": "Y3 EXS", "version": 1}, format="json")
        assert put.status_code == 403, user
    assert APIClient().post(JUDGEMENTS, body(cast, drop), format="json").status_code == 401
    assert Judgement.objects.get().version == 1


def test_a_parent_reads_their_child_s_judgements_only(cast, api, drop, level):
    record_judgement(
        cast.head, cast.ben, cast_subject("reading"), drop, cast.north, level("Y3 EXS"), expected_version=0
    )
    api(cast.teacher).post(JUDGEMENTS, body(cast, drop), format="json")
    assert api(cast.parent).get(JUDGEMENTS).json()["results"] == []  # a draft until released (ADR 11)
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    rows = api(cast.parent).get(JUDGEMENTS).json()["results"]
    assert [(row["pupil"]["display_name"], row["level"]["code"]) for row in rows] == [
        ("Ava Archer", "Y3 WTS")
    ]


# --- drop transitions -------------------------------------------------------------------------


def part_url(drop, school, move=""):
    return f"/api/v1/drops/{drop.slug}/schools/{school.urn}/" + (f"{move}/" if move else "")


def test_the_head_submits_the_trust_reopens_with_a_reason_and_locks(cast, api, drop):
    head, analyst = api(cast.head), api(cast.analyst)
    submitted = head.post(part_url(drop, cast.north, "submit"))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["changed_by"] == "Hana Head"
    assert submitted.json()["teachers_may_edit"] is False
    # a teacher can no longer edit it
    closed = api(cast.teacher).post(JUDGEMENTS, body(cast, drop), format="json")
    assert closed.status_code == 409 and closed.json()["status"] == "submitted"

    no_reason = analyst.post(part_url(drop, cast.north, "reopen"), {"reason": "  "}, format="json")
    assert errors(no_reason) == [("reason", "  ")]
    reopened = analyst.post(
        part_url(drop, cast.north, "reopen"), {"reason": "Ava's row was wrong"}, format="json"
    )
    assert reopened.status_code == 200
    assert (
        reopened.json()["status"] == "reopened" and reopened.json()["reopen_reason"] == "Ava's row was wrong"
    )
    assert api(cast.teacher).post(JUDGEMENTS, body(cast, drop), format="json").status_code == 201

    locked = analyst.post(part_url(drop, cast.north, "lock"))
    assert locked.status_code == 200 and locked.json()["status"] == "locked"
    again = head.post(part_url(drop, cast.north, "submit"))
    assert again.status_code == 409
    assert again.json() == {
        "detail": "Northfield Primary's Autumn is locked by the trust: "
        "it cannot become submitted by the head.",
        "status": "locked",
    }
    statuses = [
        e.after["status"]
        for e in AuditEntry.objects.filter(object_type="assessment.DropSchool").order_by("id")
    ]
    assert statuses == ["submitted", "reopened", "locked"]


def test_who_may_move_a_drop(cast, api, drop):
    for user in (cast.teacher, cast.senior, cast.governor, cast.parent, cast.analyst):
        response = api(user).post(part_url(drop, cast.north, "submit"))
        assert response.status_code == 403, user
        assert response.json() == {"detail": "Your role cannot submit a school's data drop."}
    for move in ("lock", "reopen"):
        response = api(cast.head).post(part_url(drop, cast.north, move), {"reason": "typo"}, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role cannot lock or reopen data drops."}
    assert APIClient().post(part_url(drop, cast.north, "submit")).status_code == 401
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.NOT_STARTED


def test_another_school_s_drop_is_not_found(cast, api, drop):
    # river's head may submit river's drop, and north's answers as if it did not exist
    river_head = api(cast.river_head)
    assert river_head.post(part_url(drop, cast.north, "submit")).status_code == 404
    assert river_head.post(part_url(drop, cast.oak, "submit")).status_code == 404
    assert river_head.post(f"/api/v1/drops/no-such-drop/schools/{cast.river.urn}/submit/").status_code == 404
    assert river_head.post(part_url(drop, cast.river, "submit")).status_code == 200
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.NOT_STARTED


def test_reopening_a_drop_that_is_open_is_a_conflict(cast, api, drop):
    response = api(cast.analyst).post(
        part_url(drop, cast.north, "reopen"), {"reason": "check"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["status"] == "not_started"
    assert "cannot become reopened" in response.json()["detail"]


def test_a_move_answers_only_post(cast, api, drop):
    assert api(cast.head).get(part_url(drop, cast.north, "submit")).status_code == 405
