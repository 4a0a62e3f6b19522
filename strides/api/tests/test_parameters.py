"""Every API route refuses a query parameter it does not take (400 naming it, with the accepted
ones), accepts those its OpenAPI operation documents, and accepts nothing else.

The routes are those of the role matrix (strides/access/tests/test_matrix.py) under /api/, filled
with the same cast objects, and asked as the trust admin, who may read every one of them.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from strides.access.tests.test_matrix import ROUTES, Route, World, audit_count, build_url, target_for
from strides.api.parameters import CheckedParametersMixin

pytestmark = pytest.mark.django_db

# API routes that are not endpoints, with the reason.
NOT_ENDPOINTS = {"api:docs": "the reference page: HTML for people, drawn from the schema"}

API_ROUTES = [route for route in ROUTES if route.is_api and route.label not in NOT_ENDPOINTS]


def view_class(route: Route) -> type:
    return getattr(route.callback, "cls", None) or route.callback.view_class


@cache
def documented() -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """(path pattern, method, query parameters) of every operation in the published schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        pattern = re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)))
        for method, operation in item.items():
            names = frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            operations.append((pattern, method.upper(), names))
    return operations


def documented_for(url: str, method: str, route: Route) -> frozenset[str]:
    for pattern, documented_method, names in documented():
        if documented_method == method and pattern.fullmatch(url):
            return names
    # left out of the schema (the schema itself, the API root): the view says what it takes
    return frozenset(view_class(route).query_parameters)


@pytest.fixture
def api_as():
    """``api_as(user)``: a token client asking for JSON (the schema answers YAML by default)."""
    from strides.testing.api import api_client

    def client_for(user) -> APIClient:
        return api_client(user, "parameters", HTTP_ACCEPT="application/json")

    return client_for


def test_every_api_route_is_checked():
    unchecked = [
        f"{route.label} {route.path}"
        for route in API_ROUTES
        if not issubclass(view_class(route), CheckedParametersMixin)
    ]
    assert not unchecked, (
        "API views that would silently ignore unknown query parameters (use StridesApiMixin, or "
        "CheckedParametersMixin from strides.api.parameters):\n  " + "\n  ".join(unchecked)
    )


def refused_as_unknown(response, name: str) -> bool:
    if response.status_code != 400:
        return False
    return any(e["field"] == name and "Unknown parameter" in e["message"] for e in response.json()["errors"])


@pytest.mark.parametrize("route", API_ROUTES, ids=[route.label for route in API_ROUTES])
def test_unknown_parameters_answer_400_and_documented_ones_are_taken(route, cast, api_as):
    world = World(cast)
    targets = {keyword: target_for(route, keyword) for keyword in route.kwargs}
    url = build_url(route, {keyword: target.value(world) for keyword, target in targets.items()})
    # the trust admin may read every route; only the head submits a school's drop
    for user in (cast.admin, cast.head):
        admin_api = api_as(user)
        plain = admin_api.get(url)
        if plain.status_code != 403:
            break
    if plain.status_code == 405:  # a write-only route: its writes refuse them too, writing nothing
        method = next(m for m in ("POST", "PUT", "PATCH", "DELETE") if m in plain["Allow"])
        before = audit_count()
        response = admin_api.generic(method, f"{url}?nonsense=1", "{}", content_type="application/json")
        assert refused_as_unknown(response, "nonsense"), (url, response.status_code, response.content)
        assert audit_count() == before
        return
    assert plain.status_code == 200, (url, plain.status_code, plain.content[:300])

    response = admin_api.get(url, {"nonsense": "1", "dimension": "sen"})
    assert response.status_code == 400, (url, response.content[:300])
    body = response.json()
    accepted = documented_for(url, "GET", route)
    unknown = {"nonsense", "dimension"}
    assert {(e["field"], e["value"]) for e in body["errors"]} == {("nonsense", "1"), ("dimension", "sen")}
    assert body["detail"] == "Unknown parameters: dimension, nonsense."
    assert body["accepted"] == sorted(accepted)
    for error in body["errors"]:
        assert error["field"] in unknown and "Unknown parameter" in error["message"]
        for name in accepted:
            assert name in error["message"]

    for name in accepted:  # a documented parameter may be refused for its value, never as unknown
        answer = admin_api.get(url, {name: "1"})
        assert answer.status_code < 500 and not refused_as_unknown(answer, name), (url, name)


def test_signed_out_or_refused_callers_get_the_same_answer_whatever_they_add(cast, api):
    """Sign-in and the access rule come first: an unknown parameter tells a stranger nothing."""
    assert APIClient().get("/api/v1/pupils/?nonsense=1").status_code == 401
    # a governor holds view_aggregates; a parent does not: not found, as without the parameter
    assert api(cast.parent).get("/api/v1/analytics/attainment/?nonsense=1").status_code == 404
    assert api(cast.teacher).get(f"/api/v1/pupils/{cast.cara.pk}/?nonsense=1").status_code == 400
    assert api(cast.teacher).get(f"/api/v1/pupils/{cast.cara.pk}/").status_code == 404


def test_a_list_takes_its_filters_and_pages_a_detail_none(cast, api):
    client = api(cast.head)
    assert client.get("/api/v1/pupils/", {"search": "ava", "page": "1"}).status_code == 200
    response = client.get(f"/api/v1/pupils/{cast.ava.pk}/", {"search": "ava"})
    assert response.status_code == 400
    assert response.json()["accepted"] == []
    assert "takes no query parameters" in response.json()["errors"][0]["message"]
