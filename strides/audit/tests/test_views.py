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
    # every entry the admin may read (ADR 12): their trust's schools and the trust's own, not
    # those filed under a placing school outside any trust
    readable = AuditEntry.objects.exclude(school__isnull=False, school__trust__isnull=True)
    assert response.context["page"].paginator.count == readable.count() < AuditEntry.objects.count()


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
    assert "Role: " in html and "(accounts)" not in html
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


def test_kinds_of_record_have_the_names_people_use():
    from strides.audit.views import object_type_label

    assert object_type_label("accounts.Membership") == "Role"
    assert object_type_label("accounts.ParentLink") == "Parent link"
    assert object_type_label("classes.TeachingGroup") == "Class"
    assert object_type_label("pupils.Pupil") == "Pupil"
    assert object_type_label("pupils.Enrolment") == "Enrolment"
    assert object_type_label("organisations.School") == "School"
    assert object_type_label("gone.Model") == "gone.Model"


def test_the_kind_filter_lists_readable_names(client_for, cast):
    html = client_for(cast.admin).get(SEARCH).content.decode()
    assert '<option value="classes.TeachingGroup">Class</option>' in html
    assert "(organisations)" not in html and "(accounts)" not in html


# --- sign-in attempts ----------------------------------------------------------------------------

SIGN_INS = reverse("audit:sign_ins")


def fail_sign_ins(client, user, times: int) -> None:
    from strides.accounts.tests.helpers import sign_in

    for attempt in range(times):
        sign_in(client, user, f"wrong-{attempt}")


@pytest.mark.parametrize("name", ["analyst", "director", "head", "teacher", "parent", "placing"])
def test_only_trust_admins_see_sign_in_attempts(client_for, cast, name):
    assert client_for(cast.users[name]).get(SIGN_INS).status_code == 403


def test_sign_in_attempts_show_failures_and_lockouts(client, client_for, cast, settings):
    fail_sign_ins(client, cast.teacher, settings.AXES_FAILURE_LIMIT)
    fail_sign_ins(client, cast.senco, 2)
    admin = client_for(cast.admin)
    audit_page = admin.get(SEARCH).content.decode()
    assert f'href="{SIGN_INS}"' in audit_page
    response = admin.get(SIGN_INS)
    assert response.status_code == 200
    rows = {row.username: row for row in response.context["attempts"]}
    assert rows["teacher"].locked and rows["teacher"].failures == settings.AXES_FAILURE_LIMIT
    assert rows["teacher"].locked_until is not None
    assert not rows["senco"].locked and rows["senco"].failures == 2
    html = response.content.decode()
    assert "Locked until" in html and "127.0.0.1" in html
    logged = response.context["page"].paginator.count
    assert logged == settings.AXES_FAILURE_LIMIT + 2
    # read only: the page offers no form that posts
    assert 'method="post"' not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_sign_in_attempts_filter_by_username(client, client_for, cast):
    fail_sign_ins(client, cast.teacher, 1)
    fail_sign_ins(client, cast.senco, 1)
    response = client_for(cast.admin).get(SIGN_INS, {"username": "SENCO"})
    assert [row.username for row in response.context["attempts"]] == ["senco"]
    assert {f.username for f in response.context["page"].object_list} == {"senco"}


def test_sign_in_attempts_query_count_is_pinned(client, client_for, cast, django_assert_max_num_queries):
    fail_sign_ins(client, cast.teacher, 3)
    fail_sign_ins(client, cast.senco, 3)
    admin = client_for(cast.admin)
    with django_assert_max_num_queries(10):
        response = admin.get(SIGN_INS)
    assert len(response.context["attempts"]) == 2
