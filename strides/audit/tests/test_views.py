"""Audit log search: trust admins only; filters, the before/after table, pagination, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from strides.accounts import services as accounts
from strides.accounts.roles import Role
from strides.audit.models import AuditEntry
from strides.classes import services as classes

pytestmark = pytest.mark.django_db

SEARCH = reverse("audit:search")


def found(response) -> list[AuditEntry]:
    return [entry for entry, _, _ in response.context["rows"]]


@pytest.mark.parametrize(
    "name",
    [
        "analyst",
        "eap",
        "director",
        "head",
        "senior",
        "senco",
        "subject_leader",
        "teacher",
        "ta",
        "governor",
        "other_teacher",
        "placing",
        "parent",
    ],
)
def test_only_trust_admins_may_search(client_for, cast, name):
    assert client_for(cast.users[name]).get(SEARCH).status_code == 403


def test_signed_out_goes_to_sign_in(client, cast):
    assert client.get(SEARCH)["Location"].startswith(reverse("accounts:login"))


def test_newest_first_unfiltered(client_for, cast):
    response = client_for(cast.admin).get(SEARCH)
    assert response.status_code == 200
    entries = found(response)
    assert len(entries) == 50
    assert entries[0].at >= entries[-1].at
    assert response.context["page"].paginator.count == AuditEntry.objects.count()


def test_find_a_role_grant_by_reason_type_action_actor_and_school(client_for, cast):
    accounts.grant_role(cast.admin, cast.ta, Role.SENCO, cast.trust, cast.north)
    client = client_for(cast.admin)
    response = client.get(
        SEARCH,
        {
            "q": "role granted",
            "object_type": "accounts.Membership",
            "action": "create",
            "actor": "admin",
            "school": cast.north.pk,
        },
    )
    entries = found(response)
    assert len(entries) == 1
    assert entries[0].after == {"user": "ta", "role": "senco", "school": "100001"}
    html = response.content.decode()
    assert "Membership (accounts)" in html
    assert "<td>senco</td>" in html  # the after value in the diff table
    assert "Northfield Primary" in html


def test_text_matches_object_names(client_for, cast):
    response = client_for(cast.admin).get(SEARCH, {"q": "Riverside"})
    assert found(response)
    assert all("Riverside" in e.object_repr or "Riverside" in e.reason for e in found(response))


def test_an_update_shows_what_changed(client_for, cast):
    classes.update_group(cast.head, cast.class_3t, name="3 Tigers")
    response = client_for(cast.admin).get(
        SEARCH, {"action": "update", "object_type": "classes.TeachingGroup"}
    )
    entry, _, diff = response.context["rows"][0]
    assert entry.actor_id == cast.head.pk
    changed = [row for row in diff if row.changed]
    assert [(row.field, row.before, row.after) for row in changed] == [("name", "3T", "3 Tigers")]
    assert "changed" in response.content.decode()


def test_date_range(client_for, cast):
    client = client_for(cast.admin)
    today = timezone.localdate()
    assert found(client.get(SEARCH, {"since": today.isoformat(), "until": today.isoformat()}))
    tomorrow = today + dt.timedelta(days=1)
    response = client.get(SEARCH, {"since": tomorrow.isoformat()})
    assert response.context["page"].paginator.count == 0
    assert "No entry matches." in response.content.decode()


def test_bad_filters_are_named_not_ignored(client_for, cast):
    client = client_for(cast.admin)
    response = client.get(SEARCH, {"since": "2026-05-02", "until": "2026-05-01"})
    html = response.content.decode()
    assert "The end date 01/05/2026 is before the start 02/05/2026." in html
    assert response.context["page"].paginator.count == 0
    response = client.get(SEARCH, {"school": cast.hillside.pk})  # outside the trust
    assert response.context["form"].errors["school"]
    response = client.get(SEARCH, {"since": "yesterday"})
    assert "From “yesterday”" in response.content.decode()


def test_pages(client_for, cast):
    client = client_for(cast.admin)
    total = AuditEntry.objects.count()
    assert total > 50
    response = client.get(SEARCH, {"actor": "system", "page": "2"})
    assert response.context["page"].number == 2
    assert "actor=system&amp;page=1" in response.content.decode()


def test_query_count_is_pinned(client_for, cast, django_assert_max_num_queries):
    for n in range(60):
        classes.create_group(cast.admin, cast.river, cast.year, f"Group {n}")
    client = client_for(cast.admin)
    with django_assert_max_num_queries(12):
        response = client.get(SEARCH, {"school": cast.river.pk})
    assert len(found(response)) == 50
