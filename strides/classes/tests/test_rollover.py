from __future__ import annotations

import datetime as dt

import pytest

from strides.audit.models import AuditEntry
from strides.classes.models import TeachingGroup
from strides.classes.services import ClassError, next_group_name, rollover, rollover_date_check
from strides.organisations.models import AcademicYear, School
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


def test_rollover_of_a_school_outside_the_trust_is_refused_in_a_sentence(cast):
    """A school with no trust (a placing school) has no academic years to roll into: refused with a
    message, nothing written (it used to fail on the database making a year with no trust)."""
    outside = School.objects.create(
        name="Placing School",
        urn="900901",
        la_code="901",
        establishment_number="4001",
        school_type="secondary",
        phase="secondary",
    )
    years = AcademicYear.objects.count()
    with pytest.raises(ClassError, match="Placing School is not in a trust"):
        rollover(None, outside, cast.year)
    assert AcademicYear.objects.count() == years


def test_group_names_move_up():
    assert next_group_name("3T") == "4T"
    assert next_group_name("Year 6 Oak") == "Year 7 Oak"
    assert next_group_name("Willow") == "Willow"


@pytest.mark.parametrize(
    ("name", "next_name"),
    [
        ("Reception Oak", "Year 1 Oak"),
        ("reception", "Year 1"),
        ("R Oak", "Year 1 Oak"),
        ("Rec Oak", "Year 1 Oak"),
        ("Rec. Oak", "Year 1 Oak"),
        ("Year R Oak", "Year 1 Oak"),
        ("Oak Reception", "Oak Year 1"),
        ("Nursery Oak", "Reception Oak"),
        ("Nursery", "Reception"),
        ("N2 Oak", "Reception Oak"),
        ("Nursery 2", "Reception"),
        ("N1 Oak", "N2 Oak"),
        ("Nursery 1", "Nursery 2"),
        ("RT", "RT"),  # not a Reception name: no year in it to move on
        ("Recorders", "Recorders"),
        ("Year 10 Maths", "Year 11 Maths"),
    ],
)
def test_early_years_names_move_up_to_the_next_stage(name, next_name):
    assert next_group_name(name) == next_name


def reception_class_with_a_pupil(cast):
    record = PupilRecord(
        upn=make_upn(801, 2001, 21, 7),
        legal_forename="Rhea",
        legal_surname="Reception",
        date_of_birth=dt.date(cast.year.start_year - 4, 10, 1),
        sex="F",
        characteristics={"nc_year": 0},
        enrolment_start=cast.year.starts_on,
    )
    upsert_pupils(None, cast.north, [record], effective=cast.year.starts_on)
    from strides.classes.services import create_group, set_pupils
    from strides.pupils.models import Pupil

    group = create_group(None, cast.north, cast.year, "Reception Oak", nc_year=0)
    set_pupils(None, group, [Pupil.objects.get(upn=record.upn)])
    return group


def test_rollover_makes_year_1_from_reception(cast):
    from strides.classes.services import rollover_preview

    reception_class_with_a_pupil(cast)
    preview = rollover_preview(cast.north, cast.year, today=cast.year.ends_on)
    assert ("R", "Year 1", 1) in preview.moving
    assert [
        (plan.name, plan.new_name, plan.pupils) for plan in preview.classes if plan.name.startswith("Rec")
    ] == [("Reception Oak", "Year 1 Oak", 1)]
    rollover(cast.head, cast.north, cast.year)
    made = TeachingGroup.objects.get(
        school=cast.north, academic_year__start_year=cast.year.start_year + 1, name="Year 1 Oak"
    )
    assert made.nc_year == 1
    assert made.pupils.get().legal_forename == "Rhea"
    assert not TeachingGroup.objects.filter(
        school=cast.north, academic_year__start_year=cast.year.start_year + 1, name="Reception Oak"
    ).exists()


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
    from strides.classes.services import rollover_preview
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


def test_rollover_page_previews_reception_becoming_year_1(client_for, cast):
    from django.urls import reverse

    reception_class_with_a_pupil(cast)
    response = client_for(cast.head).get(
        reverse("organisations_manage:rollover", kwargs={"urn": cast.north.urn})
    )
    html = response.content.decode()
    assert '<th scope="row">Reception Oak</th><td>Year 1 Oak</td>' in html
    assert "<td>Reception Oak</td>" not in html
