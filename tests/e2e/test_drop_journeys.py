"""Data drops in a real browser: the head submits the school's drop after a confirmation that
counts what is missing, and the teacher can no longer edit; a trust analyst sees the board and
its chase list, reopens the drop with a reason, and the head reads the reason. axe-core checks
every page on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def make_drop(cast):
    from strides.assessment.services import create_drop
    from strides.frameworks.services import ensure_common_scale

    # A live-server test's flush empties the shipped subjects and frameworks (a data migration):
    # the common scale puts them back before the drop picks its subjects.
    ensure_common_scale(cast.trust)
    return create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Autumn",
        term="autumn",
        opens_on=cast.today - dt.timedelta(days=10),
        deadline=cast.today + dt.timedelta(days=10),
        schools=[cast.north, cast.river],
    )


def record(cast, drop, subject: str, code: str):
    from strides.assessment.services import record_judgement
    from strides.frameworks.models import Level, Subject

    level = Level.objects.get(framework__code="nc-bands", framework__trust=None, code=code)
    return record_judgement(
        cast.teacher,
        cast.ava,
        Subject.objects.get(code=subject),
        drop,
        cast.north,
        level,
        expected_version=None,
    )


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_head_submits_analyst_reopens_with_a_reason(page, live_cast, login, check_a11y):
    from strides.assessment.models import DropSchool, DropStatus
    from strides.assessment.services import DropClosed

    cast = live_cast
    drop = make_drop(cast)
    record(cast, drop, "reading", "Y3 EXS")

    # The head finds the drop from the navigation and opens the school's board.
    login(page, "head")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data drops").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Data drops")
    check_a11y(page)
    page.get_by_role("link", name="Progress of Northfield Primary in Autumn").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Northfield Primary")
    expect(page.get_by_text("1 of 6 judgements recorded")).to_be_visible()
    expect(page.get_by_role("row", name="3T")).to_contain_text("1 of 3")
    check_a11y(page)

    # Submitting asks first, and says what is missing.
    page.get_by_role("link", name="Submit Autumn").click()
    expect(page.get_by_role("heading", name="5 judgements are missing")).to_be_visible()
    expect(page.get_by_text("3B: 3 missing")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Submit with 5 missing").click()
    expect(page.get_by_text("drop is submitted")).to_be_visible()
    expect(page.get_by_role("heading", name="Status: submitted by the head")).to_be_visible()
    expect(page.get_by_role("link", name="Submit Autumn")).to_have_count(0)
    check_a11y(page)
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.SUBMITTED

    # The teacher can no longer edit: the service refuses and the grid is read only.
    with pytest.raises(DropClosed):
        record(cast, drop, "writing", "Y3 EXS")
    sign_out(page)
    login(page, "teacher")
    page.goto(f"{cast.url}/assessment/drops/{drop.slug}/classes/{cast.class_3t.pk}/")
    expect(page.get_by_text("Read only.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Ava Archer, Writing")).to_have_attribute("readonly", "")
    sign_out(page)

    # The analyst sees the trust board, the chase list, and reopens north with a reason.
    login(page, "analyst")
    page.goto(f"{cast.url}/assessment/drops/{drop.slug}/")
    expect(page.get_by_role("row", name="Northfield Primary")).to_contain_text("Submitted by the head")
    expect(page.get_by_role("row", name="Riverside Secondary")).to_contain_text("0 of 3 recorded")
    chase = page.get_by_label("Chase list for Autumn")
    expect(chase).to_have_attribute("readonly", "")
    expect(chase).to_contain_text("Riverside Secondary (URN 100002): not started")
    expect(chase).not_to_contain_text("Northfield")
    page.get_by_role("button", name="Copy the chase list").click()
    expect(page.locator("#chase-text-copied")).not_to_be_empty()
    check_a11y(page)

    page.get_by_role("link", name="Reopen Northfield Primary").click()
    check_a11y(page)
    page.get_by_role("button", name="Reopen the drop").click()  # no reason yet
    expect(page.get_by_role("alert")).to_contain_text("Say why the drop is being reopened")
    check_a11y(page)
    page.get_by_label("Why is the drop being reopened?").fill("Year 3 writing needs moderating again")
    page.get_by_role("button", name="Reopen the drop").click()
    expect(page.get_by_text("drop is reopened")).to_be_visible()
    expect(page.get_by_role("row", name="Northfield Primary")).to_contain_text("Reopened")
    check_a11y(page)
    sign_out(page)

    # The head reads the reason; the teacher can record again.
    login(page, "head")
    page.goto(f"{cast.url}/assessment/drops/{drop.slug}/schools/{cast.north.urn}/")
    expect(page.get_by_text("Reason: Year 3 writing needs moderating again")).to_be_visible()
    expect(page.get_by_role("link", name="Submit Autumn")).to_be_visible()
    check_a11y(page)
    assert record(cast, drop, "writing", "Y3 EXS").level.code == "Y3 EXS"


def test_analyst_plans_the_year_and_a_new_schools_baseline(page, live_cast, login, check_a11y):
    from strides.assessment.models import DataDrop, DropKind
    from strides.frameworks.services import ensure_common_scale
    from strides.organisations import services as organisations
    from strides.organisations.models import Phase, SchoolType

    cast = live_cast
    ensure_common_scale(cast.trust)
    organisations.create_school(
        None,
        cast.trust,
        name="Newbridge Primary",
        urn="100020",
        la_code="804",
        establishment_number="2020",
        school_type=SchoolType.PRIMARY,
        phase=Phase.PRIMARY,
        joined_trust_on=cast.today - dt.timedelta(days=20),
    )

    # An empty calendar: one click makes the year's three termly drops.
    login(page, "analyst")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data drops").click()
    expect(page.get_by_text("There are no data drops")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Make the three drops").click()
    expect(page.get_by_text(f"Made Autumn {cast.year.label}")).to_be_visible()
    for term in ("Autumn", "Spring", "Summer"):
        expect(page.get_by_role("link", name=f"{term} {cast.year.label}")).to_be_visible()
    check_a11y(page)

    # A drop by hand: mistakes are listed, then put right.
    page.get_by_role("link", name="New drop").click()
    check_a11y(page)
    page.get_by_label("Name").fill("Year 6 mock")
    page.get_by_role("group", name="Subjects").get_by_label("Writing").uncheck()
    page.get_by_role("group", name="Subjects").get_by_label("Reading").uncheck()
    page.get_by_role("group", name="Subjects").get_by_label("Maths").uncheck()
    page.get_by_role("button", name="Add to the calendar").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose at least one subject.")
    expect(summary).to_contain_text("Enter the date the drop opens.")
    check_a11y(page)
    summary.get_by_role("link", name="Subjects: Choose at least one subject.").click()
    expect(page.get_by_role("group", name="Subjects").get_by_label("Reading")).to_be_focused()
    page.get_by_role("group", name="Subjects").get_by_label("Maths").check()
    opens = cast.year.starts_on + dt.timedelta(days=150)
    page.get_by_label("Opens on").fill(opens.isoformat())
    page.get_by_label("Deadline").fill((opens + dt.timedelta(days=14)).isoformat())
    page.get_by_role("group", name="Schools").get_by_label("Bridge AP").uncheck()
    page.get_by_role("button", name="Add to the calendar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Year 6 mock")
    check_a11y(page)
    mock = DataDrop.objects.get(name="Year 6 mock")
    assert [s.code for s in mock.subjects.all()] == ["maths"]
    assert "Bridge AP" not in set(mock.school_parts.values_list("school__name", flat=True))

    # The school that joined twenty days ago gets its baseline drop.
    page.get_by_role("link", name="Data drops").first.click()
    page.get_by_role("link", name="Overdue baselines").click()
    check_a11y(page)
    page.get_by_role("button", name="Create baseline drop for Newbridge Primary").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baseline: Newbridge Primary")
    check_a11y(page)
    baseline = DataDrop.objects.get(kind=DropKind.BASELINE)
    assert baseline.deadline == cast.today - dt.timedelta(days=20) + dt.timedelta(weeks=6)
