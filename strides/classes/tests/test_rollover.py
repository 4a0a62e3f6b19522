from __future__ import annotations

import datetime as dt

import pytest

from strides.audit.models import AuditEntry
from strides.classes.models import TeachingGroup
from strides.classes.services import next_group_name, rollover, rollover_date_check
from strides.pupils.models import Enrolment
from strides.pupils.queries import characteristics_as_at
from strides.pupils.services import PupilRecord, upsert_pupils
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def test_rollover_moves_pupils_on_closes_leavers_and_makes_classes(cast):
    year = cast.year
    leaver = PupilRecord(
        upn=make_upn(801, 2001, 19, 600),
        legal_forename="Lee",
        legal_surname="Leaver",
        date_of_birth=dt.date(2014, 1, 1),
        sex="M",
        characteristics={"nc_year": 6},
        enrolment_start=year.starts_on,
    )
    upsert_pupils(None, cast.north, [leaver], effective=year.starts_on)
    result = rollover(cast.head, cast.north, year)
    assert result.pupils_moved_on == 2  # ava and ben
    assert result.leavers_closed == 1
    assert result.classes_created == 2  # 3T -> 4T, 3B -> 4B
    next_start = year.ends_on + dt.timedelta(days=1)
    assert characteristics_as_at(cast.ava, next_start).nc_year == 4
    assert characteristics_as_at(cast.ava, year.ends_on).nc_year == 3
    closed = Enrolment.objects.get(pupil__upn=leaver.upn)
    assert closed.end_date == year.ends_on and closed.leaving_reason == "end_of_phase"
    new_class = TeachingGroup.objects.get(school=cast.north, name="4T")
    assert new_class.academic_year.start_year == year.start_year + 1
    assert list(new_class.pupils.all()) == [cast.ava]
    assert list(new_class.staff.all().order_by("username")) == [cast.ta, cast.teacher]
    # river's pupils are untouched
    assert characteristics_as_at(cast.cara, next_start).nc_year == 8


def test_rollover_twice_changes_nothing_the_second_time(cast):
    rollover(cast.head, cast.north, cast.year)
    again = rollover(cast.head, cast.north, cast.year)
    assert (again.pupils_moved_on, again.leavers_closed, again.classes_created) == (0, 0, 0)


def test_group_names_move_up():
    assert next_group_name("3T") == "4T"
    assert next_group_name("Year 6 Oak") == "Year 7 Oak"
    assert next_group_name("Willow") == "Willow"


def test_early_rollover_warns(cast):
    assert rollover_date_check(cast.year, cast.year.starts_on) is not None
    assert rollover_date_check(cast.year, cast.year.ends_on) is None


def test_rollover_audits_each_pupil_moved_on_and_each_class_made(cast):
    year = cast.year
    result = rollover(cast.head, cast.north, year)
    moved = AuditEntry.objects.filter(
        object_type="pupils.Pupil", reason__startswith=f"rollover {year.label}: NC year"
    )
    assert result.pupils_moved_on == moved.count() == 2
    by_pupil = {entry.object_id: entry for entry in moved}
    ava = by_pupil[str(cast.ava.pk)]
    assert (ava.before, ava.after) == ({"nc_year": 3}, {"nc_year": 4})
    assert (ava.action, ava.actor_id, ava.school_id) == ("update", cast.head.pk, cast.north.pk)

    made = AuditEntry.objects.filter(
        object_type="classes.TeachingGroup", action="create", reason=f"rollover {year.label} classes"
    )
    assert made.count() == result.classes_created == 2
    new_4t = TeachingGroup.objects.get(school=cast.north, name="4T")
    entry = made.get(object_id=str(new_4t.pk))
    assert entry.after["made_from"] == cast.class_3t.pk
    assert entry.after["pupils"] == [cast.ava.pk]
    assert {link["user"] for link in entry.after["staff"]} == {cast.teacher.pk, cast.ta.pk}

    summary = AuditEntry.objects.get(object_type="organisations.School", reason="year-end rollover")
    assert summary.after["pupils_moved_on"] == 2 and summary.after["classes_created"] == 2

    # A second run moves no one and makes nothing, so it audits only its summary.
    entries = AuditEntry.objects.count()
    rollover(cast.head, cast.north, year)
    assert AuditEntry.objects.count() == entries + 1


def test_rollover_moves_on_only_pupils_on_roll_on_the_last_day(cast):
    """Ben left north before the end of the year: his record is north's no more, so the
    rollover neither moves him up nor closes anything of his; the preview agrees."""
    from strides.classes.queries import rollover_preview
    from strides.pupils.services import end_enrolment

    year = cast.year
    left = year.ends_on - dt.timedelta(days=30)
    end_enrolment(None, Enrolment.objects.get(pupil=cast.ben, school=cast.north), left, "transfer")
    preview = rollover_preview(cast.north, year, today=year.ends_on)
    assert preview.pupils_moving_on == 1
    result = rollover(cast.head, cast.north, year)
    assert result.pupils_moved_on == 1
    next_start = year.ends_on + dt.timedelta(days=1)
    assert characteristics_as_at(cast.ava, next_start).nc_year == 4
    assert characteristics_as_at(cast.ben, next_start).nc_year == 3
    assert Enrolment.objects.get(pupil=cast.ben, school=cast.north).end_date == left
