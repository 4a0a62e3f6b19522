"""Recording small steps: append-only records, the version check, delegation to a TA, groups."""

import datetime as dt

import pytest

from strides.audit.models import AuditEntry
from strides.steps.models import AchievementRecord
from strides.steps.services import StaleRecord, StepsError
from strides.steps.services.recording import RecordInput, delegate_area, record_achievements, record_for_group

pytestmark = pytest.mark.django_db


def test_a_teacher_records_and_a_change_is_a_new_version(steps):
    c = steps.cast
    statement = steps.statements["C1.1"]
    record_achievements(c.teacher, c.north, [RecordInput(c.ava, statement, "D", expected_version=0)])
    record_achievements(c.teacher, c.north, [RecordInput(c.ava, statement, "s", expected_version=1)])
    rows = list(
        AchievementRecord.objects.filter(pupil=c.ava, statement=statement).values_list(
            "version", "level__code"
        )
    )
    assert rows == [(1, "D"), (2, "S")]
    assert AuditEntry.objects.filter(object_type="steps.AchievementRecord").count() == 2


def test_a_save_against_an_older_version_is_refused_and_nothing_is_written(steps):
    c = steps.cast
    one, two = steps.statements["C1.1"], steps.statements["C1.2"]
    record_achievements(c.teacher, c.north, [RecordInput(c.ava, one, "D", expected_version=0)])
    with pytest.raises(StaleRecord, match="version 1, you had 0"):
        record_achievements(
            c.teacher,
            c.north,
            [
                RecordInput(c.ava, two, "S", expected_version=0),
                RecordInput(c.ava, one, "S", expected_version=0),
            ],
        )
    assert AchievementRecord.objects.count() == 1


def test_a_bad_level_names_the_pupil_statement_and_value(steps):
    c = steps.cast
    with pytest.raises(StepsError, match=r"Ava Archer, C1.1: Level: 'X' is not a level"):
        record_achievements(
            c.teacher, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "X", label="Ava Archer, C1.1")]
        )


def test_a_teaching_assistant_records_only_in_delegated_areas(steps):
    c = steps.cast
    statement = steps.statements["C1.1"]
    with pytest.raises(StepsError, match="has not been delegated"):
        record_achievements(c.ta, c.north, [RecordInput(c.ava, statement, "S")])
    delegate_area(c.teacher, c.class_3t, c.ta, steps.communication)
    record_achievements(c.ta, c.north, [RecordInput(c.ava, statement, "S")])
    with pytest.raises(StepsError, match="Number has not been delegated"):
        record_achievements(c.ta, c.north, [RecordInput(c.ava, steps.statements["N1.1"], "S")])


def test_a_teacher_cannot_record_for_a_pupil_outside_their_classes(steps):
    c = steps.cast
    with pytest.raises(StepsError, match="not one you record for"):
        record_achievements(c.teacher, c.north, [RecordInput(c.ben, steps.statements["C1.1"], "S")])


def test_a_parent_who_is_staff_records_only_as_staff(steps):
    c = steps.cast
    with pytest.raises(StepsError):
        record_achievements(c.parent, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "S")])


def test_record_for_a_group_is_all_or_nothing(steps):
    c = steps.cast
    records = record_for_group(
        c.head, c.north, steps.statements["C1.2"], [c.ava, c.ben], "S", aspects={"independence": 3}
    )
    assert {r.pupil_id for r in records} == {c.ava.pk, c.ben.pk}
    with pytest.raises(StepsError, match="Independence: 9 is not a rating"):
        record_for_group(
            c.head, c.north, steps.statements["C1.3"], [c.ava, c.ben], "S", aspects={"independence": 9}
        )
    assert AchievementRecord.objects.count() == 2


def test_a_removed_statement_takes_no_new_records(steps):
    from strides.steps.services.frameworks import remove_statement

    c = steps.cast
    remove_statement(c.analyst, steps.statements["C1.4"], dt.date.today())
    with pytest.raises(StepsError, match="was removed"):
        record_achievements(c.head, c.north, [RecordInput(c.ava, steps.statements["C1.4"], "S")])
