"""A drop's completeness counts in the reader's aggregate reach (``strides.access.aggregates``):
the schools whose figures they see, never a school beyond it."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.assessment.completeness import completeness, completeness_of
from strides.assessment.models import DropSchool
from strides.assessment.services import record_judgement

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(cast, drop, subjects, level):
    record_judgement(
        cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
    )
    record_judgement(
        cast.analyst, cast.cara, subjects["maths"], drop, cast.river, level("Y8 EXS"), expected_version=0
    )
    return drop


def figures(rows):
    return {row.part.school_id: (row.expected, row.recorded) for row in rows}


def test_a_trust_role_counts_every_school_a_governor_their_own(cast, recorded):
    everyone = figures(completeness(cast.analyst, recorded))
    assert set(everyone) == {cast.north.pk, cast.river.pk}
    assert everyone[cast.north.pk][1] == 1 and everyone[cast.river.pk][1] == 1
    # the governor of north sees north's n of N, the same figure, and no other school's
    assert figures(completeness(cast.governor, recorded)) == {cast.north.pk: everyone[cast.north.pk]}
    assert figures(completeness(cast.governor, recorded, [cast.river.pk])) == {}


def test_a_part_beyond_the_readers_reach_counts_nothing(cast, recorded):
    river = DropSchool.objects.get(drop=recorded, school=cast.river)
    [row] = completeness_of(cast.governor, recorded, [river], today=recorded.deadline + dt.timedelta(days=1))
    assert (row.expected, row.recorded) == (0, 0)
    [counted] = completeness_of(cast.analyst, recorded, [river])
    assert counted.expected > 0 and counted.recorded == 1


@pytest.mark.parametrize("who", ["parent", "placing"])
def test_no_aggregate_reach_no_figures(cast, recorded, who):
    assert completeness(getattr(cast, who), recorded) == []


def test_five_queries_whatever_the_schools(cast, recorded, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        rows = completeness(cast.analyst, recorded)
    assert len(rows) == 2
