"""Small steps in a real browser: a teaching assistant records a group of 8 pupils x 5 statements on
a tablet by touch (and we count the taps), and again by keyboard; a SENCO holds and closes a
threshold conversation; a parent reads their child's learning journey, once shared, and no other
child's. axe-core checks every page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PUPILS, STATEMENTS = 8, 5
NO_SAVE_PENDING = "() => !document.querySelector('td[data-state=saving]')"
# At a steady pace of one tap a second (a TA who knows the class), 60 seconds is 60 taps.
TAPS_IN_A_MINUTE = 60


def small_steps_class(cast):
    """3T with Ava and 7 more pupils on a shared linear framework whose steps have 5 statements;
    its communication area delegated to the class's teaching assistant."""
    from strides.classes.services import set_pupils
    from strides.pupils.models import Pupil
    from strides.pupils.services import PupilRecord, upsert_pupils
    from strides.pupils.upn import make_upn
    from strides.steps.models import Shape
    from strides.steps.services.frameworks import (
        StatementRow,
        build_structure,
        create_framework,
        share_framework,
    )
    from strides.steps.services.recording import assign_framework, delegate_area

    records = [
        PupilRecord(
            upn=make_upn(int(cast.north.la_code), int(cast.north.establishment_number), 21, 300 + n),
            legal_forename=f"Child{n:02d}",
            legal_surname=f"Steps{n:02d}",
            date_of_birth=dt.date(cast.today.year - 8, 3, 1),
            sex="F" if n % 2 else "M",
            characteristics={"nc_year": 3, "sen_provision": "E", "primary_need": "SLD"},
            enrolment_start=cast.year.starts_on,
        )
        for n in range(1, PUPILS)
    ]
    upsert_pupils(None, cast.north, records, effective=cast.year.starts_on)
    pupils = [cast.ava, *Pupil.objects.filter(legal_surname__startswith="Steps")]
    set_pupils(None, cast.class_3t, pupils)
    framework = create_framework(
        None, code="class-steps", name="Class steps", shape=Shape.LINEAR, trust=cast.trust
    )
    rows = [
        StatementRow(
            row=n,
            area=area,
            step=step,
            step_name=f"Step {step}",
            code=f"{area[0].upper()}{step}.{i}",
            text=f"Does {area} thing {i} of step {step}",
        )
        for n, (area, step, i) in enumerate(
            (
                (a, s, i)
                for a in ("communication", "number")
                for s in (1, 2)
                for i in range(1, STATEMENTS + 1)
            ),
            2,
        )
    ]
    build_structure(None, framework, rows)
    share_framework(None, framework)
    for pupil in pupils:
        assign_framework(None, cast.north, pupil, framework, cast.year.starts_on)
    delegate_area(cast.teacher, cast.class_3t, cast.ta, framework.areas.get(code="communication"))
    return framework, pupils


def open_grid(page, cast):
    page.goto(f"{cast.url}/steps/")
    page.get_by_role("link", name="3T").click()
    expect(page.locator("table[data-steps-grid]")).to_be_visible()


def test_a_teaching_assistant_records_8_pupils_by_5_statements_by_touch_on_a_tablet(
    browser, live_cast, login, check_a11y
):
    from strides.steps.models import AchievementRecord

    cast = live_cast
    small_steps_class(cast)
    context = browser.new_context(
        viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        login(page, "ta")
        open_grid(page, cast)
        check_a11y(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # only the delegated area is offered
        assert page.locator("#pick-area option").all_inner_texts() == ["Communication"]
        taps = 0
        page.locator("input[data-row='0'][data-col='0']").tap()
        taps += 1
        levels = ["S", "D", "E", "S", "NA"]
        for row in range(PUPILS):
            for col in range(STATEMENTS):
                page.locator(f"button[data-level='{levels[(row + col) % 5]}']").tap()
                taps += 1
        page.wait_for_function(NO_SAVE_PENDING)
        assert taps <= TAPS_IN_A_MINUTE, f"{taps} taps: more than a minute's work"
        assert taps == PUPILS * STATEMENTS + 1
        assert page.locator("td[data-state=saved]").count() == PUPILS * STATEMENTS
        assert AchievementRecord.objects.filter(recorded_by=cast.ta).count() == PUPILS * STATEMENTS
        check_a11y(page)
        # what was saved is there after a reload, each cell at version 1
        page.reload()
        assert page.locator("input[data-cell][value='S']").count() == 16
        assert not errors, errors
    finally:
        context.close()


def test_a_teaching_assistant_records_by_keyboard_and_pastes_a_block(page, live_cast, login, check_a11y):
    from strides.steps.models import AchievementRecord

    cast = live_cast
    small_steps_class(cast)
    login(page, "ta")
    open_grid(page, cast)
    first = page.locator("input[data-row='0'][data-col='0']")
    first.click()
    keys = 0
    for _ in range(STATEMENTS):  # one key per cell: a one-key code moves on by itself
        page.keyboard.type("s")
        keys += 1
    page.wait_for_function(NO_SAVE_PENDING)
    assert keys == STATEMENTS
    assert AchievementRecord.objects.filter(pupil=cast.ava, level__code="S").count() == STATEMENTS
    # a block copied from a spreadsheet: two pupils x three statements
    target = page.locator("input[data-row='1'][data-col='0']")
    target.focus()
    page.evaluate(
        """(el) => { const data = new DataTransfer(); data.setData('text/plain', 'D\\tD\\tS\\nE\\tS\\tS\\n');
        el.dispatchEvent(new ClipboardEvent('paste',
          {clipboardData: data, bubbles: true, cancelable: true})); }""",
        target.element_handle(),
    )
    page.wait_for_function(NO_SAVE_PENDING)
    assert AchievementRecord.objects.filter(recorded_by=cast.ta).count() == STATEMENTS + 6
    # a code that is not a level is said in the cell, and nothing is saved
    cell = page.locator("input[data-row='3'][data-col='0']")
    cell.fill("Q")
    cell.press("Enter")
    expect(page.locator("td[data-state=invalid]")).to_have_count(1)
    assert AchievementRecord.objects.filter(recorded_by=cast.ta).count() == STATEMENTS + 6
    check_a11y(page)


def test_a_senco_holds_and_closes_a_threshold_conversation(page, live_cast, login, check_a11y):
    from strides.steps.models import Conversation
    from strides.steps.queries import current_term
    from strides.steps.services.conversations import run_thresholds
    from strides.steps.services.recording import RecordInput, record_achievements

    cast = live_cast
    framework, _pupils = small_steps_class(cast)
    statements = list(
        framework.areas.get(code="communication").statements.filter(step__number=1).order_by("order")
    )
    record_achievements(cast.head, cast.north, [RecordInput(cast.ava, s, "S") for s in statements[:3]])
    run_thresholds(cast.analyst, cast.trust, cast.year, current_term(cast.year, dt.date.today()))
    login(page, "senco")
    page.goto(f"{cast.url}/steps/")
    page.get_by_role("link", name="conversations").first.click()
    check_a11y(page)
    page.get_by_role("link", name="Ava Archer").click()
    expect(page.get_by_role("heading", name="Record the conversation")).to_be_visible()
    check_a11y(page)
    page.get_by_label("Who met").fill("Class teacher, SENCO")
    page.get_by_label("Change of target").check()
    page.get_by_label("Follow up on").fill((dt.date.today() + dt.timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Conversation recorded.")).to_be_visible()
    page.get_by_label("Outcome").fill("New target set with the class teacher.")
    page.get_by_role("button", name="Close the conversation").click()
    expect(page.get_by_text("Conversation closed.")).to_be_visible()
    check_a11y(page)
    closed = Conversation.objects.get(pupil=cast.ava)
    assert closed.closed_at is not None and closed.agreed_action == "change_target"


def test_a_parent_sees_their_childs_journey_once_shared_and_no_other(page, live_cast, login, check_a11y):
    from strides.steps.services.recording import RecordInput, record_achievements, share_progress_page

    cast = live_cast
    framework, pupils = small_steps_class(cast)
    first = framework.areas.get(code="communication").statements.order_by("order").first()
    record_achievements(cast.head, cast.north, [RecordInput(p, first, "S") for p in pupils[:2]])
    login(page, "parent")
    page.goto(f"{cast.url}/steps/pupils/{cast.ava.pk}/")
    expect(page.get_by_text("has not shared")).to_be_visible()
    share_progress_page(cast.head, cast.north, cast.ava)
    page.reload()
    expect(page.get_by_role("heading", name="Communication")).to_be_visible()
    page.get_by_text("The whole journey in Communication").click()
    expect(page.get_by_text("C1.1 Does communication thing 1")).to_be_visible()
    check_a11y(page)
    other = page.goto(f"{cast.url}/steps/pupils/{pupils[1].pk}/")
    assert other is not None and other.status == 404


def test_the_head_reads_the_group_analysis_after_its_progress_bar(page, live_cast, login, check_a11y):
    from strides.steps.services.recording import RecordInput, record_achievements

    cast = live_cast
    framework, pupils = small_steps_class(cast)
    first = framework.areas.get(code="communication").statements.order_by("order").first()
    record_achievements(cast.head, cast.north, [RecordInput(p, first, "S") for p in pupils])
    login(page, "head")
    page.goto(f"{cast.url}/steps/schools/{cast.north.urn}/analysis/?by=class")
    expect(page.get_by_role("table", name="Small steps by group")).to_be_visible()
    expect(page.locator("[data-chart-state=drawn], [data-chart-state=drawing]").first).to_be_attached()
    check_a11y(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")


SHEET_HEADER = "Area,Area name,Step,Step name,Code,Statement,Weight,Key,Leads to\n"
GOOD_ROWS = [
    "communication,Communication,1,Noticing,C1.1,Turns towards a familiar voice.,,yes,",
    "communication,Communication,1,Noticing,C1.2,Reaches for a favourite object.,,,",
    "communication,Communication,2,Asking,C2.1,Asks for more by sign or sound.,2,,",
]


def test_a_school_imports_a_framework_with_one_bad_row_then_fixed(
    page, live_cast, login, check_a11y, tmp_path
):
    from strides.steps.models import Statement, StepFramework

    cast = live_cast
    login(page, "head")
    page.goto(f"{cast.url}/steps/")
    page.get_by_role("link", name="Small-step frameworks").click()
    check_a11y(page)
    page.get_by_role("link", name="Make a framework").first.click()
    page.get_by_label("Name").fill("Northfield small steps")
    page.get_by_label("Code").fill("northfield-steps")
    page.get_by_label("Shape").select_option("linear")
    page.get_by_role("button", name="Make framework").click()
    framework = StepFramework.objects.get(code="northfield-steps")
    assert framework.school_id == cast.north.pk  # the head's own school: no trust-wide choice
    # a new framework goes straight to its statements' import
    expect(page.get_by_role("heading", name="Import statements")).to_be_visible()
    check_a11y(page)
    bad = tmp_path / "statements.csv"
    bad.write_text(
        SHEET_HEADER + "\n".join([*GOOD_ROWS[:2], "communication,Communication,two,Asking,C2.1,Asks.,,,"])
    )
    page.get_by_label("Spreadsheet of statements").set_input_files(str(bad))
    page.get_by_role("button", name="Check the spreadsheet").click()
    problem = page.get_by_text("Row 4, step: 'two' is not a whole number")
    expect(problem.first).to_be_visible()
    check_a11y(page)
    assert not Statement.objects.filter(area__framework=framework).exists()  # nothing written
    fixed = tmp_path / "statements-fixed.csv"
    fixed.write_text(SHEET_HEADER + "\n".join(GOOD_ROWS))
    page.get_by_label("Spreadsheet of statements").set_input_files(str(fixed))
    page.get_by_role("button", name="Check the spreadsheet").click()
    expect(page.get_by_role("heading", name="Check the statements")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.get_by_text("C2.1").first).to_be_visible()
    assert Statement.objects.filter(area__framework=framework).count() == 3
    check_a11y(page)


def test_a_teacher_switches_area_and_the_grid_follows(page, live_cast, login, check_a11y):
    cast = live_cast
    small_steps_class(cast)
    login(page, "teacher")
    open_grid(page, cast)
    expect(page.locator("table[data-steps-grid]")).to_contain_text("C1.1")
    page.locator("#pick-area").select_option(label="Number")  # no "Show" needed
    expect(page.locator("#grid-caption")).to_contain_text("Number")
    expect(page.get_by_role("table", name="Number")).to_contain_text("N1.1")
    expect(page.get_by_role("heading", name="Teaching assistants' areas")).to_be_visible()
    check_a11y(page)
