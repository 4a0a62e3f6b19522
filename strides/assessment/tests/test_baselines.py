"""Overdue baselines: a baseline is owed only for a pupil in a year group the year's drops collect,
in a subject they collect, six weeks after the pupil became eligible (arrived, their school
joined the trust, or they moved into a collected year group)."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.assessment import calendar
from strides.assessment.queries import overdue_baselines
from strides.assessment.services import create_drop, record_judgement
from strides.frameworks.models import Level, Subject
from strides.frameworks.services import ensure_common_scale
from strides.organisations.services import ensure_academic_year
from strides.pupils import services as pupils
from strides.pupils.models import Pupil
from strides.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

WEEKS = 6


def drop_of(cast, year, name: str, nc_years=(), subjects=("reading", "writing", "maths"), schools=None):
    ensure_common_scale(cast.trust)
    return create_drop(
        cast.analyst,
        cast.trust,
        year,
        name=name,
        term="autumn",
        opens_on=year.starts_on + dt.timedelta(days=60),
        deadline=year.starts_on + dt.timedelta(days=100),
        subjects=Subject.objects.filter(code__in=subjects),
        schools=schools or [cast.north, cast.river],
        nc_years=nc_years,
    )


def core(cast) -> list[int]:
    return list(Subject.objects.filter(code__in=["reading", "writing", "maths"]).values_list("pk", flat=True))


def arrive(cast, serial: int, nc_year: int, start: dt.date, name: str) -> Pupil:
    record = pupils.PupilRecord(
        upn=make_upn(int(cast.north.la_code), int(cast.north.establishment_number), 23, serial),
        legal_forename=name,
        legal_surname="Newcomer",
        date_of_birth=dt.date(start.year - 5 - nc_year, 3, 1),
        sex="F",
        characteristics={"nc_year": nc_year},
        enrolment_start=start,
    )
    pupils.upsert_pupils(None, cast.north, [record], effective=start)
    return Pupil.objects.get(upn=record.upn)


def owed_pupils(rows) -> dict[int, set[dt.date]]:
    found: dict[int, set[dt.date]] = {}
    for row in rows:
        found.setdefault(row.pupil_id, set()).add(row.due)
    return found


def test_reception_pupils_owe_nothing_to_drops_of_years_1_to_11(cast):
    year = cast.year
    drop_of(cast, year, "Autumn", nc_years=range(1, 12))
    robin = arrive(cast, 1, 0, year.starts_on, "Robin")
    today = year.starts_on + dt.timedelta(weeks=8)
    owed = owed_pupils(overdue_baselines(cast.analyst, [cast.north.pk], core(cast), today, WEEKS))
    assert robin.pk not in owed
    assert owed[cast.ava.pk] == {year.starts_on + dt.timedelta(weeks=WEEKS)}


def test_a_year_1_pupil_owes_from_moving_into_year_1_not_from_reception(cast):
    year = cast.year
    last_year = ensure_academic_year(None, cast.trust, year.start_year - 1)
    drop_of(cast, last_year, "Last autumn", nc_years=range(1, 12))
    drop_of(cast, year, "Autumn", nc_years=range(1, 12))
    # in Reception last year, Year 1 from this September
    pip = arrive(cast, 2, 0, last_year.starts_on, "Pip")
    pupils.change_characteristics(None, pip, {"nc_year": 1}, effective=year.starts_on)
    today = year.starts_on + dt.timedelta(weeks=8)
    owed = owed_pupils(overdue_baselines(cast.analyst, [cast.north.pk], core(cast), today, WEEKS))
    assert owed[pip.pk] == {year.starts_on + dt.timedelta(weeks=WEEKS)}
    # and not yet overdue five weeks into Year 1
    early = year.starts_on + dt.timedelta(weeks=5)
    assert pip.pk not in owed_pupils(
        overdue_baselines(cast.analyst, [cast.north.pk], core(cast), early, WEEKS)
    )


def test_only_subjects_the_drops_collect_are_owed(cast, subjects, level):
    drop = drop_of(cast, cast.year, "Autumn", subjects=("reading", "maths"))
    today = cast.year.starts_on + dt.timedelta(weeks=8)
    wanted = [*core(cast), subjects["science"].pk]
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    rows = [
        r
        for r in overdue_baselines(cast.analyst, [cast.north.pk], wanted, today, WEEKS)
        if r.pupil_id == cast.ava.pk
    ]
    assert {r.subject_id for r in rows} == {subjects["maths"].pk}  # not writing, not science


def test_nothing_is_owed_in_a_year_with_no_drops(cast):
    today = cast.year.starts_on + dt.timedelta(weeks=8)
    assert overdue_baselines(cast.analyst, [cast.north.pk], core(cast), today, WEEKS) == []


def test_a_school_new_to_the_trust_owes_from_joining_for_the_years_the_trust_collects(cast):
    from strides.assessment.tests.test_drops_views import new_school_with_pupil

    year = cast.year
    drop_of(cast, year, "Autumn", nc_years=range(1, 12))
    joined = year.starts_on + dt.timedelta(days=14)
    newbridge = new_school_with_pupil(cast, joined)  # Nell, Year 4
    baseline = calendar.create_baseline_drop(cast.analyst, newbridge, today=joined)
    assert baseline.nc_years == list(range(1, 12))  # what the trust's termly drops collect
    nell = Pupil.objects.get(legal_forename="Nell")
    record = pupils.PupilRecord(
        upn=make_upn(804, 2020, 21, 2),
        legal_forename="Rae",
        legal_surname="Reception",
        date_of_birth=dt.date(year.start_year - 4, 3, 1),
        sex="F",
        characteristics={"nc_year": 0},
        enrolment_start=joined,
    )
    pupils.upsert_pupils(None, newbridge, [record], effective=joined)
    today = joined + dt.timedelta(weeks=7)
    owed = owed_pupils(overdue_baselines(cast.analyst, [newbridge.pk], core(cast), today, WEEKS))
    assert owed == {nell.pk: {joined + dt.timedelta(weeks=WEEKS)}}


def test_a_baseline_is_not_owed_once_any_judgement_is_recorded(cast, subjects):
    drop = drop_of(cast, cast.year, "Autumn", nc_years=range(1, 12))
    today = cast.year.starts_on + dt.timedelta(weeks=8)
    y3 = Level.objects.get(framework__code="nc-bands", code="Y3 EXS")
    for code in ("reading", "writing", "maths"):
        record_judgement(cast.teacher, cast.ava, subjects[code], drop, cast.north, y3, expected_version=0)
    assert cast.ava.pk not in owed_pupils(
        overdue_baselines(cast.analyst, [cast.north.pk], core(cast), today, WEEKS)
    )
