"""The gate decides what each role sees through the API; out of scope answers 404 like missing."""

from __future__ import annotations

import pytest

from strides.api.tests.conftest import ids, names
from strides.pupils.models import Enrolment

pytestmark = pytest.mark.django_db


def detail_urls(cast) -> dict[str, str]:
    """One URL per endpoint that shows something of Ava (a north pupil)."""
    enrolment = Enrolment.objects.get(pupil=cast.ava)
    return {
        "pupil": f"/api/v1/pupils/{cast.ava.pk}/",
        "characteristics": f"/api/v1/pupils/{cast.ava.pk}/characteristics/",
        "characteristics as at": f"/api/v1/pupils/{cast.ava.pk}/characteristics/?as_at={cast.today}",
        "class": f"/api/v1/classes/{cast.class_3t.pk}/",
        "enrolment": f"/api/v1/enrolments/{enrolment.pk}/",
        "school": f"/api/v1/schools/{cast.north.pk}/",
    }


def test_rivers_teacher_gets_404_for_north_pupil_class_and_enrolment(cast, api):
    client = api(cast.other_teacher)
    missing = client.get("/api/v1/pupils/999999/")
    assert missing.status_code == 404
    for what, url in detail_urls(cast).items():
        response = client.get(url)
        assert response.status_code == 404, what
        # exactly what a missing pupil looks like
        assert response.json() == missing.json() == {"detail": "Not found"}, what
    # and what they do see
    assert names(client.get("/api/v1/pupils/")) == {"Cara"}
    assert ids(client.get("/api/v1/classes/")) == {cast.class_8r.pk}
    assert {r["pupil"]["id"] for r in client.get("/api/v1/enrolments/").json()["results"]} == {cast.cara.pk}
    assert client.get(f"/api/v1/pupils/{cast.cara.pk}/").status_code == 200


def test_filters_cannot_widen_the_scope(cast, api):
    client = api(cast.other_teacher)
    assert names(client.get("/api/v1/pupils/?school=100001")) == set()
    assert names(client.get(f"/api/v1/pupils/?search={cast.ava.upn}")) == set()
    assert client.get(f"/api/v1/enrolments/?pupil={cast.ava.pk}").json()["count"] == 0
    assert client.get("/api/v1/classes/?school=100001").json()["count"] == 0


def test_writes_to_another_schools_pupil_answer_404_not_403(cast, api):
    # a north head may edit pupils, but river's Cara is not in their scope
    client = api(cast.head)
    cara_enrolment = Enrolment.objects.get(pupil=cast.cara)
    assert client.patch(f"/api/v1/pupils/{cast.cara.pk}/", {"sex": "M"}, format="json").status_code == 404
    response = client.post(f"/api/v1/pupils/{cast.cara.pk}/characteristics/", {"fsm": True}, format="json")
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/enrolments/{cara_enrolment.pk}/end/",
        {"end_date": "2030-01-01", "leaving_reason": "transfer"},
        format="json",
    )
    assert response.status_code == 404
    response = client.put(f"/api/v1/classes/{cast.class_8r.pk}/pupils/", {"pupils": []}, format="json")
    assert response.status_code == 404
    response = client.put(f"/api/v1/classes/{cast.class_8r.pk}/staff/", {"staff": []}, format="json")
    assert response.status_code == 404
    response = client.patch(f"/api/v1/classes/{cast.class_8r.pk}/", {"name": "8Z"}, format="json")
    assert response.status_code == 404
    assert client.get(f"/api/v1/schools/{cast.river.pk}/").status_code == 404


def test_eap_sees_only_assigned_schools(cast, api):
    client = api(cast.eap)
    assert names(client.get("/api/v1/pupils/")) == {"Ava", "Ben"}
    assert {r["urn"] for r in client.get("/api/v1/schools/").json()["results"]} == {"100001"}
    assert client.get(f"/api/v1/pupils/{cast.cara.pk}/").status_code == 404


def test_parent_sees_only_their_child_and_cannot_write(cast, api):
    client = api(cast.parent)
    assert names(client.get("/api/v1/pupils/")) == {"Ava"}
    assert client.get(f"/api/v1/pupils/{cast.ava.pk}/").status_code == 200
    assert client.get(f"/api/v1/pupils/{cast.ava.pk}/characteristics/").status_code == 200
    assert client.get(f"/api/v1/pupils/{cast.ben.pk}/").status_code == 404
    assert {r["pupil"]["id"] for r in client.get("/api/v1/enrolments/").json()["results"]} == {cast.ava.pk}
    assert client.get("/api/v1/classes/").json()["count"] == 0
    assert client.get("/api/v1/schools/").json()["count"] == 0
    response = client.patch(f"/api/v1/pupils/{cast.ava.pk}/", {"preferred_forename": "Av"}, format="json")
    assert response.status_code == 403
    response = client.post(f"/api/v1/pupils/{cast.ava.pk}/characteristics/", {"fsm": False}, format="json")
    assert response.status_code == 403


def test_placing_contact_sees_only_the_pupil_placed_now(cast, api):
    client = api(cast.placing)
    assert names(client.get("/api/v1/pupils/")) == {"Dev"}
    assert client.get(f"/api/v1/pupils/{cast.dev.pk}/").status_code == 200
    # Eli's placement has ended: the door is closed
    assert client.get(f"/api/v1/pupils/{cast.eli.pk}/").status_code == 404
    assert client.get(f"/api/v1/pupils/{cast.ava.pk}/").status_code == 404
    assert {r["pupil"]["id"] for r in client.get("/api/v1/enrolments/").json()["results"]} == {cast.dev.pk}
    eli_enrolment = Enrolment.objects.get(pupil=cast.eli)
    assert client.get(f"/api/v1/enrolments/{eli_enrolment.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["governor", "director"])
def test_aggregate_roles_get_no_named_pupil(cast, api, who):
    client = api(getattr(cast, who))
    pupils = client.get("/api/v1/pupils/")
    assert pupils.status_code == 200
    assert pupils.json()["count"] == 0
    assert client.get("/api/v1/enrolments/").json()["count"] == 0
    assert client.get("/api/v1/classes/").json()["count"] == 0
    for what, url in detail_urls(cast).items():
        if what == "school":
            continue  # a school itself is an aggregate: governors and directors may open it
        assert client.get(url).status_code == 404, what
    assert client.get(f"/api/v1/schools/{cast.north.pk}/").status_code == 200


def test_teacher_sees_only_their_class_pupils(cast, api):
    client = api(cast.teacher)
    assert names(client.get("/api/v1/pupils/")) == {"Ava"}
    assert client.get(f"/api/v1/pupils/{cast.ben.pk}/").status_code == 404
    assert client.get(f"/api/v1/classes/{cast.class_3b.pk}/").status_code == 404


def test_every_api_view_declares_and_enforces_an_access_rule(cast):
    from django.urls import URLPattern, URLResolver, get_resolver

    from strides.access.rules import rule_of
    from strides.api.permissions import AccessRulePermission

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    api_routes = [
        (route, callback)
        for route, callback in walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    ]
    assert len(api_routes) >= 10
    for route, callback in api_routes:
        assert rule_of(callback) is not None, route
        view_class = getattr(callback, "cls", None)
        if view_class is not None:  # DRF views enforce the rule with the permission class (or its kin)
            assert any(issubclass(p, AccessRulePermission) for p in view_class.permission_classes), route
        assert "<format>" not in route and "(?P<format>" not in route, route
