"""The assessment calendar's services: the year's default three drops (from the trust's term
dates), and the baseline drop of a school new to the trust. Both through ``create_drop``: atomic
and audited."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.assessment import calendar
from strides.assessment.models import DataDrop, DropKind, DropSchool
from strides.assessment.services import AssessmentError, create_drop
from strides.audit.models import AuditEntry
from strides.organisations import services as organisations
from strides.organisations.models import HalfTerm, Phase, SchoolType, TermDates

pytestmark = pytest.mark.django_db


def new_school(cast, joined: dt.date, urn: str = "100020", name: str = "Newbridge Primary"):
    return organisations.create_school(
        None,
        cast.trust,
        name=name,
        urn=urn,
        la_code="804",
        establishment_number=urn[-4:],
        school_type=SchoolType.PRIMARY,
        phase=Phase.PRIMARY,
        joined_trust_on=joined,
    )


def drop_audits() -> int:
    return AuditEntry.objects.filter(object_type="assessment.DataDrop", action="create").count()


# --- the default three ------------------------------------------------------------------------


def test_the_plan_follows_the_trusts_term_dates(cast):
    organisations.set_term_dates_many(
        None,
        cast.year,
        [(HalfTerm.AUTUMN_2, dt.date(cast.year.start_year, 11, 2), dt.date(cast.year.start_year, 12, 16))],
    )
    autumn, spring, summer = calendar.default_drop_plan(cast.year)
    assert (autumn.term, spring.term, summer.term) == ("autumn", "spring", "summer")
    assert autumn.assessed_on == autumn.deadline == dt.date(cast.year.start_year, 12, 16)
    assert autumn.opens_on == dt.date(cast.year.start_year, 11, 26)  # three weeks before the end
    assert autumn.from_term_dates and spring.from_term_dates and summer.from_term_dates
    summer_2 = TermDates.objects.get(academic_year=cast.year, school=None, half_term=HalfTerm.SUMMER_2)
    assert summer.deadline == summer_2.ends_on
    assert autumn.name == f"Autumn {cast.year.label}"


def test_without_term_dates_the_plan_uses_typical_dates(cast):
    TermDates.objects.filter(academic_year=cast.year, half_term__startswith="spring").delete()
    _, spring, _ = calendar.default_drop_plan(cast.year)
    assert not spring.from_term_dates
    assert spring.opens_on <= spring.deadline
    assert spring.deadline.month in {3, 4} and spring.deadline.year == cast.year.start_year + 1


def test_the_default_three_cover_every_school_and_the_core_subjects(cast):
    before = drop_audits()
    made = calendar.create_default_drops(cast.analyst, cast.trust, cast.year)
    assert [d.term for d in made.created] == ["autumn", "spring", "summer"]
    assert made.skipped == [] and made.typical_dates == []
    for drop in made.created:
        assert drop.kind == DropKind.TERMLY and drop.nc_years == []
        assert {s.code for s in drop.subjects.all()} == {"reading", "writing", "maths"}
        assert set(drop.school_parts.values_list("school__urn", flat=True)) == {
            "100001",
            "100002",
            "100003",
            "100004",
        }
    assert drop_audits() == before + 3
    assert made.created[0].slug == f"{cast.year.start_year}-{str(cast.year.start_year + 1)[-2:]}-autumn"


def test_a_term_that_already_has_a_drop_is_left_alone(cast, drop):
    made = calendar.create_default_drops(cast.analyst, cast.trust, cast.year)
    assert [d.term for d in made.created] == ["spring", "summer"]
    assert made.skipped == ["Autumn"]
    assert DataDrop.objects.filter(term="autumn").count() == 1


def test_a_second_click_is_refused_and_writes_nothing(cast):
    calendar.create_default_drops(cast.analyst, cast.trust, cast.year)
    count, audits = DataDrop.objects.count(), drop_audits()
    with pytest.raises(AssessmentError, match="already has its autumn, spring and summer drops"):
        calendar.create_default_drops(cast.analyst, cast.trust, cast.year)
    assert DataDrop.objects.count() == count and drop_audits() == audits


def test_all_or_nothing_when_one_drop_fails(cast):
    # a drop by hand already holds the summer slug: the whole set is refused
    create_drop(
        cast.analyst,
        cast.trust,
        cast.year,
        name="Summer by hand",
        term="spring",
        opens_on=cast.year.starts_on,
        deadline=cast.year.starts_on,
        slug=calendar.default_drop_plan(cast.year)[2].slug,
    )
    with pytest.raises(AssessmentError, match="already exists"):
        calendar.create_default_drops(cast.analyst, cast.trust, cast.year)
    assert DataDrop.objects.count() == 1


@pytest.mark.parametrize("name", ["head", "teacher", "director"])
def test_only_the_trusts_assessment_team_makes_the_calendar(cast, name):
    with pytest.raises(PermissionError):
        calendar.create_default_drops(cast.users[name], cast.trust, cast.year)
    assert not DataDrop.objects.exists()


# --- baseline drops ---------------------------------------------------------------------------


def test_a_school_that_joined_this_year_owes_a_baseline_drop(cast):
    today = cast.today
    newbridge = new_school(cast, today - dt.timedelta(days=60))
    from strides.organisations.models import School

    owing = calendar.schools_owing_baseline_drop(School.objects.all(), today)
    assert owing == [newbridge]  # north and the others joined in 2018; hillside is outside


def test_the_baseline_drop_is_that_school_only_due_six_weeks_after_joining(cast):
    joined = cast.today - dt.timedelta(days=20)
    newbridge = new_school(cast, joined)
    before = drop_audits()
    drop = calendar.create_baseline_drop(cast.analyst, newbridge, cast.today)
    assert drop.kind == DropKind.BASELINE
    assert list(drop.school_parts.values_list("school", flat=True)) == [newbridge.pk]
    assert drop.opens_on == joined and drop.deadline == joined + dt.timedelta(weeks=6)
    assert drop.assessed_on == drop.deadline and drop.nc_years == []
    assert {s.code for s in drop.subjects.all()} == {"reading", "writing", "maths"}
    assert drop_audits() == before + 1
    assert calendar.schools_owing_baseline_drop(type(newbridge).objects.all(), cast.today) == []
    with pytest.raises(AssessmentError, match="already has a baseline drop"):
        calendar.create_baseline_drop(cast.analyst, newbridge, cast.today)


def test_the_baseline_weeks_are_configurable(cast, settings):
    settings.STRIDES_BASELINE_WEEKS = 4
    joined = cast.today - dt.timedelta(days=10)
    drop = calendar.create_baseline_drop(cast.analyst, new_school(cast, joined), cast.today)
    assert drop.deadline == joined + dt.timedelta(weeks=4)


def test_a_school_of_long_standing_gets_no_baseline_drop(cast):
    with pytest.raises(AssessmentError, match="joined within the last year"):
        calendar.create_baseline_drop(cast.analyst, cast.north, cast.today)
    assert not DropSchool.objects.exists()


def test_a_head_cannot_make_a_baseline_drop(cast):
    newbridge = new_school(cast, cast.today - dt.timedelta(days=10))
    with pytest.raises(PermissionError):
        calendar.create_baseline_drop(cast.head, newbridge, cast.today)
    assert not DataDrop.objects.exists()
