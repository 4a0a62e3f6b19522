"""Framework journeys in a real browser: a trust analyst publishes a crosswalk change, sees the
difference it makes to a past drop and applies it (the stored points change only then); a head
makes a framework for their school and chooses it for a year group. axe-core checks every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def reading_points(drop) -> dict[str, str]:
    from strides.assessment.models import Judgement

    return dict(
        Judgement.objects.filter(drop=drop, subject__code="reading").values_list(
            "pupil__legal_forename", "point__code"
        )
    )


@pytest.fixture
def autumn_drop(live_cast):
    """The autumn drop with reading recorded for Ava and Ben at north (Y3 WTS) and Cara at river
    (Y8 WTS), under crosswalk version 1."""
    from strides.assessment.services import create_drop, record_judgement
    from strides.frameworks.models import Level, Subject

    c = live_cast
    drop = create_drop(
        c.analyst,
        c.trust,
        c.year,
        name="Autumn",
        term="autumn",
        opens_on=c.year.starts_on + dt.timedelta(days=60),
        deadline=c.year.starts_on + dt.timedelta(days=110),
        schools=[c.north, c.river],
    )
    reading = Subject.objects.get(code="reading")
    for pupil, school, code in (
        (c.ava, c.north, "Y3 WTS"),
        (c.ben, c.north, "Y3 WTS"),
        (c.cara, c.river, "Y8 WTS"),
    ):
        level = Level.objects.get(framework__code="nc-bands", framework__trust=None, code=code)
        record_judgement(c.admin, pupil, reading, drop, school, level, expected_version=0)
    return drop


def test_an_analyst_publishes_a_crosswalk_change_sees_the_difference_and_applies_it(
    page, live_cast, login, check_a11y, autumn_drop
):
    login(page, "analyst")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Frameworks").click()
    page.wait_for_url("**/frameworks/")
    check_a11y(page)

    page.get_by_role("link", name="The common scale and expected points").click()
    page.wait_for_url("**/frameworks/scale/")
    assert page.get_by_role("img", name="Expected Next Steps point by NC year and term").is_visible()
    check_a11y(page)

    page.goto(f"{live_cast.url}/frameworks/crosswalks/")
    assert "nothing to apply" in page.content()
    check_a11y(page)
    page.get_by_role("link", name="Publish a new version").click()
    page.wait_for_url("**/frameworks/crosswalks/new/")
    check_a11y(page)

    # a mistake first: nothing changed
    page.get_by_label("In force from").fill(str(live_cast.year.starts_on))
    page.get_by_label("Why it changes").fill("Y3 working towards moved up after moderation")
    page.get_by_role("button", name="Publish version").click()
    assert "No mapping was changed" in page.get_by_role("alert").inner_text()
    check_a11y(page)

    page.locator("summary", has_text="National curriculum year-group bands").click()  # open its levels
    page.get_by_label("New point for National curriculum year-group bands Y3 WTS").select_option("NS12")
    page.get_by_role("button", name="Publish version").click()
    page.wait_for_url(re.compile(r"/frameworks/crosswalks/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Crosswalk version 2")
    assert "Stored points of past drops are unchanged until you apply the difference" in page.content()
    check_a11y(page)
    # published, yet the past drop keeps its points
    assert reading_points(autumn_drop) == {"Ava": "NS11", "Ben": "NS11", "Cara": "NS26"}

    page.get_by_role("link", name="See the difference for Autumn").click()
    page.wait_for_url(f"**/frameworks/crosswalks/drops/{autumn_drop.slug}/")
    table = page.get_by_role("table", name="Judgements whose point would change, by school")
    row = table.get_by_role("row").filter(has_text="Y3 WTS")
    assert re.sub(r"\s+", " ", row.inner_text()).strip() == "Reading Y3 WTS NS11 NS12 2 2"
    assert "2 judgements would change common point" in page.content()
    check_a11y(page)
    assert reading_points(autumn_drop)["Ava"] == "NS11"

    page.get_by_role("button", name="Apply version 2 to Autumn").click()
    page.wait_for_load_state()
    assert "Crosswalk version 2 is applied to Autumn: 2 judgements changed common point." in (
        page.get_by_role("status").inner_text()
    )
    assert "nothing to apply" in page.content()
    check_a11y(page)
    assert reading_points(autumn_drop) == {"Ava": "NS12", "Ben": "NS12", "Cara": "NS26"}


def test_a_head_makes_a_framework_and_chooses_it_for_a_year_group(page, live_cast, login, check_a11y):
    from strides.frameworks.models import FrameworkAssignment

    login(page, "head")
    page.goto(f"{live_cast.url}/frameworks/")
    page.get_by_role("link", name="Make a framework", exact=True).first.click()
    page.wait_for_url("**/frameworks/new/")
    check_a11y(page)

    page.get_by_label("Name").fill("Northfield small steps")
    page.get_by_label("Code", exact=True).fill("north-small-steps")
    page.get_by_label("Reading").check()
    page.get_by_label("Level 1 code").fill("SS1")
    page.get_by_label("Level 1 label").fill("Small step 1")
    page.get_by_label("Level 1 common point").select_option("NS2")
    page.get_by_label("Level 2 code").fill("ss 1")  # the same code, differently typed
    page.get_by_label("Level 2 label").fill("Small step 2")
    page.get_by_label("Level 2 common point").select_option("NS3")
    page.get_by_role("button", name="Make framework").click()
    # the same address answers with the form again: wait for it rather than read a page mid-load
    expect(page.locator(".error-summary")).to_contain_text("Level 2: “ss 1” is also the code of level 1.")
    check_a11y(page)

    page.get_by_label("Level 2 code").fill("SS2")
    page.get_by_role("button", name="Make framework").click()
    page.wait_for_url(re.compile(r"/frameworks/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Northfield small steps")
    assert "Northfield Primary only" in page.content()
    check_a11y(page)

    page.goto(f"{live_cast.url}/frameworks/from-spreadsheet/")
    check_a11y(page)

    page.goto(f"{live_cast.url}/frameworks/schools/{live_cast.north.urn}/")
    check_a11y(page)
    page.get_by_label("Subject").select_option(label="Reading")
    page.get_by_label("Framework", exact=True).select_option(label="Northfield small steps")
    page.get_by_label("Year group").select_option(label="Year 3")
    page.get_by_label("From").fill(str(dt.date.today()))
    page.get_by_role("button", name="Save the choice").click()
    page.wait_for_load_state()
    assert "uses Northfield small steps for Reading (Year 3)" in page.get_by_role("status").inner_text()
    year3 = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Year 3", exact=True)).first
    assert "Northfield small steps" in year3.inner_text()
    check_a11y(page)
    assert FrameworkAssignment.objects.get().nc_year == 3
