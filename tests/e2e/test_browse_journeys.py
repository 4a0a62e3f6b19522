"""Finding and reading pupil data in a real browser: a teacher finds their class and a pupil (by
mouse, then by keyboard alone); another school's pupil answers 404; a trust analyst searches
across schools; a head corrects a record through a form with an error summary; a governor sees
counts and no names. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element is the link or button called ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => (document.activeElement && document.activeElement.innerText) || ''")
        if focused.strip() == name:
            return
    pytest.fail(f"Tab never reached {name!r}")


def test_teacher_finds_their_class_and_a_pupil_by_clicking(page, live_cast, login, check_a11y):
    login(page, "teacher")
    assert heading(page) == "Welcome, Tom"
    check_a11y(page)

    page.get_by_role("link", name="3T", exact=True).click()
    page.wait_for_url(f"**/classes/{live_cast.class_3t.pk}/")
    assert heading(page).startswith("3T")
    pupils = page.get_by_role("table", name="Pupils in 3T")
    assert "Archer, Ava" in pupils.inner_text()
    assert "Baker" not in page.content()  # Ben is in 3B, not the teacher's class
    check_a11y(page)

    pupils.get_by_role("link", name="Archer, Ava").click()
    page.wait_for_url(f"**/pupils/{live_cast.ava.pk}/")
    assert heading(page) == "Ava Archer"
    assert live_cast.ava.upn not in page.url  # the UPN is on the page, never in an address
    assert page.get_by_role("heading", name="Characteristics history").is_visible()
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    assert "Northfield Primary" in breadcrumbs.inner_text()
    check_a11y(page)

    breadcrumbs.get_by_role("link", name="Northfield Primary").click()
    page.wait_for_url(f"**/schools/{live_cast.north.urn}/")
    assert "Pupils in your classes" in page.content()
    check_a11y(page)


def test_teacher_finds_their_class_and_a_pupil_by_keyboard(page, live_cast, login, check_a11y):
    login(page, "teacher")
    tab_to(page, "Skip to main content")
    page.keyboard.press("Enter")
    tab_to(page, "3T")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/classes/{live_cast.class_3t.pk}/")
    check_a11y(page)

    tab_to(page, "Archer, Ava")
    # the focused link is visibly marked
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/pupils/{live_cast.ava.pk}/")
    assert heading(page) == "Ava Archer"
    check_a11y(page)


def test_typing_another_schools_pupil_address_gives_404(page, live_cast, login, check_a11y):
    login(page, "teacher")
    response = page.goto(f"{live_cast.url}/pupils/{live_cast.cara.pk}/")
    assert response.status == 404
    assert heading(page) == "Page not found"
    assert "Carter" not in page.content()
    check_a11y(page)

    response = page.goto(f"{live_cast.url}/classes/{live_cast.class_8r.pk}/")
    assert response.status == 404
    response = page.goto(f"{live_cast.url}/schools/{live_cast.river.urn}/")
    assert response.status == 404
    page.get_by_role("link", name="Go to your home page").click()
    assert heading(page) == "Welcome, Tom"


def test_trust_analyst_searches_across_schools(page, live_cast, login, check_a11y):
    login(page, "analyst")
    check_a11y(page)  # the home page: the trust's schools as cards, and a search box
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a pupil").click()
    page.wait_for_url("**/pupils/search/")
    check_a11y(page)

    # live results as the analyst types (htmx), announced in a status line
    page.get_by_label("Name or UPN").press_sequentially("ar", delay=50)
    status = page.get_by_role("status").filter(has_text="found")
    status.wait_for()
    results = page.get_by_role("table", name="Search results")
    text = results.inner_text()
    assert "Archer, Ava" in text and "Carter, Cara" in text
    assert "Northfield Primary" in text and "Riverside Secondary" in text
    assert re.search(r"\?q=ar$", page.url), "the address follows the search, so Back and reload work"
    check_a11y(page)

    # the plain form too: Enter submits it
    page.get_by_label("Name or UPN").fill(live_cast.cara.upn)
    page.get_by_label("Name or UPN").press("Enter")
    page.get_by_role("status").filter(has_text="1 pupil found").wait_for()
    page.get_by_role("table", name="Search results").get_by_role("link", name="Carter, Cara").click()
    page.wait_for_url(f"**/pupils/{live_cast.cara.pk}/")
    assert heading(page) == "Cara Carter"
    check_a11y(page)


def test_head_changes_a_record_and_fixes_a_mistake_from_the_error_summary(page, live_cast, login, check_a11y):
    login(page, "head")
    page.goto(f"{live_cast.url}/pupils/{live_cast.ben.pk}/")
    page.get_by_role("link", name="Change characteristics").click()
    check_a11y(page)

    page.get_by_label("SEN provision").select_option(label="Education, health and care plan")
    page.get_by_label("Primary need").select_option(label="None")
    page.get_by_role("button", name="Save the change").click()
    summary = page.get_by_role("alert")
    assert "Choose the primary need" in summary.inner_text()
    focused = page.evaluate("() => document.activeElement.className")
    assert "error-summary" in focused  # focus lands on the list of what to fix
    check_a11y(page)

    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.id") == "id_primary_need"
    page.get_by_label("Primary need").select_option(label="Autistic spectrum disorder")
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url(f"**/pupils/{live_cast.ben.pk}/")
    assert "record was updated" in page.get_by_role("status").first.inner_text()
    history = page.get_by_role("table", name="Characteristics history, newest first")
    assert "Education, health and care plan" in history.inner_text()
    check_a11y(page)


def test_governor_sees_counts_and_never_a_name(page, live_cast, login, check_a11y):
    login(page, "governor")
    check_a11y(page)
    assert "fewer than 6" in page.content()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Northfield Primary").click()
    page.wait_for_url(f"**/schools/{live_cast.north.urn}/")
    content = page.content()
    assert "fewer than 6" in content
    for name in ("Archer", "Baker", live_cast.ava.upn):
        assert name not in content
    check_a11y(page)


def test_school_page_filters_work_on_a_tablet(browser, live_cast, check_a11y):
    from strides.testing.cast import PASSWORD

    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB", has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_cast.url}/accounts/login/")
        page.get_by_label("Username").fill("head")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_cast.url}/schools/{live_cast.north.urn}/")
        # nothing wider than the screen: tables scroll inside their own box
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        page.get_by_label("SEN").select_option(label="SEN support")
        page.get_by_role("status").filter(has_text="match").wait_for()
        table = page.get_by_role("table", name="Pupils on roll")
        assert "Baker, Ben" in table.inner_text() and "Archer" not in table.inner_text()
        assert "sen=K" in page.url
        check_a11y(page)
    finally:
        context.close()
