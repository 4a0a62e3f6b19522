"""The measures read from the database: the records frame (credit, partial credit, not applicable,
lateral ratings), a reworded statement and a removed one, on SQLite and PostgreSQL alike."""

import datetime as dt

import polars as pl
import pytest

from strides.analytics import small_steps as measures
from strides.steps.models import AchievementRecord
from strides.steps.queries import records_of, statements_of
from strides.steps.services.frameworks import change_settings, remove_statement, reword_statement
from strides.steps.services.recording import RecordInput, record_achievements

pytestmark = pytest.mark.django_db


def percent_of_step_1(steps, day):
    records = records_of(AchievementRecord.objects.filter(pupil=steps.cast.ava))
    frame = measures.step_percents(statements_of([steps.framework.pk]), records, day)
    row = frame.filter((pl.col("area_id") == steps.communication.pk) & (pl.col("step_number") == 1))
    return row["percent"][0]


def test_only_secured_counts_until_the_framework_gives_partial_credit(steps):
    c = steps.cast
    s = steps.statements
    record_achievements(
        c.head,
        c.north,
        [
            RecordInput(c.ava, s["C1.1"], "S"),
            RecordInput(c.ava, s["C1.2"], "D"),
            RecordInput(c.ava, s["C1.3"], "NA", aspects={"independence": 4}),
        ],
    )
    today = dt.date.today()
    assert percent_of_step_1(steps, today) == pytest.approx(100 / 3)  # 1 of the 3 applicable
    change_settings(c.analyst, steps.framework, partial_credit=True, step_complete_percent=100)
    assert percent_of_step_1(steps, today) == pytest.approx(100 * 1.5 / 3)  # developing counts 0.5
    frame = records_of(AchievementRecord.objects.filter(pupil=c.ava, statement=s["C1.3"]))
    assert frame.row(0, named=True)["independence"] == 4 and frame.row(0, named=True)["not_applicable"]


def test_a_reworded_statement_keeps_counting_and_a_removed_one_leaves_the_step(steps):
    c = steps.cast
    s = steps.statements
    earlier = dt.date.today() - dt.timedelta(days=10)
    record_achievements(
        c.head,
        c.north,
        [RecordInput(c.ava, s["C1.1"], "S"), RecordInput(c.ava, s["C1.4"], "S")],
        assessed_on=earlier,
    )
    reword_statement(c.analyst, s["C1.1"], "Turns to look when their name is called")
    assert percent_of_step_1(steps, dt.date.today()) == 50.0  # 2 of 4, rewording changes nothing
    remove_statement(c.analyst, s["C1.4"], dt.date.today())
    assert percent_of_step_1(steps, dt.date.today()) == pytest.approx(100 / 3)  # 1 of the 3 left
    assert percent_of_step_1(steps, earlier) == 50.0  # the past keeps it
    record = AchievementRecord.objects.get(pupil=c.ava, statement=s["C1.1"])
    assert record.wording_version == 1 and s["C1.1"].wordings.count() == 2


def test_a_pupil_changing_framework_mid_year(steps):
    from strides.steps.models import Shape, StepAssignment
    from strides.steps.services.frameworks import build_structure, create_framework, share_framework
    from strides.steps.services.recording import assign_framework
    from strides.steps.tests.conftest import linear_rows

    c = steps.cast
    other = create_framework(
        c.analyst, code="other-steps", name="Other steps", shape=Shape.LINEAR, trust=c.trust
    )
    build_structure(c.analyst, other, linear_rows())
    share_framework(c.analyst, other)
    moved = c.year.starts_on + dt.timedelta(days=30)
    record_achievements(
        c.head, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")], assessed_on=moved
    )
    assign_framework(c.head, c.north, c.ava, other, moved + dt.timedelta(days=1))
    old, new = StepAssignment.objects.filter(pupil=c.ava).order_by("starts_on")
    assert old.ends_on == moved and new.ends_on is None
    first = other.areas.get(code="communication").statements.order_by("order")[:2]
    record_achievements(c.head, c.north, [RecordInput(c.ava, st, "S") for st in first])
    records = records_of(AchievementRecord.objects.filter(pupil=c.ava))
    today = dt.date.today()
    old_frame = measures.step_percents(statements_of([steps.framework.pk]), records, today)
    new_frame = measures.step_percents(statements_of([other.pk]), records, today)
    assert old_frame.filter(pl.col("step_number") == 1)["percent"].to_list() == [25.0]
    assert new_frame.filter(pl.col("step_number") == 1)["percent"].to_list() == [50.0]
