"""record_judgement (services/recording.py): its lost-update check is a conditional UPDATE, so a
save that lands between another save's read of the facts and its write is never overwritten; and
what the process keeps of the trust's frameworks is never used after they change."""

from __future__ import annotations

import pytest

from strides.assessment.models import Judgement, JudgementRevision
from strides.assessment.services import StaleJudgement, record_judgement, recording
from strides.assessment.tests.test_grid import grid_url, post_cell
from strides.frameworks.models import Framework
from strides.frameworks.services import assign_framework


@pytest.fixture
def someone_saves_in_between(monkeypatch, cast, drop, subjects):
    """Make the next record_judgement's facts be read, then another save land, then its write."""
    real = recording._save_facts
    pending: list[tuple] = []

    def facts_then_another_save(*args, **kwargs):
        facts = real(*args, **kwargs)
        while pending:
            level, version = pending.pop()
            record_judgement(
                cast.head, cast.ava, subjects["reading"], drop, cast.north, level, expected_version=version
            )
        return facts

    monkeypatch.setattr(recording, "_save_facts", facts_then_another_save)
    return pending


def test_a_save_landing_between_the_facts_and_the_write_makes_the_later_one_stale(
    cast, drop, subjects, level, someone_saves_in_between
):
    reading = subjects["reading"]
    record_judgement(cast.teacher, cast.ava, reading, drop, cast.north, level("Y3 EXS"), expected_version=0)
    someone_saves_in_between.append((level("Y3 WTS"), 1))  # the head's save, version 2
    with pytest.raises(StaleJudgement) as stale:
        record_judgement(
            cast.teacher, cast.ava, reading, drop, cast.north, level("Y3 GDS"), expected_version=1
        )
    assert stale.value.current is not None and stale.value.current.level.code == "Y3 WTS"
    judgement = Judgement.objects.get(pupil=cast.ava, subject=reading, drop=drop)
    assert (judgement.level.code, judgement.version) == ("Y3 WTS", 2)
    assert JudgementRevision.objects.filter(judgement=judgement).count() == 2


def test_the_same_value_landing_in_between_is_nothing_lost(
    cast, drop, subjects, level, someone_saves_in_between
):
    reading = subjects["reading"]
    record_judgement(cast.teacher, cast.ava, reading, drop, cast.north, level("Y3 EXS"), expected_version=0)
    someone_saves_in_between.append((level("Y3 GDS"), 1))
    saved = record_judgement(
        cast.teacher, cast.ava, reading, drop, cast.north, level("Y3 GDS"), expected_version=1
    )
    assert (saved.level.code, saved.version) == ("Y3 GDS", 2)
    assert JudgementRevision.objects.filter(judgement=saved).count() == 2


def test_a_new_cell_saved_first_by_another_request_makes_the_second_stale(
    cast, drop, subjects, level, someone_saves_in_between
):
    someone_saves_in_between.append((level("Y3 WTS"), 0))
    with pytest.raises(StaleJudgement):
        record_judgement(
            cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 GDS"), expected_version=0
        )
    assert (
        Judgement.objects.get(pupil=cast.ava, subject=subjects["reading"], drop=drop).level.code == "Y3 WTS"
    )


def test_a_first_save_makes_the_drop_in_progress_and_later_saves_keep_it(cast, drop, subjects, level):
    from strides.assessment.models import DropSchool, DropStatus

    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 EXS"), expected_version=0
    )
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 GDS"), expected_version=1
    )
    assert DropSchool.objects.get(drop=drop, school=cast.north).status == DropStatus.IN_PROGRESS


def test_a_grid_save_follows_a_framework_assigned_after_the_process_kept_the_old_one(
    cast, drop, subjects, client_for
):
    """The grid kept the school's framework choices (NC bands for maths); the head then assigns
    pre-key stage standards to Ava in maths: the next save reads PK codes on the new framework."""
    teacher = client_for(cast.teacher)
    assert post_cell(teacher, drop, cast.class_3t, cast.ava, "maths", "e").json()["code"] == "Y3 EXS"
    framework = Framework.objects.get(code="pre-key-stage", trust=None)
    assign_framework(cast.head, cast.north, subjects["maths"], framework, cast.year.starts_on, pupil=cast.ava)
    answer = post_cell(teacher, drop, cast.class_3t, cast.ava, "maths", "pk 4", 1).json()
    assert answer["status"] == "saved" and answer["code"] == "PK4", answer
    assert teacher.get(grid_url(drop, cast.class_3t)).status_code == 200


def test_the_facts_of_someone_who_sees_no_named_pupil_say_the_pupil_is_not_visible(cast, drop, subjects):
    """The gate answers an aggregate-only role with an empty queryset, which Django will not
    compile: the fixed facts statement then reads the pupil as out of sight, never a 500."""
    facts = recording._save_facts(cast.governor, cast.ava, subjects["reading"], drop, cast.north)
    assert facts is not None and not facts.pupil_visible and facts.status
    assert recording._save_facts(cast.teacher, cast.ava, subjects["reading"], drop, cast.north).pupil_visible
