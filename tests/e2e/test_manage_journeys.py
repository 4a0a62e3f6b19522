"""Management journeys in a real browser: a trust admin adds a teacher and finds the role grant in
the audit log; a teacher enrols in two-factor sign-in and then signs in with a code. axe-core
checks every page on the way."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import TOTP

pytestmark = pytest.mark.e2e


def code_from_secret(secret: str, after_step: int | None = None) -> tuple[str, int]:
    """The code an authenticator app would show for ``secret`` now (or, if the step after
    ``after_step`` is still to come, for that step: a code works only once). Returns the code and
    its time step."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    step = totp.t()
    if after_step is not None and step <= after_step:
        totp.drift = after_step + 1 - step
        step = after_step + 1
    return f"{totp.token():06d}", step


def test_trust_admin_adds_a_teacher_and_finds_the_grant_in_the_audit_log(page, live_cast, login, check_a11y):
    login(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.wait_for_url("**/manage/users/")
    check_a11y(page)

    page.get_by_role("link", name="Add a user").click()
    check_a11y(page)
    # a mistake first: the error summary names the field and the value
    page.get_by_label("Username", exact=True).fill("teacher")
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    assert "Username “teacher”: The username 'teacher' is taken." in summary.inner_text()
    check_a11y(page)

    page.get_by_label("Username", exact=True).fill("nina.new")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Newton")
    page.get_by_label("Initial password").fill("Correct-horse-battery-2026")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/manage/users/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Nina Newton"
    assert "has no role" in page.content()
    check_a11y(page)

    page.get_by_label("Role").select_option(label="Teacher")
    page.get_by_label("School").select_option(label="Northfield Primary")
    page.get_by_role("button", name="Grant role").click()
    page.wait_for_load_state()
    roles = page.get_by_role("table", name="Roles of Nina Newton")
    assert "Teacher" in roles.inner_text() and "Northfield Primary" in roles.inner_text()
    assert (
        "Nina Newton is now teacher at Northfield Primary." in page.get_by_role("status").first.inner_text()
    )
    check_a11y(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")
    check_a11y(page)
    page.get_by_label("Text").fill("role granted")
    page.get_by_label("Kind of record").select_option(label="Role")
    page.get_by_label("Changed by (username)").fill("admin")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    results = page.get_by_role("table", name="Audit entries, newest first")
    row = results.locator("tbody > tr").filter(has_text="Nina Newton")
    assert row.count() == 1
    assert "admin" in row.inner_text() and "Northfield Primary" in row.inner_text()
    row.locator("summary").click()
    changes = row.get_by_role("table", name="Values before and after")
    assert "nina.new" in changes.inner_text() and "teacher" in changes.inner_text()
    check_a11y(page)


def test_a_teacher_enrols_in_two_factor_and_signs_in_with_a_code(page, live_cast, login, check_a11y):
    login(page, "teacher")
    page.goto(f"{live_cast.url}/accounts/two-factor/")
    check_a11y(page)
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.wait_for_url("**/accounts/two-factor/setup/**")
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    check_a11y(page)

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill("12ab")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert (
        "Code from your authenticator app “12ab”: A code is six digits"
        in page.get_by_role("alert").inner_text()
    )
    check_a11y(page)

    code, used_step = code_from_secret(secret)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor sign-in is on"
    codes = page.locator("ol.backup-codes li")
    assert codes.count() == 10
    check_a11y(page)
    page.get_by_role("link", name="Continue").click()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    login(page, "teacher")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    check_a11y(page)
    code, _ = code_from_secret(secret, after_step=used_step)
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    page.goto(f"{live_cast.url}/accounts/two-factor/")
    assert "On" in page.locator("dl.facts").inner_text()
    check_a11y(page)


def test_every_management_page_passes_axe(page, live_cast, login, check_a11y):
    c = live_cast
    paths = [
        "/manage/schools/",
        "/manage/schools/new/",
        f"/manage/schools/{c.north.urn}/",
        f"/manage/schools/{c.north.urn}/edit/",
        "/manage/schools/years/",
        f"/manage/schools/years/{c.year.pk}/",
        f"/manage/schools/{c.north.urn}/years/{c.year.pk}/terms/",
        f"/manage/schools/{c.north.urn}/rollover/",
        "/manage/schools/rollover/",
        "/manage/classes/",
        f"/manage/classes/schools/{c.north.urn}/",
        f"/manage/classes/schools/{c.north.urn}/new/",
        f"/manage/classes/{c.class_3t.pk}/edit/",
        f"/manage/classes/{c.class_3t.pk}/pupils/",
        f"/manage/classes/{c.class_3t.pk}/staff/",
        "/manage/users/",
        f"/manage/users/{c.teacher.pk}/",
        "/accounts/tokens/",
        "/accounts/two-factor/reset/",
    ]
    login(page, "admin")
    for path in paths:
        response = page.goto(f"{c.url}{path}")
        assert response.status == 200, path
        check_a11y(page)
    # the class list filter swaps the list in place (htmx) and keeps the address shareable
    page.goto(f"{c.url}/manage/classes/{c.class_3t.pk}/pupils/")
    page.get_by_label("Show pupils in").select_option(label="Year 4")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("No pupil on roll matches.").wait_for()
    assert "nc_year=4" in page.url
    check_a11y(page)
    # a page in its error state, and a new token shown once
    page.goto(f"{c.url}/manage/schools/new/")
    page.get_by_label("URN").fill("12345")
    page.get_by_role("button", name="Add school").click()
    assert "URN “12345”: A URN is six digits." in page.get_by_role("alert").inner_text()
    check_a11y(page)
    page.goto(f"{c.url}/accounts/tokens/")
    page.get_by_label("Token name").fill("Spreadsheet")
    page.get_by_role("button", name="Make token").click()
    assert page.get_by_label("Token", exact=True).input_value().startswith("str_")
    check_a11y(page)
