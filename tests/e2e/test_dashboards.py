"""Browser journeys through the dashboards, on the ``history`` data (the cast with two academic
years of judgements, strides/dashboards/tests/conftest.py) built on the live server's cast:

- a head drills down from the school dashboard to a pupil flagged as needing attention, and from
  the class dashboard to another;
- a governor sees the school's gaps with small groups suppressed and can reach no named pupil.

Every page visited is checked with axe-core (WCAG 2.2 AA); the ``page`` fixture fails a test on
any Content-Security-Policy violation or script error.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from strides.dashboards.tests.conftest import history  # noqa: F401 - the shared fixture, used below

pytestmark = pytest.mark.e2e


@pytest.fixture
def cast(live_cast):
    """The ``history`` fixture builds on ``cast``: here, the live server's cast."""
    return live_cast


@pytest.fixture
def live_history(history):  # noqa: F811 - the fixture imported above
    from strides.dashboards.frames import forget_observations

    forget_observations()  # frames cached by an earlier test's database
    return history


@pytest.fixture(autouse=True)
def collections_over(monkeypatch):
    """The pages open on this autumn's drop, as they would once its deadline has passed (the
    server runs in this process: the dashboards' today is set here)."""
    from strides.dashboards import queries

    monkeypatch.setattr(queries, "today", lambda: dt.date.max)


def charts_settled(page) -> None:
    """Waits until every chart on the page is drawn (or has given up)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every("
        "e => ['drawn', 'failed'].includes(e.getAttribute('data-chart-state')))"
    )


def test_a_head_drills_down_from_the_school_to_a_flagged_pupil(live_history, page, login, check_a11y):
    h = live_history
    login(page, "head")
    page.goto(f"{h.url}/dashboards/schools/{h.north.urn}/?subject=maths")
    charts_settled(page)
    check_a11y(page)
    attention = page.locator("#table-attention")
    attention.scroll_into_view_if_needed()
    assert attention.get_by_role("row", name=re.compile("Ola History")).count() >= 1

    attention.get_by_role("link", name="Ola History").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/dashboards/pupils/{h.ola.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Ola History")
    flags = page.locator("section", has=page.get_by_role("heading", name="Needing attention"))
    assert flags.get_by_text("Fallen back since the previous drop: point 9").count() == 1
    assert flags.get_by_text("Not making expected progress over the last year").count() == 1
    assert page.get_by_text("her progress percentile is 13.").count() == 1
    charts_settled(page)
    assert page.locator("#chart-timeline svg").count() == 1
    check_a11y(page)

    # back at the school: the class of a flagged pupil, then another pupil from there
    page.go_back()
    page.wait_for_load_state()
    page.locator("#table-attention").get_by_role("link", name="3B").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/dashboards/classes/{h.class_3b.pk}/")
    maths = page.locator("#table-recent-maths")
    pip = maths.get_by_role("row", name=re.compile("History, Pip"))
    assert "In the bottom tenth of similar learners" in pip.inner_text()
    ola = maths.get_by_role("row", name=re.compile("History, Ola"))
    assert "down" in ola.inner_text()  # the word, not only the colour or the arrow
    charts_settled(page)
    check_a11y(page)
    pip.get_by_role("link", name="History, Pip").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/dashboards/pupils/{h.pip.pk}/")
    assert page.get_by_text("his progress percentile is 4.").count() == 1
    charts_settled(page)
    check_a11y(page)


def test_a_governor_sees_gaps_with_small_groups_suppressed_and_no_named_pupil(
    live_history, page, login, check_a11y
):
    h = live_history
    login(page, "governor")
    page.goto(f"{h.url}/dashboards/schools/{h.north.urn}/?subject=maths&group=sen")
    charts_settled(page)
    gaps = page.locator("#table-gaps")
    gaps.scroll_into_view_if_needed()
    # SEN support: 2 pupils (ben, max) at north this year, under the threshold of 6
    assert gaps.get_by_text("suppressed (fewer than 6)").count() >= 1
    check_a11y(page)
    text = page.locator("main").inner_text()
    for name in ("Ava", "Archer", "Ben", "Baker", "Ola", "Pip", "Max", "Ida", "Sky"):
        assert not re.search(rf"\b{name}\b", text), f"{name} is named on a governor's page"
    assert page.locator("a[href*='/dashboards/pupils/']").count() == 0
    assert page.locator("a[href*='/pupils/']").count() == 0

    for path in (f"/dashboards/pupils/{h.ola.pk}/", f"/dashboards/classes/{h.class_3b.pk}/"):
        response = page.goto(f"{h.url}{path}")
        assert response.status == 404
        assert "Ola" not in page.locator("main").inner_text()
        check_a11y(page)
