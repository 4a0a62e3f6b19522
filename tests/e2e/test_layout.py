"""Pages that fit the screen and controls big enough to hit: the director's trust table scrolls
inside its own box at 1280 and 820 px; the favicon loads (no 404 in the console on first load);
checkboxes are at least 24 px and their labels tick them."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.e2e


def a_pupil_in_every_year(cast) -> None:
    """One pupil in each NC year, R to 14, at the special school: fifteen year columns, each with
    a suppressed count, as the demo's director sees."""
    from strides.pupils.services import PupilRecord, upsert_pupils
    from strides.pupils.upn import make_upn

    records = [
        PupilRecord(
            upn=make_upn(802, 7001, 21, 100 + nc_year),
            legal_forename=f"Pupil{nc_year}",
            legal_surname="Wide",
            date_of_birth=dt.date(cast.today.year - 5 - nc_year, 3, 1),
            sex="F",
            characteristics={"nc_year": nc_year},
            enrolment_start=cast.year.starts_on,
        )
        for nc_year in range(0, 15)
    ]
    upsert_pupils(None, cast.oak, records, effective=cast.year.starts_on)


@pytest.mark.parametrize("width", [1280, 820])
def test_the_trust_table_scrolls_inside_the_page(browser, live_cast, check_a11y, width):
    from strides.testing.cast import PASSWORD

    a_pupil_in_every_year(live_cast)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    not_found: list[str] = []
    page.on("response", lambda response: not_found.append(response.url) if response.status == 404 else None)
    try:
        page.goto(f"{live_cast.url}/accounts/login/")
        page.get_by_label("Username").fill("director")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        table = page.get_by_role("table", name="Pupils on roll by NC year")
        assert "Year 14" in table.inner_text()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the {width}px window"
        # the header spans the window
        header = page.evaluate("() => document.querySelector('.site-header').getBoundingClientRect().width")
        assert header == width
        # the small counts are short, and say what they are
        marker = page.locator("abbr.suppressed").first
        assert marker.get_attribute("title") == "fewer than 6: suppressed"
        assert marker.inner_text().strip().startswith("<6")
        assert not not_found, f"not found: {not_found}"
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert page.request.get(f"{live_cast.url}{icon}").status == 200
        check_a11y(page)
    finally:
        context.close()


def box(locator) -> tuple[float, float]:
    rect = locator.bounding_box()
    return rect["width"], rect["height"]


def test_checkboxes_are_big_enough_and_their_labels_tick_them(page, live_cast, login, check_a11y):
    c = live_cast
    login(page, "head")
    page.goto(f"{c.url}/manage/classes/{c.class_3t.pk}/pupils/")
    ben = page.get_by_label("Baker, Ben")
    width, height = box(ben)
    assert width >= 24 and height >= 24
    assert not ben.is_checked()
    page.get_by_text("Baker, Ben").click()
    assert ben.is_checked()
    check_a11y(page)

    page.goto(f"{c.url}/manage/schools/{c.north.urn}/rollover/")
    early = page.locator("input[type=checkbox][name=confirm_early]")
    width, height = box(early)
    assert width >= 24 and height >= 24
    label = page.locator("label[for=id_confirm_early]")
    assert box(label)[1] >= 44
    label.click()
    assert early.is_checked()
    check_a11y(page)
