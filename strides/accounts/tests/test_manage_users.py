"""Users and roles management: who may manage whom, granting and revoking roles, deactivating,
linking parents, and the account actions (two-factor reset, unlock). Every change is audited."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from strides.accounts import security, services
from strides.accounts.models import Membership, ParentLink, User
from strides.accounts.roles import Role
from strides.accounts.tests.helpers import enrol, sign_in
from strides.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST = reverse("accounts_manage:list")
CREATE = reverse("accounts_manage:create")


def detail(user) -> str:
    return reverse("accounts_manage:detail", kwargs={"user_id": user.pk})


def usernames(response) -> set[str]:
    return {person.username for person in response.context["page"].object_list}


# --- who may manage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("admin", 200),
        ("head", 200),
        ("analyst", 403),
        ("eap", 403),
        ("director", 403),
        ("senior", 403),
        ("senco", 403),
        ("subject_leader", 403),
        ("teacher", 403),
        ("ta", 403),
        ("governor", 403),
        ("other_teacher", 403),
        ("placing", 403),
        ("parent", 403),
    ],
)
def test_each_role_is_allowed_or_refused(client_for, cast, name, status):
    client = client_for(cast.users[name])
    assert client.get(LIST).status_code == status
    assert client.get(CREATE).status_code == status


def test_signed_out_goes_to_sign_in(client, cast):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_trust_admin_sees_everyone(client_for, cast):
    names = usernames(client_for(cast.admin).get(LIST))
    assert set(cast.users) <= names


def test_head_sees_only_own_schools_staff_and_parents(client_for, cast):
    names = usernames(client_for(cast.head).get(LIST))
    assert names == {"head", "senior", "senco", "subject_leader", "teacher", "ta", "governor", "parent"}


def test_head_of_north_gets_404_for_a_river_teacher_and_trust_staff(client_for, cast):
    client = client_for(cast.head)
    assert client.get(detail(cast.other_teacher)).status_code == 404
    assert client.get(detail(cast.admin)).status_code == 404
    assert client.get(detail(cast.teacher)).status_code == 200
    for name in ("grant_role", "link_parent", "set_active", "reset_two_factor", "unlock"):
        url = reverse(f"accounts_manage:{name}", kwargs={"user_id": cast.other_teacher.pk})
        assert (
            client.post(url, {"role": Role.TEACHER, "upn": cast.cara.upn, "active": "0"}).status_code == 404
        )
    membership = cast.other_teacher.memberships.get()
    url = reverse(
        "accounts_manage:revoke_role",
        kwargs={"user_id": cast.other_teacher.pk, "membership_id": membership.pk},
    )
    assert client.post(url).status_code == 404
    cast.other_teacher.refresh_from_db()
    assert cast.other_teacher.is_active
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_filter_by_school_and_role(client_for, cast):
    client = client_for(cast.admin)
    assert usernames(client.get(LIST, {"school": cast.river.pk})) == {"other_teacher", "river_head"}
    assert usernames(client.get(LIST, {"role": Role.TEACHER})) == {"teacher", "other_teacher"}
    assert usernames(client.get(LIST, {"role": Role.TEACHER, "school": cast.north.pk})) == {"teacher"}
    assert usernames(client.get(LIST, {"q": "Otto"})) == {"other_teacher"}


def test_head_cannot_filter_on_another_school(client_for, cast):
    response = client_for(cast.head).get(LIST, {"school": cast.river.pk})
    assert response.context["form"].errors["school"]
    assert "other_teacher" not in usernames(response)


def test_user_list_pages_keep_the_filter(client_for, cast):
    for n in range(55):
        user = services.create_user(None, f"paged{n:02d}", password=None)
        services.grant_role(None, user, Role.TEACHER, cast.trust, cast.north)
    client = client_for(cast.admin)
    response = client.get(LIST, {"role": "teacher", "page": "2"})
    assert response.context["page"].number == 2
    html = response.content.decode()
    assert 'aria-label="Pages of users"' in html
    assert 'href="?role=teacher&amp;page=1" rel="prev"' in html
    assert "Page 2 of 2" in html


def test_user_list_query_count_is_pinned(client_for, cast, django_assert_max_num_queries):
    for n in range(30):
        user = services.create_user(None, f"extra{n}", password=None)
        services.grant_role(None, user, Role.TEACHER, cast.trust, cast.north)
    client = client_for(cast.admin)
    with django_assert_max_num_queries(14):
        response = client.get(LIST)
    assert response.status_code == 200 and len(response.context["page"].object_list) == 30 + len(cast.users)


# --- creating users ---------------------------------------------------------------------------


def test_admin_creates_a_teacher_at_north_with_a_password(client_for, cast):
    response = client_for(cast.admin).post(
        CREATE,
        {
            "username": "newbie",
            "first_name": "Nia",
            "last_name": "New",
            "email": "nia@example.org",
            "password": "A-long-enough-passphrase-42",
            "role": Role.TEACHER,
            "school": cast.north.pk,
        },
    )
    user = User.objects.get(username="newbie")
    assert response.status_code == 302 and response["Location"] == detail(user)
    assert user.check_password("A-long-enough-passphrase-42")
    assert user.memberships.get().school == cast.north
    assert AuditEntry.objects.filter(
        object_type="accounts.User", object_id=str(user.pk), actor_id=cast.admin.pk
    )
    grant = AuditEntry.objects.get(
        object_type="accounts.Membership", reason="role granted", actor_id=cast.admin.pk
    )
    assert grant.after == {"user": "newbie", "role": "teacher", "school": "100001"}


def test_create_without_a_password_makes_an_unusable_one(client_for, cast):
    client_for(cast.admin).post(CREATE, {"username": "nopass", "role": ""})
    user = User.objects.get(username="nopass")
    assert not user.has_usable_password()
    assert not user.memberships.exists()
    # a trust admin still finds the account that has no role yet
    assert "nopass" in usernames(client_for(cast.admin).get(LIST, {"q": "nopass"}))


def test_weak_password_and_taken_username_are_named(client_for, cast):
    response = client_for(cast.admin).post(CREATE, {"username": "teacher", "password": "qwertyuiop"})
    html = response.content.decode()
    assert "The username &#x27;teacher&#x27; is taken." in html
    assert 'href="#id_username"' in html and "Username “teacher”" in html
    assert response.context["form"].errors["password"]
    assert "qwertyuiop" not in html  # a password is never echoed


def test_head_must_give_a_role_at_their_school_and_never_a_trust_role(client_for, cast):
    client = client_for(cast.head)
    response = client.post(CREATE, {"username": "x1"})
    assert "Choose the role." in response.content.decode()
    response = client.post(CREATE, {"username": "x2", "role": Role.TRUST_ADMIN})
    assert response.context["form"].errors["role"]
    response = client.post(CREATE, {"username": "x3", "role": Role.TEACHER, "school": cast.river.pk})
    assert response.context["form"].errors["school"]
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()
    client.post(CREATE, {"username": "x4", "role": Role.TEACHING_ASSISTANT, "school": cast.north.pk})
    assert User.objects.get(username="x4").memberships.get().role == Role.TEACHING_ASSISTANT


def test_create_a_parent_linked_to_a_child_or_nothing_at_all(client_for, cast):
    client = client_for(cast.head)
    response = client.post(CREATE, {"username": "mum", "role": Role.PARENT, "child_upn": cast.cara.upn})
    assert f"No pupil with UPN {cast.cara.upn} that you manage." in response.content.decode()
    assert not User.objects.filter(username="mum").exists()
    client.post(CREATE, {"username": "mum", "role": Role.PARENT, "child_upn": cast.ben.upn.lower()})
    mum = User.objects.get(username="mum")
    assert ParentLink.objects.get(user=mum).pupil == cast.ben
    assert "mum" in usernames(client.get(LIST))


# --- roles ------------------------------------------------------------------------------------


def grant(client, user, role, school=None):
    data = {"role": role, "school": school.pk if school else ""}
    return client.post(reverse("accounts_manage:grant_role", kwargs={"user_id": user.pk}), data)


def test_head_grants_and_revokes_school_roles_at_their_school(client_for, cast):
    client = client_for(cast.head)
    assert grant(client, cast.ta, Role.SENCO, cast.north).status_code == 302
    membership = cast.ta.memberships.get(role=Role.SENCO)
    assert AuditEntry.objects.filter(
        object_id=str(membership.pk), reason="role granted", actor_id=cast.head.pk
    )
    url = reverse(
        "accounts_manage:revoke_role", kwargs={"user_id": cast.ta.pk, "membership_id": membership.pk}
    )
    assert client.post(url).status_code == 302
    assert not cast.ta.memberships.filter(role=Role.SENCO).exists()
    assert AuditEntry.objects.filter(
        object_id=str(membership.pk), reason="role revoked", actor_id=cast.head.pk
    )


def test_head_cannot_grant_at_another_school_or_a_trust_role(client_for, cast):
    client = client_for(cast.head)
    response = grant(client, cast.teacher, Role.TEACHER, cast.river)
    assert response.status_code == 200 and response.context["grant_form"].errors["school"]
    response = grant(client, cast.teacher, Role.TRUST_ANALYST)
    assert response.context["grant_form"].errors["role"]
    assert cast.teacher.memberships.count() == 1


def test_admin_grants_trust_roles_and_placing_contacts_outside_the_trust(client_for, cast):
    client = client_for(cast.admin)
    assert grant(client, cast.teacher, Role.TRUST_ANALYST).status_code == 302
    assert cast.teacher.memberships.filter(role=Role.TRUST_ANALYST, school__isnull=True).exists()
    response = grant(client, cast.teacher, Role.TRUST_ANALYST, cast.north)
    assert "is a trust-wide role" in response.content.decode()
    response = grant(client, cast.teacher, Role.TEACHER, cast.hillside)
    assert "Hillside Academy is outside the trust" in response.content.decode()
    assert grant(client, cast.teacher, Role.PLACING_CONTACT, cast.hillside).status_code == 302


def test_nobody_revokes_their_own_power_to_manage_users(client_for, cast):
    membership = cast.admin.memberships.get()
    url = reverse(
        "accounts_manage:revoke_role", kwargs={"user_id": cast.admin.pk, "membership_id": membership.pk}
    )
    response = client_for(cast.admin).post(url, follow=True)
    assert "You cannot remove your own role" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- parents, deactivation and sign-in help ---------------------------------------------------------------


def test_link_parent_to_a_visible_pupil_only(client_for, cast):
    carer = services.create_user(None, "carer")
    services.grant_role(None, carer, Role.GOVERNOR, cast.trust, cast.north)
    client = client_for(cast.head)
    url = reverse("accounts_manage:link_parent", kwargs={"user_id": carer.pk})
    response = client.post(url, {"upn": cast.cara.upn})
    assert f"No pupil with UPN {cast.cara.upn} that you manage." in response.content.decode()
    response = client.post(url, {"upn": cast.ben.upn, "relationship": "grandmother"})
    assert response.status_code == 302
    link = ParentLink.objects.get(user=carer)
    assert (link.pupil, link.relationship) == (cast.ben, "grandmother")
    assert AuditEntry.objects.filter(object_type="accounts.ParentLink", actor_id=cast.head.pk)
    assert "Ben Baker" in client.get(detail(carer)).content.decode()


def test_head_deactivates_and_reactivates_own_staff(client_for, cast):
    client = client_for(cast.head)
    url = reverse("accounts_manage:set_active", kwargs={"user_id": cast.teacher.pk})
    client.post(url, {"active": "0"})
    cast.teacher.refresh_from_db()
    assert not cast.teacher.is_active
    entry = AuditEntry.objects.get(
        object_type="accounts.User", object_id=str(cast.teacher.pk), action="update"
    )
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})
    client.post(url, {"active": "1"})
    cast.teacher.refresh_from_db()
    assert cast.teacher.is_active


def test_head_cannot_deactivate_someone_who_also_works_elsewhere_or_themselves(client_for, cast):
    services.grant_role(None, cast.teacher, Role.TEACHER, cast.trust, cast.river)
    client = client_for(cast.head)
    response = client.post(
        reverse("accounts_manage:set_active", kwargs={"user_id": cast.teacher.pk}),
        {"active": "0"},
        follow=True,
    )
    assert "also has roles you do not manage" in response.content.decode()
    response = client.post(
        reverse("accounts_manage:set_active", kwargs={"user_id": cast.head.pk}), {"active": "0"}, follow=True
    )
    assert "You cannot change your own account here." in response.content.decode()
    cast.teacher.refresh_from_db()
    cast.head.refresh_from_db()
    assert cast.teacher.is_active and cast.head.is_active


def test_admin_resets_a_lost_phone(client, client_for, cast):
    sign_in(client, cast.teacher, cast.password)
    enrol(client, cast.teacher)
    admin = client_for(cast.admin)
    assert "Reset two-factor (lost phone)" in admin.get(detail(cast.teacher)).content.decode()
    admin.post(reverse("accounts_manage:reset_two_factor", kwargs={"user_id": cast.teacher.pk}))
    assert not TOTPDevice.objects.filter(user=cast.teacher).exists()
    assert AuditEntry.objects.filter(reason="two-factor reset", actor_id=cast.admin.pk)


def test_the_users_list_shows_a_lockout_and_unlocks_from_the_row(client, client_for, cast):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, cast.teacher, f"wrong-{attempt}")
    head = client_for(cast.head)
    html = head.get(reverse("accounts_manage:list")).content.decode()
    assert "Locked until " in html
    unlock = reverse("accounts_manage:unlock", kwargs={"user_id": cast.teacher.pk})
    assert f'action="{unlock}"' in html
    row = html[html.index(f"{cast.teacher}</a></th>") :]
    row = row[: row.index("</tr>")]
    assert "Locked until" in row and ">Active<" not in row
    response = head.post(unlock, {"back": "list"})
    assert response["Location"] == reverse("accounts_manage:list")
    assert not security.is_locked_out(cast.teacher)
    assert "Locked until" not in head.get(reverse("accounts_manage:list")).content.decode()


def test_the_lockout_page_says_where_to_unlock(client, cast):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, cast.teacher, f"wrong-{attempt}")
    response = sign_in(client, cast.teacher, cast.password)
    assert "unlock it from the Users page" in response.content.decode()


def test_unlock_after_a_lockout(client, client_for, cast):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, cast.teacher, f"wrong-{attempt}")
    assert security.is_locked_out(cast.teacher)
    assert sign_in(client, cast.teacher, cast.password).status_code == 429
    head = client_for(cast.head)
    assert "Locked out after failed sign-ins" in head.get(detail(cast.teacher)).content.decode()
    head.post(reverse("accounts_manage:unlock", kwargs={"user_id": cast.teacher.pk}))
    assert not security.is_locked_out(cast.teacher)
    assert AuditEntry.objects.filter(reason="sign-in lockout cleared", actor_id=cast.head.pk)
    head.logout()
    assert sign_in(client, cast.teacher, cast.password).status_code == 302
