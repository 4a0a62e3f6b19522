"""Readers for counts (``strides.access.aggregates``) and for the command line
(``strides.access.command_line``): what each reaches, by the cast's roles."""

from __future__ import annotations

import pytest

from strides.access.aggregates import (
    characteristics_in_aggregate_reach,
    enrolments_in_aggregate_reach,
    judgements_in_aggregate_reach,
    memberships_in_aggregate_reach,
    trust_characteristics_for_analytics,
    trust_judgements_for_analytics,
    trust_pupils_for_analytics,
)
from strides.access.command_line import (
    trust_characteristics,
    trust_enrolments,
    trust_judgements,
    trust_memberships,
    trust_pupils,
)
from strides.access.gate import visible_pupils
from strides.assessment.services import record_judgement
from strides.frameworks.models import Level, Subject
from strides.testing.cast import add_autumn_drop

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(cast):
    """Ava's reading at north and Cara's at river, in one drop."""
    drop = add_autumn_drop(cast)
    reading = Subject.objects.get(code="reading", trust=None)
    level = Level.objects.get(framework__code="nc-bands", framework__trust=None, code="Y3 WTS")
    ava = record_judgement(cast.head, cast.ava, reading, drop, cast.north, level, expected_version=0)
    cara = record_judgement(cast.analyst, cast.cara, reading, drop, cast.river, level, expected_version=0)
    return ava, cara


def pupils_of(rows) -> set[int]:
    return set(rows.values_list("pupil_id", flat=True))


def test_a_governor_counts_their_schools_pupils_without_seeing_one(cast, judged):
    ava, _ = judged
    assert not visible_pupils(cast.governor).exists()  # aggregates only: no pupil by name
    assert set(judgements_in_aggregate_reach(cast.governor)) == {ava}
    assert {cast.ava.pk, cast.ben.pk} <= pupils_of(enrolments_in_aggregate_reach(cast.governor))
    assert cast.cara.pk not in pupils_of(enrolments_in_aggregate_reach(cast.governor))
    assert cast.cara.pk not in pupils_of(characteristics_in_aggregate_reach(cast.governor))
    assert {cast.ava.pk, cast.ben.pk} <= pupils_of(memberships_in_aggregate_reach(cast.governor))


def test_a_teacher_counts_their_school_a_trust_role_every_school(cast, judged):
    ava, cara = judged
    assert set(judgements_in_aggregate_reach(cast.teacher)) == {ava}  # the school's board
    assert set(judgements_in_aggregate_reach(cast.analyst)) == {ava, cara}
    assert set(judgements_in_aggregate_reach(cast.river_head)) == {cara}


def test_a_pupil_on_the_roll_counts_whoever_judged_them(cast, judged):
    """A dual-registered pupil's judgement, held by the other school, fills the cell a school's
    board counts."""
    _, cara = judged
    from strides.pupils.models import Enrolment

    Enrolment.objects.create(pupil=cast.cara, school=cast.north, start_date=cast.year.starts_on)
    assert cara in set(judgements_in_aggregate_reach(cast.governor))


@pytest.mark.parametrize("who", ["parent", "placing"])
def test_no_aggregate_reach_counts_nothing(cast, judged, who):
    user = getattr(cast, who)
    assert not judgements_in_aggregate_reach(user).exists()
    assert not memberships_in_aggregate_reach(user).exists()


def test_an_anonymous_viewer_counts_nothing(cast, judged):
    from django.contrib.auth.models import AnonymousUser

    for reader in (
        enrolments_in_aggregate_reach,
        characteristics_in_aggregate_reach,
        memberships_in_aggregate_reach,
        judgements_in_aggregate_reach,
    ):
        assert not reader(AnonymousUser()).exists()


def test_the_command_line_reads_one_trust_and_nothing_beyond(cast, judged):
    ava, cara = judged
    trust = cast.trust.pk
    assert set(trust_judgements(trust)) == {ava, cara}
    assert all(j.shows_history for j in trust_judgements(trust))
    assert cast.ava.pk in set(trust_pupils(trust).values_list("pk", flat=True))
    assert (
        not trust_pupils(trust)
        .filter(enrolments__school=cast.hillside)
        .exclude(enrolments__school__trust=cast.trust)
    )
    assert not trust_enrolments(trust).exclude(school__trust=cast.trust).exists()
    assert cast.ava.pk in pupils_of(trust_characteristics(trust))
    assert not trust_memberships(trust).exclude(group__school__trust=cast.trust).exists()
    assert not trust_judgements(trust + 1000).exists()


def test_the_analytics_frame_reads_one_trust_and_ids_never_widen_it(cast, judged):
    """The dashboards' trust-wide frame (``strides.dashboards.frames``): every judgement of the
    trust's drops, and the characteristics and sex of the trust's pupils; ids passed narrow it, never
    reach past the trust (a pupil id of another trust, or any id for a trust that is not theirs)."""
    ava, cara = judged
    trust = cast.trust.pk
    assert set(trust_judgements_for_analytics(trust)) == {ava, cara}
    assert not trust_judgements_for_analytics(trust + 1000).exists()
    assert {cast.ava.pk, cast.cara.pk} <= pupils_of(trust_characteristics_for_analytics(trust))
    assert pupils_of(trust_characteristics_for_analytics(trust, [cast.ava.pk])) == {cast.ava.pk}
    assert not trust_characteristics_for_analytics(trust + 1000, [cast.ava.pk]).exists()
    pupils = trust_pupils_for_analytics(trust, [cast.ava.pk, cast.cara.pk])
    assert set(pupils.values_list("pk", flat=True)) == {cast.ava.pk, cast.cara.pk}
    assert not trust_pupils_for_analytics(trust + 1000, [cast.ava.pk]).exists()
    assert not trust_pupils_for_analytics(trust).exclude(enrolments__school__trust=cast.trust).exists()
