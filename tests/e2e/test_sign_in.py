"""The front door: signing in, and the login page itself being accessible."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_login_page_is_accessible_and_signs_in(page, live_cast, login, check_a11y):
    page.goto(f"{live_cast.url}/accounts/login/")
    check_a11y(page)
    login(page, "teacher")
    assert page.get_by_role("heading", level=1).is_visible()
    check_a11y(page)


def test_wrong_password_is_refused_with_a_message(page, live_cast):
    page.goto(f"{live_cast.url}/accounts/login/")
    page.get_by_label("Username").fill("teacher")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    assert "/accounts/login/" in page.url
