"""Browser journeys: Playwright driving Debian's Chromium against a live Strides server.

Fixtures:
- ``live_cast``: the named cast (strides/testing/cast.py) on a live server; ``live_cast.url`` is
  the server's base URL and every cast member and object is an attribute.
- ``page``: a fresh browser tab. Any Content-Security-Policy violation or uncaught page error
  fails the test at teardown.
- ``login(page, username)``: signs in through the real login form.
- ``check_a11y(page)``: runs axe-core (WCAG 2.0-2.2 A and AA rules) on the current page and fails
  with a readable list of violations.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test code's own ORM calls are still
# synchronous, so Django's async-safety guard would misfire.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SOURCE = (Path(__file__).resolve().parent.parent / "vendor" / "axe-4.14.1.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("STRIDES_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: `make install` installs Debian's chromium package.")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    context.close()
    assert not problems, "The browser reported:\n" + "\n".join(problems)


@pytest.fixture
def live_cast(live_server, transactional_db):
    from strides.testing.cast import build_cast

    cast = build_cast()
    cast.url = live_server.url
    return cast


@pytest.fixture
def login(live_cast):
    from strides.testing.cast import PASSWORD

    def sign_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_cast.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"

    return sign_in


@pytest.fixture
def check_a11y():
    def run(page) -> None:
        page.evaluate(AXE_SOURCE)
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        violations = result["violations"]
        if violations:
            lines = []
            for violation in violations:
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
                lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
            pytest.fail(f"axe-core found accessibility problems on {page.url}:\n" + "\n".join(lines))

    return run
