"""Sign-in: the login form, lockout after repeated failures, session expiry, security headers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from strides.accounts.tests.helpers import LOGIN, sign_in

pytestmark = pytest.mark.django_db


def test_login_page_is_public_and_labelled(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_right_password_signs_in_and_goes_home(client, cast):
    response = sign_in(client, cast.teacher, cast.password)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_summary_naming_the_username(client, cast):
    response = sign_in(client, cast.teacher, "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The username “teacher” and password did not match" in html
    assert 'aria-invalid="true"' in html
    assert "_auth_user_id" not in client.session


def test_next_is_followed_only_within_the_site(client, cast):
    assert sign_in(client, cast.head, cast.password, "/accounts/tokens/")["Location"] == "/accounts/tokens/"
    client.logout()
    assert sign_in(client, cast.head, cast.password, "https://evil.example/")["Location"] == "/"


def test_lockout_after_the_failure_limit_even_with_the_right_password(client, cast):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit - 1):
        response = sign_in(client, cast.teacher, f"wrong-{attempt}")
        assert response.status_code == 200, f"attempt {attempt + 1} should only be refused"
    response = sign_in(client, cast.teacher, "wrong-last")
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Too many failed sign-ins" in html
    assert f"after {limit} failed sign-ins for 30 minutes" in html

    locked = sign_in(client, cast.teacher, cast.password)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="teacher").get().failures_since_start == limit + 1


def test_lockout_is_per_account_and_a_success_resets_the_count(client, cast):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, cast.teacher, f"wrong-{attempt}")
    assert sign_in(client, cast.head, cast.password).status_code == 302  # another account is fine
    client.logout()
    assert sign_in(client, cast.teacher, cast.password).status_code == 302
    client.logout()
    # the success reset the count: a fresh run of failures is needed to lock the account again
    assert sign_in(client, cast.teacher, "wrong-again").status_code == 200


def test_session_ends_after_the_configured_age(client, cast):
    sign_in(client, cast.teacher, cast.password)
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    expected_end = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - expected_end).total_seconds()) < 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE

    later = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@override_settings(SESSION_COOKIE_AGE=120)
def test_session_age_follows_the_setting(client, cast):
    sign_in(client, cast.teacher, cast.password)
    assert client.session.get_expiry_age() == 120


def test_csp_header_has_no_unsafe_inline(client, cast):
    for response in (client.get(LOGIN), sign_in(client, cast.admin, cast.password), client.get("/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
    response = client.get("/accounts/two-factor/setup/")
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


OWN_TEMPLATES = [
    "accounts",
    "organisations/manage",
    "classes/manage",
    "audit",
]


def test_templates_have_no_inline_scripts_styles_or_handlers():
    root = Path(settings.BASE_DIR) / "templates"
    files = [path for folder in OWN_TEMPLATES for path in (root / folder).rglob("*.html")]
    files.append(root / "includes" / "nav_manage.html")
    assert len(files) > 10
    for path in files:
        text = path.read_text()
        assert "<script" not in text, path
        assert "<style" not in text, path
        assert not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path
