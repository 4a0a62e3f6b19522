"""The API reference page in a real browser: Swagger UI starts under our strict CSP and can call
the API with the signed-in session, writes included (CSRF)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls here stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.e2e


def chromium() -> str:
    for candidate in (os.environ.get("STRIDES_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: `make install` installs Debian's chromium package.")


def test_swagger_ui_works_under_the_csp_with_the_session(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    from strides.pupils.models import CharacteristicsPeriod
    from strides.testing.cast import PASSWORD, build_cast

    cast = build_cast()
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "head")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.goto(f"{live_server.url}/api/v1/docs/")
        listing = "#operations-pupils-pupils_list"
        page.click(f"{listing} .opblock-summary")
        page.click(f"{listing} button.try-out__btn")
        page.click(f"{listing} button.execute")
        status = page.locator(f"{listing} .live-responses-table .response .response-col_status")
        assert status.inner_text().strip() == "200"

        change = "#operations-pupils-pupils_characteristics_create"
        page.click(f"{change} .opblock-summary")
        page.click(f"{change} button.try-out__btn")
        page.fill(f"{change} input[placeholder=id]", str(cast.ava.pk))
        page.fill(f"{change} textarea.body-param__text", '{"fsm": false}')
        page.click(f"{change} button.execute")
        status = page.locator(f"{change} .live-responses-table .response .response-col_status")
        assert status.inner_text().strip() == "201"
        browser.close()
    assert CharacteristicsPeriod.objects.get(pupil=cast.ava, valid_to__isnull=True).fsm is False
    assert not problems, "\n".join(problems)
