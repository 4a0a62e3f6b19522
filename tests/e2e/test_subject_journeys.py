"""Subject journeys in a real browser: a trust admin adds a subject on the Subjects page, makes a
drop that collects it, and the teacher of a class at a school of its phase finds its column in the
class grid (a primary's class does not). axe-core checks every page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_an_admin_adds_a_subject_and_a_drop_collects_it(page, live_cast, login, check_a11y):
    from strides.assessment.models import DataDrop
    from strides.frameworks.models import Subject
    from strides.frameworks.services import ensure_common_scale

    cast = live_cast
    ensure_common_scale(cast.trust)
    login(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Subjects").click()
    page.wait_for_url("**/frameworks/subjects/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Subjects")
    expect(page.get_by_role("link", name="English literature")).to_be_visible()
    check_a11y(page)

    # a mistake first: a code Strides already ships
    page.get_by_label("Code").fill("history")
    page.get_by_label("Name").fill("Food technology")
    page.get_by_label("Who teaches it").select_option(label="Every school in Test Trust (of its phase)")
    page.get_by_label("Phase").select_option(label="Secondary")
    page.get_by_role("button", name="Add the subject").click()
    expect(page.locator(".error-summary")).to_contain_text("already used by a subject Strides ships")
    expect(page.locator(".error-summary")).to_be_focused()  # far down the page: brought into view
    check_a11y(page)
    page.get_by_label("Code").fill("food-tech")
    page.get_by_role("button", name="Add the subject").click()
    expect(page.get_by_text("Food technology (food-tech) is one of the trust's subjects.")).to_be_visible()
    food = Subject.objects.get(trust=cast.trust, code="food-tech")
    assert food.phase == "secondary"

    # its page says where to choose the framework each year group uses for it
    page.get_by_role("link", name="Food technology").click()
    expect(page.get_by_role("link", name="Food technology at Riverside Secondary")).to_be_visible()
    expect(page.get_by_role("link", name="Food technology at Northfield Primary")).to_have_count(0)
    check_a11y(page)

    # a drop collects it
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data drops").click()
    page.get_by_role("link", name="New drop").first.click()
    subjects = page.get_by_role("group", name="Subjects")
    expect(subjects.get_by_label("Food technology (secondary)")).not_to_be_checked()
    check_a11y(page)
    page.get_by_label("Name").fill("Practical subjects")
    subjects.get_by_label("Food technology (secondary)").check()
    page.get_by_label("Opens on").fill(cast.today.isoformat())
    page.get_by_label("Deadline").fill((cast.today + dt.timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Add to the calendar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Practical subjects")
    check_a11y(page)
    drop = DataDrop.objects.get(name="Practical subjects")
    assert "food-tech" in set(drop.subjects.values_list("code", flat=True))

    # the teacher of 8R at the secondary records it in the grid
    page.context.clear_cookies()
    login(page, "other_teacher")
    page.goto(f"{cast.url}/assessment/drops/{drop.slug}/classes/{cast.class_8r.pk}/")
    expect(page.get_by_role("columnheader", name="Food technology")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Maths")).to_be_visible()
    check_a11y(page)

    # a primary does not owe a secondary subject: no column in 3T's grid
    page.context.clear_cookies()
    login(page, "teacher")
    page.goto(f"{cast.url}/assessment/drops/{drop.slug}/classes/{cast.class_3t.pk}/")
    expect(page.get_by_role("columnheader", name="Maths")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Food technology")).to_have_count(0)
    check_a11y(page)
