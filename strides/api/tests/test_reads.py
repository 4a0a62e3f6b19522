"""Lists, details, filters and pagination of every collection, with their query counts pinned."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.api.tests.conftest import ids, names
from strides.classes import services as classes
from strides.organisations.models import Region
from strides.organisations.services import update_school
from strides.pupils import services as pupils
from strides.pupils.models import Enrolment
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def add_pupils(cast, school, count: int, nc_year: int = 4, start_serial: int = 100) -> list[str]:
    records = [
        pupils.PupilRecord(
            upn=make_upn(int(school.la_code), int(school.establishment_number), 21, start_serial + n),
            legal_forename=f"Extra{n}",
            legal_surname="Pupil",
            date_of_birth=dt.date(2016, 1, 1),
            sex="F",
            characteristics={"nc_year": nc_year, "sen_provision": "K" if n % 2 else "N"},
            enrolment_start=cast.year.starts_on,
        )
        for n in range(count)
    ]
    pupils.upsert_pupils(None, school, records, effective=cast.year.starts_on)
    return [r.upn for r in records]


# --- schools --------------------------------------------------------------------------------


def test_schools_list_and_detail(cast, api):
    client = api(cast.admin)
    response = client.get("/api/v1/schools/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4  # hillside is outside the trust
    north = next(row for row in body["results"] if row["urn"] == "100001")
    assert north == {
        "id": cast.north.pk,
        "urn": "100001",
        "name": "Northfield Primary",
        "la_code": "801",
        "establishment_number": "2001",
        "laestab": "8012001",
        "type": "primary",
        "type_label": "Mainstream primary",
        "phase": "primary",
        "phase_label": "Primary",
        "region": None,
        "joined_trust_on": "2018-09-01",
    }
    detail = client.get(f"/api/v1/schools/{cast.river.pk}/")
    assert detail.status_code == 200
    assert detail.json()["name"] == "Riverside Secondary"
    assert client.get(f"/api/v1/schools/{cast.hillside.pk}/").status_code == 404
    assert client.get("/api/v1/schools/999999/").status_code == 404
    assert client.get("/api/v1/schools/not-a-number/").status_code == 404


def test_school_filters(cast, api):
    region = Region.objects.create(trust=cast.trust, name="North East")
    update_school(None, cast.oak, region=region)
    client = api(cast.admin)

    def urns(query: str) -> set[str]:
        response = client.get(f"/api/v1/schools/?{query}")
        assert response.status_code == 200, response.content
        return {row["urn"] for row in response.json()["results"]}

    assert urns("type=special") == {"100003"}
    assert urns("phase=secondary") == {"100002", "100004"}
    assert urns("region=north%20east") == {"100003"}
    assert urns(f"region={region.pk}") == {"100003"}
    assert urns("search=river") == {"100002"}
    assert urns("search=100004") == {"100004"}
    assert urns("type=secondary&phase=secondary") == {"100002"}
    response = client.get("/api/v1/schools/?type=grammar")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "type"
    assert response.json()["errors"][0]["value"] == "grammar"


def test_school_roles_see_their_own_school_only(cast, api):
    for user in (cast.head, cast.teacher, cast.governor):
        assert {row["urn"] for row in api(user).get("/api/v1/schools/").json()["results"]} == {"100001"}
    assert api(cast.other_teacher).get(f"/api/v1/schools/{cast.north.pk}/").status_code == 404
    assert api(cast.parent).get("/api/v1/schools/").json()["count"] == 0


def test_schools_list_query_count_is_pinned(cast, api, django_assert_max_num_queries):
    client = api(cast.director)
    # token, scope (memberships, officers, trust schools), count, page
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/schools/").status_code == 200


# --- pupils ---------------------------------------------------------------------------------


def test_pupil_list_shows_names_year_sen_and_schools(cast, api):
    response = api(cast.head).get("/api/v1/pupils/")
    assert response.status_code == 200
    rows = {row["legal_forename"]: row for row in response.json()["results"]}
    assert set(rows) == {"Ava", "Ben"}
    assert rows["Ben"]["upn"] == cast.ben.upn
    assert rows["Ben"]["nc_year"] == 3
    assert rows["Ben"]["sen_provision"] == "K"
    assert rows["Ava"]["schools"] == ["100001"]


def test_pupil_detail_has_current_characteristics_and_enrolments(cast, api):
    response = api(cast.admin).get(f"/api/v1/pupils/{cast.dev.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["upn"] == cast.dev.upn
    assert body["display_name"] == "Dev Dhillon"
    assert body["characteristics"]["nc_year"] == 10
    assert body["characteristics"]["ethnicity"] == "AIND"
    assert body["characteristics"]["valid_to"] is None
    [enrolment] = body["enrolments"]
    assert enrolment["school"]["urn"] == "100004"
    assert enrolment["placing_school"]["urn"] == "100009"
    assert enrolment["registration"] == "S"
    assert enrolment["current"] is True


def test_pupil_filters(cast, api):
    client = api(cast.admin)

    def who(query: str) -> set[str]:
        response = client.get(f"/api/v1/pupils/?{query}")
        assert response.status_code == 200, response.content
        return names(response)

    assert who("school=100001") == {"Ava", "Ben"}
    assert who("school=100004") == {"Dev"}  # eli's placement has ended
    assert who("nc_year=10") == {"Dev", "Eli"}
    assert who("sen_provision=E") == {"Fay"}
    assert who("school=100001&sen_provision=K") == {"Ben"}
    assert who("search=ava") == {"Ava"}
    assert who("search=carter") == {"Cara"}
    assert who(f"search={cast.fay.upn.lower()}") == {"Fay"}
    # on roll on a day: before Eli's placement ended she was at Bridge
    placement_day = (cast.year.starts_on - dt.timedelta(days=60)).isoformat()
    assert who(f"school=100004&on_roll={placement_day}") == {"Eli"}
    assert who(f"on_roll={placement_day}") == {"Eli"}
    assert who("school=999999") == set()


def test_pupil_filters_reject_bad_values_naming_them(cast, api):
    response = api(cast.admin).get("/api/v1/pupils/?nc_year=three&on_roll=2025-13-45")
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["nc_year"]["value"] == "three"
    assert errors["on_roll"]["value"] == "2025-13-45"
    assert errors["on_roll"]["message"]


def test_pupils_are_paginated_fifty_a_page(cast, api):
    add_pupils(cast, cast.north, 60)
    client = api(cast.head)
    first = client.get("/api/v1/pupils/").json()
    assert first["count"] == 62
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/pupils/?page=2")
    second = client.get("/api/v1/pupils/?page=2").json()
    assert len(second["results"]) == 12
    assert second["next"] is None
    assert not ({r["id"] for r in first["results"]} & {r["id"] for r in second["results"]})
    missing = client.get("/api/v1/pupils/?page=9")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Invalid page."


def test_pupil_list_does_no_query_per_row(
    cast, api, django_assert_max_num_queries, django_assert_num_queries
):
    client = api(cast.admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/")  # the first request of a token also records when it was last used
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/pupils/")
    add_pupils(cast, cast.north, 40)
    with django_assert_num_queries(len(few)):
        response = client.get("/api/v1/pupils/?school=100001")
    assert response.json()["count"] == 42
    # token, scope (memberships, officers, trust schools), count, page, periods, enrolments
    with django_assert_max_num_queries(8):
        client.get("/api/v1/pupils/?search=extra")


def test_pupil_detail_query_count_is_pinned(cast, api, django_assert_max_num_queries):
    client = api(cast.head)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/pupils/{cast.ava.pk}/").status_code == 200


# --- characteristics history ----------------------------------------------------------------


def test_characteristics_history_and_as_at(cast, api):
    start = cast.year.starts_on
    change_day = start + dt.timedelta(days=20)
    pupils.change_characteristics(None, cast.ava, {"fsm": False}, effective=change_day)
    client = api(cast.teacher)
    history = client.get(f"/api/v1/pupils/{cast.ava.pk}/characteristics/")
    assert history.status_code == 200
    periods = history.json()
    assert [(p["valid_from"], p["valid_to"], p["fsm"]) for p in periods] == [
        (start.isoformat(), change_day.isoformat(), True),
        (change_day.isoformat(), None, False),
    ]
    before = client.get(f"/api/v1/pupils/{cast.ava.pk}/characteristics/?as_at={start + dt.timedelta(days=5)}")
    assert before.status_code == 200
    assert before.json()["fsm"] is True
    on_the_day = client.get(f"/api/v1/pupils/{cast.ava.pk}/characteristics/?as_at={change_day}")
    assert on_the_day.json()["fsm"] is False


def test_characteristics_as_at_before_any_record_and_bad_dates(cast, api):
    client = api(cast.head)
    url = f"/api/v1/pupils/{cast.ava.pk}/characteristics/"
    early = client.get(f"{url}?as_at=2001-01-01")
    assert early.status_code == 404
    assert "01/01/2001" in early.json()["detail"]
    bad = client.get(f"{url}?as_at=yesterday")
    assert bad.status_code == 400
    assert bad.json()["errors"][0] == {
        "field": "as_at",
        "value": "yesterday",
        "message": bad.json()["errors"][0]["message"],
    }


# --- enrolments -----------------------------------------------------------------------------


def test_enrolments_list_detail_and_filters(cast, api):
    client = api(cast.admin)
    everything = client.get("/api/v1/enrolments/")
    assert everything.status_code == 200
    assert everything.json()["count"] == 6
    eli_enrolment = Enrolment.objects.get(pupil=cast.eli)
    at_bridge = client.get("/api/v1/enrolments/?school=100004").json()["results"]
    assert {row["pupil"]["display_name"] for row in at_bridge} == {"Dev Dhillon", "Eli Ellis"}
    current = client.get("/api/v1/enrolments/?school=100004&current=true").json()["results"]
    assert [row["pupil"]["id"] for row in current] == [cast.dev.pk]
    ended = client.get("/api/v1/enrolments/?current=false").json()["results"]
    assert [row["id"] for row in ended] == [eli_enrolment.pk]
    assert ended[0]["leaving_reason"] == "placement_ended"
    assert ended[0]["current"] is False
    by_pupil = client.get(f"/api/v1/enrolments/?pupil={cast.ava.pk}").json()["results"]
    assert [row["school"]["urn"] for row in by_pupil] == ["100001"]
    detail = client.get(f"/api/v1/enrolments/{eli_enrolment.pk}/")
    assert detail.status_code == 200
    assert detail.json()["placing_school"]["urn"] == "100009"
    bad = client.get("/api/v1/enrolments/?current=perhaps")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "current"


def test_enrolments_list_query_count_is_pinned(cast, api, django_assert_num_queries):
    client = api(cast.head)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/")  # the first request of a token also records when it was last used
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/enrolments/")
    assert len(few) <= 6  # token, scope (memberships, officers), count, page
    add_pupils(cast, cast.north, 30)
    with django_assert_num_queries(len(few)):
        assert client.get("/api/v1/enrolments/").json()["count"] == 32


# --- classes --------------------------------------------------------------------------------


def test_classes_list_detail_and_filters(cast, api):
    client = api(cast.head)
    listing = client.get("/api/v1/classes/")
    assert listing.status_code == 200
    assert {row["name"] for row in listing.json()["results"]} == {"3T", "3B"}
    row = next(r for r in listing.json()["results"] if r["name"] == "3T")
    assert row["pupil_count"] == 1
    assert row["academic_year"] == cast.year.label
    assert row["school"]["urn"] == "100001"
    detail = client.get(f"/api/v1/classes/{cast.class_3t.pk}/").json()
    assert [p["display_name"] for p in detail["pupils"]] == ["Ava Archer"]
    assert {(s["username"], s["role"]) for s in detail["staff"]} == {
        ("teacher", "teacher"),
        ("ta", "teaching_assistant"),
    }
    admin = api(cast.admin)
    assert {r["name"] for r in admin.get("/api/v1/classes/?school=100002").json()["results"]} == {"8R"}
    this_year = admin.get(f"/api/v1/classes/?academic_year={cast.year.start_year}").json()
    assert this_year["count"] == 3
    assert admin.get(f"/api/v1/classes/?academic_year={cast.year.start_year - 1}").json()["count"] == 0


def test_teacher_sees_only_their_own_classes(cast, api):
    client = api(cast.teacher)
    assert ids(client.get("/api/v1/classes/")) == {cast.class_3t.pk}
    assert client.get(f"/api/v1/classes/{cast.class_3b.pk}/").status_code == 404


def test_classes_list_query_count_is_pinned(cast, api, django_assert_num_queries):
    client = api(cast.admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/")  # the first request of a token also records when it was last used
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/classes/")
    assert len(few) <= 7
    for n in range(12):
        classes.create_group(None, cast.river, cast.year, f"9X{n}", nc_year=9)
    with django_assert_num_queries(len(few)):
        assert client.get("/api/v1/classes/").json()["count"] == 15


def test_class_detail_query_count_is_pinned(cast, api, django_assert_max_num_queries):
    client = api(cast.head)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/classes/{cast.class_3t.pk}/").status_code == 200
