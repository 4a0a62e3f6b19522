"""How a signed-in user is refused a route whose capability they hold nowhere (ADR 2, amendment):
pages of pupils answer "not found", exactly like a pupil out of scope; a role's tools answer a
plain 403. The role matrix checks every route; these pin the pages the trial found answering 403.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from strides.access.rules import AccessRule
from strides.access.tests.test_matrix import World
from strides.accounts.roles import Capability

pytestmark = pytest.mark.django_db

NOT_FOUND = "Page not found"


def pupil_pages(world: World) -> dict[str, tuple[str, str]]:
    """name -> (url of a real object, url of a missing one)."""
    cast, drop = world.cast, world.autumn_drop
    return {
        "class page": (
            reverse("classes:class_detail", kwargs={"group_id": cast.class_3t.pk}),
            reverse("classes:class_detail", kwargs={"group_id": 987654321}),
        ),
        "pupil search": (reverse("pupils:search") + "?q=ava", reverse("pupils:search") + "?q=nobody"),
        "the grid": (
            reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": cast.class_3t.pk}),
            reverse("assessment:grid", kwargs={"drop_slug": drop.slug, "group_id": 987654321}),
        ),
        "the grid's classes": (
            reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug}),
            reverse("assessment:grid_index", kwargs={"drop_slug": "no-such-drop"}),
        ),
    }


@pytest.mark.parametrize("who", ["governor", "parent", "director"])
def test_pupil_pages_are_not_found_for_roles_that_cannot_read_them(cast, client_for, who):
    client = client_for(cast.users[who])
    for name, (url, missing) in pupil_pages(World(cast)).items():
        response = client.get(url)
        assert response.status_code == 404, (who, name)
        assert NOT_FOUND in response.content.decode(), (who, name)
        # indistinguishable from a class, drop or pupil that does not exist
        assert client.get(missing).status_code == 404, (who, name)
        assert client.post(url, {}).status_code == 404, (who, name)


def test_a_parent_still_sees_their_childs_pages(cast, client_for):
    client = client_for(cast.parent)
    assert client.get(reverse("pupils:profile", kwargs={"pupil_id": cast.ava.pk})).status_code == 200


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("governor", "classes_manage:index"),
        ("teacher", "accounts_manage:list"),
        ("parent", "accounts:tokens"),
        ("governor", "frameworks:list"),  # reference pages of those who record: no pupil on them
    ],
)
def test_tools_a_role_lacks_keep_a_plain_403(cast, client_for, who, url):
    response = client_for(cast.users[who]).get(reverse(url))
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()


@pytest.mark.parametrize("who", ["parent", "ta", "placing"])
def test_the_api_answers_not_found_to_roles_without_aggregates(cast, who):
    """The analytics API's aggregates, for roles that see no aggregates: 404 like the pages."""
    client = APIClient()
    client.force_authenticate(cast.users[who])
    response = client.get("/api/v1/analytics/attainment/")
    assert response.status_code == 404
    assert response.json() == client.get("/api/v1/pupils/987654321/").json()
    # the trust's benchmark is a tool of the trust: a plain refusal
    assert client.get("/api/v1/analytics/benchmark/").status_code == 403


def test_signed_out_callers_are_still_asked_to_sign_in(cast):
    assert APIClient().get("/api/v1/analytics/attainment/").status_code == 401


def test_a_rule_says_whether_it_shows_pupils():
    assert AccessRule(Capability.VIEW_PUPILS).shows_pupil_data
    assert AccessRule(Capability.SEARCH_PUPILS).shows_pupil_data
    assert AccessRule(Capability.RECORD_ASSESSMENT, object_scoped=True).shows_pupil_data
    assert AccessRule(Capability.VIEW_AGGREGATES).shows_pupil_data
    assert not AccessRule(Capability.MANAGE_USERS).shows_pupil_data
    assert not AccessRule(Capability.EDIT_PUPILS, object_scoped=True).shows_pupil_data
    assert not AccessRule(Capability.RECORD_ASSESSMENT, pupil_data=False).shows_pupil_data
    assert not AccessRule(None).shows_pupil_data
