"""Writes: allowed roles succeed through the services and leave an audit entry; the others are
refused, and bad input is answered with the field, the value and what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.audit.models import AuditEntry
from strides.classes.models import GroupMembership, GroupStaff, TeachingGroup
from strides.pupils.models import CharacteristicsPeriod, Enrolment, FormerUpn, Pupil
from strides.pupils.queries import UPN_NOT_HERE
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

NEW_UPN = make_upn(801, 2001, 22, 501)


def audited(user, object_type: str, object_id, action: str | None = None) -> bool:
    entries = AuditEntry.objects.filter(actor=user, object_type=object_type, object_id=str(object_id))
    if action:
        entries = entries.filter(action=action)
    return entries.exists()


def new_pupil(**overrides):
    data = {
        "school": "100001",
        "upn": NEW_UPN,
        "legal_forename": "Nia",
        "legal_surname": "Newman",
        "date_of_birth": "2019-05-04",
        "sex": "F",
        "nc_year": 2,
        "fsm": True,
    }
    data.update(overrides)
    return data


def field_errors(response) -> dict[str, dict]:
    assert response.status_code == 400, response.content
    return {e["field"]: e for e in response.json()["errors"]}


# --- creating a pupil -----------------------------------------------------------------------


def test_head_creates_a_pupil_on_their_roll(cast, api):
    start = cast.year.starts_on + dt.timedelta(days=10)
    response = api(cast.head).post(
        "/api/v1/pupils/", new_pupil(start_date=start.isoformat(), upn=NEW_UPN.lower()), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["upn"] == NEW_UPN
    assert body["characteristics"]["nc_year"] == 2
    assert body["characteristics"]["fsm"] is True
    assert body["characteristics"]["valid_from"] == start.isoformat()
    assert [e["school"]["urn"] for e in body["enrolments"]] == ["100001"]
    assert body["enrolments"][0]["start_date"] == start.isoformat()
    assert audited(cast.head, "pupils.Pupil", body["id"], "create")


def test_creating_a_pupil_validates_the_upn_and_other_fields(cast, api):
    client = api(cast.head)
    wrong_letter = "B" + NEW_UPN[1:] if NEW_UPN[0] != "B" else "C" + NEW_UPN[1:]
    errors = field_errors(client.post("/api/v1/pupils/", new_pupil(upn=wrong_letter), format="json"))
    assert errors["upn"]["value"] == wrong_letter
    assert "Check letter" in errors["upn"]["message"]
    errors = field_errors(
        client.post(
            "/api/v1/pupils/",
            new_pupil(upn="A123", sex="X", nc_year=20, date_of_birth="2019-02-30", ethnicity="ZZZZ"),
            format="json",
        )
    )
    assert set(errors) == {"upn", "sex", "nc_year", "date_of_birth", "ethnicity"}
    assert errors["upn"]["message"] == "A UPN has 13 characters; 'A123' has 4."
    assert errors["sex"]["value"] == "X"
    assert errors["nc_year"]["value"] == 20
    assert errors["ethnicity"]["value"] == "ZZZZ"
    errors = field_errors(client.post("/api/v1/pupils/", {"school": "100001"}, format="json"))
    assert {"upn", "legal_forename", "legal_surname", "date_of_birth", "sex", "nc_year"} <= set(errors)
    assert errors["upn"]["value"] is None
    assert not Pupil.objects.filter(legal_surname="Newman").exists()


def test_creating_a_pupil_whose_upn_is_known_is_refused(cast, api):
    client = api(cast.head)
    errors = field_errors(client.post("/api/v1/pupils/", new_pupil(upn=cast.ava.upn), format="json"))
    assert "already recorded" in errors["upn"]["message"]  # Ava is the head's to see
    FormerUpn.objects.create(pupil=cast.ava, upn=NEW_UPN)
    errors = field_errors(client.post("/api/v1/pupils/", new_pupil(), format="json"))
    assert errors["upn"]["value"] == NEW_UPN
    assert "already recorded" in errors["upn"]["message"]


def test_a_known_upn_out_of_scope_gets_the_neutral_refusal(cast, api):
    """Whether a UPN is recorded at a school the caller cannot see is not told: no name, no
    values, no current UPN; the same answer for a current and a former UPN."""
    client = api(cast.head)
    FormerUpn.objects.create(pupil=cast.cara, upn=NEW_UPN)
    for upn in (cast.cara.upn, NEW_UPN):
        response = client.post("/api/v1/pupils/", new_pupil(upn=upn), format="json")
        errors = field_errors(response)
        assert errors["upn"] == {"field": "upn", "value": upn, "message": UPN_NOT_HERE}
        body = response.content.decode()
        assert "Cara" not in body and "Carter" not in body
        assert upn == cast.cara.upn or cast.cara.upn not in body
    assert not Pupil.objects.filter(legal_surname="Newman").exists()
    assert not Enrolment.objects.filter(pupil=cast.cara, school=cast.north).exists()
    # a trust-wide role may be told plainly
    errors = field_errors(
        api(cast.admin).post("/api/v1/pupils/", new_pupil(upn=cast.cara.upn), format="json")
    )
    assert "already recorded" in errors["upn"]["message"]


def test_creating_a_pupil_at_a_school_out_of_scope_looks_like_an_unknown_school(cast, api):
    errors = field_errors(api(cast.head).post("/api/v1/pupils/", new_pupil(school="100002"), format="json"))
    assert errors["school"] == {
        "field": "school",
        "value": "100002",
        "message": "No school with URN '100002'.",
    }
    errors = field_errors(api(cast.head).post("/api/v1/pupils/", new_pupil(school="999999"), format="json"))
    assert errors["school"]["message"] == "No school with URN '999999'."


def test_sen_on_a_new_pupil_needs_the_sen_capability(cast, api):
    # the trust analyst may edit pupils but not SEN records
    response = api(cast.analyst).post("/api/v1/pupils/", new_pupil(sen_provision="K"), format="json")
    assert response.status_code == 403
    assert "SEN" in response.json()["detail"]
    response = api(cast.analyst).post("/api/v1/pupils/", new_pupil(), format="json")
    assert response.status_code == 201


def test_placed_pupil_records_the_placing_school(cast, api):
    response = api(cast.admin).post(
        "/api/v1/pupils/",
        new_pupil(school="100004", nc_year=10, registration="S", placing_school="100009"),
        format="json",
    )
    assert response.status_code == 201, response.content
    [enrolment] = response.json()["enrolments"]
    assert enrolment["placing_school"]["urn"] == "100009"
    errors = field_errors(
        api(cast.admin).post(
            "/api/v1/pupils/",
            new_pupil(upn=make_upn(801, 2001, 22, 502), school="100004", placing_school="100004"),
            format="json",
        )
    )
    assert errors["placing_school"]["message"] == "A school cannot place a pupil with itself."


@pytest.mark.parametrize(
    "who", ["teacher", "ta", "governor", "director", "parent", "placing", "senco", "eap"]
)
def test_roles_without_edit_rights_cannot_create_pupils(cast, api, who):
    response = api(getattr(cast, who)).post("/api/v1/pupils/", new_pupil(), format="json")
    assert response.status_code == 403
    assert not Pupil.objects.filter(upn=NEW_UPN).exists()


# --- changing a pupil -----------------------------------------------------------------------


def test_head_changes_a_pupils_details_and_upn(cast, api):
    new_upn = make_upn(801, 2001, 22, 777)
    response = api(cast.head).patch(
        f"/api/v1/pupils/{cast.ava.pk}/",
        {"preferred_forename": "Avie", "upn": new_upn},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["display_name"] == "Avie Archer"
    assert body["upn"] == new_upn
    assert body["former_upns"] == [cast.ava.upn]
    entry = AuditEntry.objects.filter(
        actor=cast.head, object_type="pupils.Pupil", object_id=str(cast.ava.pk)
    ).first()
    assert entry.before == {"preferred_forename": "", "upn": cast.ava.upn}
    assert entry.after == {"preferred_forename": "Avie", "upn": new_upn}


def test_changing_details_refuses_bad_values(cast, api):
    client = api(cast.head)
    errors = field_errors(
        client.patch(f"/api/v1/pupils/{cast.ava.pk}/", {"upn": cast.ben.upn}, format="json")
    )
    assert errors["upn"]["message"] == f"UPN {cast.ben.upn} belongs to another pupil."
    errors = field_errors(
        client.patch(f"/api/v1/pupils/{cast.ava.pk}/", {"date_of_birth": "2999-01-01"}, format="json")
    )
    assert errors["date_of_birth"]["value"] == "2999-01-01"
    errors = field_errors(client.patch(f"/api/v1/pupils/{cast.ava.pk}/", {}, format="json"))
    assert errors[None]["message"] == "Send at least one field to change."
    assert client.put(f"/api/v1/pupils/{cast.ava.pk}/", {"sex": "M"}, format="json").status_code == 405


@pytest.mark.parametrize("who", ["teacher", "ta", "governor", "parent", "senco", "subject_leader"])
def test_roles_without_edit_rights_cannot_change_details(cast, api, who):
    response = api(getattr(cast, who)).patch(
        f"/api/v1/pupils/{cast.ava.pk}/", {"legal_forename": "Eve"}, format="json"
    )
    assert response.status_code == 403
    cast.ava.refresh_from_db()
    assert cast.ava.legal_forename == "Ava"


# --- characteristics ------------------------------------------------------------------------


def test_posting_a_characteristics_change_opens_a_new_period(cast, api):
    effective = cast.year.starts_on + dt.timedelta(days=40)
    response = api(cast.head).post(
        f"/api/v1/pupils/{cast.ava.pk}/characteristics/",
        {"effective": effective.isoformat(), "fsm": False, "eal": True, "first_language": "pol"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["valid_from"] == effective.isoformat()
    assert (body["fsm"], body["eal"], body["first_language"], body["fsm_ever6"]) == (False, True, "POL", True)
    periods = list(CharacteristicsPeriod.objects.filter(pupil=cast.ava).order_by("valid_from"))
    assert [p.valid_to for p in periods] == [effective, None]
    entry = AuditEntry.objects.get(actor=cast.head, object_type="pupils.Pupil", object_id=str(cast.ava.pk))
    assert entry.before == {"eal": False, "first_language": "ENG", "fsm": True}
    assert "characteristics from" in entry.reason


def test_an_unchanged_characteristics_post_answers_200_and_writes_nothing(cast, api):
    response = api(cast.head).post(
        f"/api/v1/pupils/{cast.ava.pk}/characteristics/", {"fsm": True}, format="json"
    )
    assert response.status_code == 200
    assert CharacteristicsPeriod.objects.filter(pupil=cast.ava).count() == 1
    assert not AuditEntry.objects.filter(actor=cast.head).exists()


def test_a_characteristics_change_before_the_current_period_is_refused(cast, api):
    response = api(cast.head).post(
        f"/api/v1/pupils/{cast.ava.pk}/characteristics/",
        {"effective": "2001-01-01", "fsm": False},
        format="json",
    )
    errors = field_errors(response)
    assert errors["effective"]["value"] == "2001-01-01"
    assert "cannot take effect before it" in errors["effective"]["message"]
    errors = field_errors(
        api(cast.head).post(
            f"/api/v1/pupils/{cast.ava.pk}/characteristics/", {"effective": "2026-01-01"}, format="json"
        )
    )
    assert "at least one characteristic" in errors[None]["message"]
    errors = field_errors(
        api(cast.head).post(
            f"/api/v1/pupils/{cast.ava.pk}/characteristics/",
            {"sen_provision": "Q", "primary_need": "SLD", "secondary_need": "SLD"},
            format="json",
        )
    )
    assert errors["sen_provision"]["value"] == "Q"


def test_senco_may_change_sen_but_not_other_characteristics(cast, api):
    client = api(cast.senco)
    url = f"/api/v1/pupils/{cast.ben.pk}/characteristics/"
    refused = client.post(url, {"fsm": True}, format="json")
    assert refused.status_code == 403
    response = client.post(url, {"sen_provision": "E", "primary_need": "ASD"}, format="json")
    assert response.status_code in (200, 201), response.content
    assert response.json()["sen_provision"] == "E"
    assert audited(cast.senco, "pupils.Pupil", cast.ben.pk)


def test_analyst_may_change_fsm_but_not_sen(cast, api):
    client = api(cast.analyst)
    url = f"/api/v1/pupils/{cast.cara.pk}/characteristics/"
    assert client.post(url, {"sen_provision": "K"}, format="json").status_code == 403
    assert client.post(url, {"fsm": True}, format="json").status_code in (200, 201)


@pytest.mark.parametrize("who", ["teacher", "ta", "parent", "governor", "director", "placing"])
def test_roles_without_edit_rights_cannot_post_characteristics(cast, api, who):
    response = api(getattr(cast, who)).post(
        f"/api/v1/pupils/{cast.ava.pk}/characteristics/", {"fsm": False}, format="json"
    )
    assert response.status_code == 403
    assert CharacteristicsPeriod.objects.get(pupil=cast.ava).fsm is True


# --- enrolments -----------------------------------------------------------------------------


def test_enrol_and_end_an_enrolment(cast, api):
    client = api(cast.admin)
    start = cast.year.starts_on + dt.timedelta(days=3)
    response = client.post(
        "/api/v1/enrolments/",
        {"pupil": cast.cara.pk, "school": "100004", "start_date": start.isoformat(), "registration": "S"},
        format="json",
    )
    assert response.status_code == 201, response.content
    enrolment_id = response.json()["id"]
    assert response.json()["school"]["urn"] == "100004"
    assert audited(cast.admin, "pupils.Enrolment", enrolment_id, "create")
    again = client.post(
        "/api/v1/enrolments/",
        {"pupil": cast.cara.pk, "school": "100004", "start_date": start.isoformat()},
        format="json",
    )
    assert "already on roll" in field_errors(again)["school"]["message"]

    end = start + dt.timedelta(days=30)
    ended = client.post(
        f"/api/v1/enrolments/{enrolment_id}/end/",
        {"end_date": end.isoformat(), "leaving_reason": "placement_ended"},
        format="json",
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["end_date"] == end.isoformat()
    assert ended.json()["leaving_reason"] == "placement_ended"
    assert audited(cast.admin, "pupils.Enrolment", enrolment_id, "update")


def test_enrolling_refuses_an_unknown_or_self_placing_school(cast, api):
    client = api(cast.admin)
    body = {"pupil": cast.cara.pk, "school": "100004", "start_date": "2026-09-10"}
    errors = field_errors(
        client.post("/api/v1/enrolments/", {**body, "placing_school": "100004"}, format="json")
    )
    assert errors["placing_school"]["message"] == "A school cannot place a pupil with itself."
    errors = field_errors(
        client.post("/api/v1/enrolments/", {**body, "placing_school": "123456"}, format="json")
    )
    assert errors["placing_school"] == {
        "field": "placing_school",
        "value": "123456",
        "message": "No school with URN '123456'.",
    }
    errors = field_errors(client.post("/api/v1/enrolments/", {**body, "start_date": "soon"}, format="json"))
    assert errors["start_date"]["value"] == "soon"
    assert not Enrolment.objects.filter(pupil=cast.cara, school=cast.bridge).exists()


def test_ending_an_enrolment_refuses_bad_input(cast, api):
    enrolment = Enrolment.objects.get(pupil=cast.ben)
    client = api(cast.head)
    errors = field_errors(
        client.post(
            f"/api/v1/enrolments/{enrolment.pk}/end/",
            {"end_date": "2001-01-01", "leaving_reason": "transfer"},
            format="json",
        )
    )
    assert "before the start date" in errors["end_date"]["message"]
    errors = field_errors(
        client.post(
            f"/api/v1/enrolments/{enrolment.pk}/end/",
            {"end_date": "2030-01-01", "leaving_reason": "bored"},
            format="json",
        )
    )
    assert errors["leaving_reason"]["value"] == "bored"
    enrolment.refresh_from_db()
    assert enrolment.end_date is None


def test_enrolling_a_pupil_out_of_scope_or_at_another_school_is_refused(cast, api):
    client = api(cast.head)
    errors = field_errors(
        client.post(
            "/api/v1/enrolments/",
            {"pupil": cast.cara.pk, "school": "100001", "start_date": "2026-09-10"},
            format="json",
        )
    )
    assert errors["pupil"] == {
        "field": "pupil",
        "value": cast.cara.pk,
        "message": f"No pupil with id {cast.cara.pk}.",
    }
    errors = field_errors(
        client.post(
            "/api/v1/enrolments/",
            {"pupil": cast.ava.pk, "school": "100002", "start_date": "2026-09-10"},
            format="json",
        )
    )
    assert errors["school"]["value"] == "100002"


@pytest.mark.parametrize("who", ["teacher", "ta", "governor", "parent", "placing", "senco"])
def test_roles_without_edit_rights_cannot_enrol_or_end(cast, api, who):
    client = api(getattr(cast, who))
    response = client.post(
        "/api/v1/enrolments/",
        {"pupil": cast.ava.pk, "school": "100004", "start_date": "2026-09-10"},
        format="json",
    )
    assert response.status_code == 403
    enrolment = Enrolment.objects.get(pupil=cast.ava)
    response = client.post(
        f"/api/v1/enrolments/{enrolment.pk}/end/",
        {"end_date": "2030-01-01", "leaving_reason": "transfer"},
        format="json",
    )
    assert response.status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.end_date is None


# --- classes --------------------------------------------------------------------------------


def test_head_creates_a_class_and_sets_its_pupils_and_staff(cast, api):
    client = api(cast.head)
    response = client.post(
        "/api/v1/classes/",
        {
            "school": "100001",
            "academic_year": cast.year.start_year,
            "name": "Y3 Maths",
            "nc_year": 3,
            "subject": "Maths",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    class_id = response.json()["id"]
    assert response.json()["academic_year"] == cast.year.label
    assert audited(cast.head, "classes.TeachingGroup", class_id, "create")

    pupils = client.put(
        f"/api/v1/classes/{class_id}/pupils/", {"pupils": [cast.ava.pk, cast.ben.pk]}, format="json"
    )
    assert pupils.status_code == 200, pupils.content
    assert {p["id"] for p in pupils.json()["pupils"]} == {cast.ava.pk, cast.ben.pk}
    assert pupils.json()["pupil_count"] == 2
    assert audited(cast.head, "classes.TeachingGroup", class_id, "update")

    staff = client.put(
        f"/api/v1/classes/{class_id}/staff/",
        {"staff": [{"username": "teacher"}, {"username": "TA", "role": "teaching_assistant"}]},
        format="json",
    )
    assert staff.status_code == 200, staff.content
    assert {(s["username"], s["role"]) for s in staff.json()["staff"]} == {
        ("teacher", "teacher"),
        ("ta", "teaching_assistant"),
    }
    # the whole list: sending only the teacher removes the assistant
    staff = client.put(
        f"/api/v1/classes/{class_id}/staff/", {"staff": [{"username": "teacher"}]}, format="json"
    )
    assert [s["username"] for s in staff.json()["staff"]] == ["teacher"]
    assert AuditEntry.objects.filter(
        actor=cast.head, object_type="classes.GroupStaff", action="delete"
    ).exists()

    renamed = client.patch(f"/api/v1/classes/{class_id}/", {"name": "3 Maths"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "3 Maths"


def test_class_writes_refuse_bad_input(cast, api):
    client = api(cast.head)
    errors = field_errors(
        client.post(
            "/api/v1/classes/", {"school": "100001", "academic_year": 1990, "name": "Old"}, format="json"
        )
    )
    assert errors["academic_year"]["value"] == 1990
    errors = field_errors(
        client.post(
            "/api/v1/classes/",
            {"school": "100001", "academic_year": cast.year.start_year, "name": "3t"},
            format="json",
        )
    )
    assert "already has a class called" in errors["name"]["message"]
    errors = field_errors(client.patch(f"/api/v1/classes/{cast.class_3b.pk}/", {"name": "3T"}, format="json"))
    assert errors["name"]["value"] == "3T"
    errors = field_errors(
        client.put(
            f"/api/v1/classes/{cast.class_3t.pk}/pupils/",
            {"pupils": [cast.ava.pk, cast.cara.pk]},
            format="json",
        )
    )
    assert errors["pupils"]["message"] == f"No pupil with id {cast.cara.pk}."
    errors = field_errors(
        client.put(
            f"/api/v1/classes/{cast.class_3t.pk}/staff/",
            {"staff": [{"username": "teacher"}, {"username": "other_teacher"}, {"username": "governor"}]},
            format="json",
        )
    )
    assert set(errors) == {"staff.1.username", "staff.2.username"}
    assert errors["staff.1.username"]["value"] == "other_teacher"
    assert "No member of staff at Northfield Primary" in errors["staff.2.username"]["message"]
    errors = field_errors(
        client.put(
            f"/api/v1/classes/{cast.class_3t.pk}/staff/",
            {"staff": [{"username": "teacher", "role": "boss"}]},
            format="json",
        )
    )
    assert errors["staff.0.role"]["value"] == "boss"
    assert set(GroupMembership.objects.filter(group=cast.class_3t).values_list("pupil_id", flat=True)) == {
        cast.ava.pk
    }
    assert GroupStaff.objects.filter(group=cast.class_3t).count() == 2


@pytest.mark.parametrize("who", ["teacher", "ta", "governor", "parent", "senco", "analyst"])
def test_roles_without_class_rights_cannot_manage_classes(cast, api, who):
    client = api(getattr(cast, who))
    response = client.post(
        "/api/v1/classes/",
        {"school": "100001", "academic_year": cast.year.start_year, "name": "New"},
        format="json",
    )
    assert response.status_code == 403
    response = client.put(f"/api/v1/classes/{cast.class_3t.pk}/pupils/", {"pupils": []}, format="json")
    assert response.status_code == 403
    response = client.put(f"/api/v1/classes/{cast.class_3t.pk}/staff/", {"staff": []}, format="json")
    assert response.status_code == 403
    assert not TeachingGroup.objects.filter(name="New").exists()
    assert GroupMembership.objects.filter(group=cast.class_3t).exists()


def test_setting_the_same_staff_again_changes_and_audits_nothing(cast, api):
    from strides.classes.services import set_staff

    client = api(cast.head)
    url = f"/api/v1/classes/{cast.class_3t.pk}/staff/"
    wanted = {"staff": [{"username": "teacher"}, {"username": "ta", "role": "teaching_assistant"}]}
    assert client.put(url, wanted, format="json").status_code == 200
    before = AuditEntry.objects.count()
    assert client.put(url, wanted, format="json").status_code == 200
    assert AuditEntry.objects.count() == before
    # a role change is one update; the service is what the API calls
    set_staff(cast.head, cast.class_3t, [(cast.teacher, "teacher"), (cast.ta, "teacher")])
    assert AuditEntry.objects.count() == before + 1
    assert set(GroupStaff.objects.filter(group=cast.class_3t).values_list("user__username", "role")) == {
        ("teacher", "teacher"),
        ("ta", "teacher"),
    }
