"""Token authentication, the api-token command, and who may reach the API at all."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from strides.accounts.models import ApiToken
from strides.accounts.services import create_api_token, revoke_api_token, set_active
from strides.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PUPILS = "/api/v1/pupils/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_valid_token_signs_the_caller_in(cast):
    token, secret = create_api_token(cast.head, cast.head, "MIS sync")
    response = bearer(secret).get(PUPILS)
    assert response.status_code == 200
    assert {row["legal_forename"] for row in response.json()["results"]} == {"Ava", "Ben"}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_token_keyword_works_too(cast):
    _, secret = create_api_token(None, cast.head, "t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get(PUPILS).status_code == 200


def test_no_credentials_answers_401_with_a_bearer_challenge(cast):
    response = APIClient().get(PUPILS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "credentials were not provided" in response.json()["detail"]


def test_a_revoked_token_answers_401(cast):
    token, secret = create_api_token(None, cast.head, "old")
    revoke_api_token(cast.head, token)
    response = bearer(secret).get(PUPILS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}


def test_an_unknown_token_answers_401(cast):
    assert bearer("str_not-a-real-token").get(PUPILS).status_code == 401


def test_a_token_of_a_deactivated_user_answers_401(cast):
    _, secret = create_api_token(None, cast.head, "t")
    set_active(None, cast.head, False)
    assert bearer(secret).get(PUPILS).status_code == 401


def test_a_malformed_header_answers_401(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    response = client.get(PUPILS)
    assert response.status_code == 401
    assert "one token" in response.json()["detail"]


def test_a_signed_in_browser_session_works(cast, client_for):
    response = client_for(cast.head).get(PUPILS)
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_session_writes_need_the_csrf_token(cast):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.head)
    response = client.post(f"/api/v1/pupils/{cast.ava.pk}/characteristics/", {"fsm": False}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_a_session_without_two_factor_is_refused_but_a_token_is_not(cast, client_for):
    # The two-factor middleware leaves /api/ alone; the API's permission closes that door.
    response = client_for(cast.head).get(PUPILS)
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    _, secret = create_api_token(None, cast.head, "t")
    assert bearer(secret).get(PUPILS).status_code == 200


def test_an_enrolled_but_unverified_session_is_refused_whatever_the_settings(cast, client):
    """Two-factor not required (development, test), but the user has a confirmed device: a new
    sign-in must verify before the API answers, as pages do. Their token still works."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from strides.accounts.tests.helpers import sign_in

    TOTPDevice.objects.create(user=cast.head, name="phone", confirmed=True)
    assert sign_in(client, cast.head, cast.password).status_code == 302
    assert client.session["strides_2fa_enrolled"] is True
    response = client.get(PUPILS)
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    _, secret = create_api_token(None, cast.head, "t")
    assert bearer(secret).get(PUPILS).status_code == 200


def test_an_enrolled_session_from_before_the_sign_in_note_asks_the_devices(cast, client_for):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client_for(cast.teacher)
    session = client.session
    session.pop("strides_2fa_enrolled", None)
    session.save()
    assert client.get(PUPILS).status_code == 200  # no device: nothing to verify
    TOTPDevice.objects.create(user=cast.teacher, name="phone", confirmed=True)
    assert client.get(PUPILS).status_code == 403


def test_a_verified_session_is_let_in(cast, client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from strides.accounts.tests.helpers import code_for, sign_in

    device = TOTPDevice.objects.create(user=cast.head, name="phone", confirmed=True)
    sign_in(client, cast.head, cast.password)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get(PUPILS).status_code == 200


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_a_parent_session_needs_no_two_factor(cast, client_for):
    assert client_for(cast.parent).get(PUPILS).status_code == 200


# --- strides api-token ----------------------------------------------------------------------


def test_api_token_command_prints_only_a_working_token(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "analyst", "--name", "Power BI", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("str_")
    assert "\n" not in secret
    assert "Power BI" in err.getvalue()
    token = ApiToken.objects.get(user=cast.analyst)
    assert token.name == "Power BI"
    assert secret not in err.getvalue()
    assert AuditEntry.objects.filter(object_type="accounts.ApiToken", object_id=str(token.pk)).exists()
    assert bearer(secret).get(PUPILS).json()["count"] == 6


def test_api_token_command_has_a_default_name_and_ignores_username_case(cast):
    out = io.StringIO()
    call_command("api_token", "HEAD", stdout=out, stderr=io.StringIO())
    assert ApiToken.objects.get(user=cast.head).name == "Command-line token"


def test_api_token_command_refuses_an_unknown_user(cast):
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        call_command("api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_api_token_command_refuses_a_deactivated_user(cast):
    set_active(None, cast.teacher, False)
    with pytest.raises(CommandError, match="deactivated"):
        call_command("api_token", "teacher", stdout=io.StringIO(), stderr=io.StringIO())
