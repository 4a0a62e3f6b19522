"""API tokens page: list, create (shown once), revoke; only your own."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from strides.accounts import services
from strides.accounts.authentication import ApiTokenAuthentication
from strides.accounts.models import ApiToken
from strides.accounts.tests.helpers import code_for, enrol, sign_in
from strides.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKENS = reverse("accounts:tokens")


def authenticates(raw: str):
    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    return ApiTokenAuthentication().authenticate(request)


def test_create_shows_the_token_once_and_it_works(client_for, cast):
    client = client_for(cast.teacher)
    response = client.post(TOKENS, {"name": "Power BI"})
    assert response.status_code == 200
    raw = response.context["new_secret"]
    html = response.content.decode()
    assert raw in html and "It will not be shown again" in html
    assert response["Cache-Control"] == "no-store"
    user, token = authenticates(raw)
    assert user == cast.teacher and token.name == "Power BI"
    assert AuditEntry.objects.filter(
        object_type="accounts.ApiToken", action="create", actor_id=cast.teacher.pk
    )

    listing = client.get(TOKENS).content.decode()
    assert "Power BI" in listing and raw not in listing
    assert f"str_{token.prefix}…" in listing


def test_token_name_is_required_with_a_summary(client_for, cast):
    response = client_for(cast.teacher).post(TOKENS, {"name": ""})
    assert "Enter the token name." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_stops_the_token(client_for, cast):
    token, raw = services.create_api_token(None, cast.teacher, "script")
    client = client_for(cast.teacher)
    response = client.post(reverse("accounts:token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(AuthenticationFailed):
        authenticates(raw)
    assert AuditEntry.objects.filter(object_id=str(token.pk), action="update", actor_id=cast.teacher.pk)
    assert "Revoked" in client.get(TOKENS).content.decode()


def test_another_users_token_is_404_and_untouched(client_for, cast):
    token, _ = services.create_api_token(None, cast.head, "head's")
    client = client_for(cast.other_teacher)
    response = client.post(reverse("accounts:token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "head's" not in client.get(TOKENS).content.decode()


def test_revoke_needs_post_and_sign_in(client, cast):
    token, _ = services.create_api_token(None, cast.head, "x")
    url = reverse("accounts:token_revoke", kwargs={"token_id": token.pk})
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(cast.head)
    assert client.get(url).status_code == 405
    assert client.get(TOKENS).status_code == 200


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_tokens_need_a_verified_session_where_two_factor_is_required(client, cast):
    sign_in(client, cast.teacher, cast.password)
    assert client.post(TOKENS, {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()
    enrol(client, cast.teacher)
    assert client.post(TOKENS, {"name": "x"}).status_code == 200
    assert ApiToken.objects.filter(user=cast.teacher).count() == 1
    # a later sign-in must verify again before making another token
    client.post(reverse("accounts:logout"))
    sign_in(client, cast.teacher, cast.password)
    assert client.get(TOKENS)["Location"].startswith(reverse("accounts:two_factor_verify"))
    client.post(
        reverse("accounts:two_factor_verify"), {"code": code_for(TOTPDevice.objects.get(user=cast.teacher))}
    )
    assert client.get(TOKENS).status_code == 200


def test_token_list_query_count_is_pinned(client_for, cast, django_assert_max_num_queries):
    for n in range(5):
        services.create_api_token(None, cast.teacher, f"token {n}")
    client = client_for(cast.teacher)
    with django_assert_max_num_queries(10):
        assert client.get(TOKENS).status_code == 200


@pytest.mark.parametrize("who", ["parent", "placing"])
def test_parents_and_placing_contacts_may_not_make_tokens(client_for, cast, who):
    user = getattr(cast, who)
    client = client_for(user)
    response = client.get(TOKENS)
    assert response.status_code == 403
    assert "Parents, carers and placing-school contacts" in response.content.decode()
    assert client.post(TOKENS, {"name": "mine"}).status_code == 403
    assert not ApiToken.objects.filter(user=user).exists()
    # nor revoke one (made before the rule); the security page does not offer the tokens page
    token = ApiToken.objects.create(user=user, name="old", prefix="oldtoken", key_hash="x" * 64)
    assert client.post(reverse("accounts:token_revoke", kwargs={"token_id": token.pk})).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    security_page = client.get(reverse("accounts:two_factor")).content.decode()
    assert TOKENS not in security_page


@pytest.mark.parametrize("who", ["teacher", "governor", "director", "admin"])
def test_staff_keep_the_tokens_page(client_for, cast, who):
    client = client_for(getattr(cast, who))
    assert client.get(TOKENS).status_code == 200
    assert TOKENS in client.get(reverse("accounts:two_factor")).content.decode()


@pytest.mark.parametrize("who", ["parent", "placing"])
def test_no_path_makes_a_parent_or_placing_contact_a_token(cast, who):
    from django.core.exceptions import ValidationError
    from django.core.management import CommandError, call_command

    user = getattr(cast, who)
    with pytest.raises(ValidationError, match="tokens are for staff"):
        services.create_api_token(None, user, "mine")
    with pytest.raises(CommandError, match="tokens are for staff"):
        call_command("api_token", user.username)
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_token_stops_working_when_its_owner_may_no_longer_use_tokens(cast):
    from strides.access.gate import forget_scope
    from strides.accounts.models import Membership

    _, secret = services.create_api_token(None, cast.teacher, "sync")
    request = APIRequestFactory().get("/api/v1/pupils/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert ApiTokenAuthentication().authenticate(request)[0] == cast.teacher
    Membership.objects.filter(user=cast.teacher).delete()  # left the school: no role, no tokens
    forget_scope(cast.teacher)
    request = APIRequestFactory().get("/api/v1/pupils/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    with pytest.raises(AuthenticationFailed, match="no longer use API tokens"):
        ApiTokenAuthentication().authenticate(request)
