"""Readers for counts only, never for rows shown by name (ADR 11, ADR 12).

A drop's completeness, its boards (the trust's, a school's with its classes) and the overdue
baselines count pupils and judgements across the schools whose figures a user sees, including
pupils the user may not see by name (a head of one school sees how complete every class is; a
governor sees their school's n of N). Those counts start here, from the schools of the user's
*aggregate reach*: :func:`strides.access.gate.visible_schools` (the schools whose aggregates they
see, trust-wide for trust roles, and a teacher's or TA's own school).

**For counts only.** What these return may be counted, summed or compared with another count; it
is never shown row by row, named, or handed to a template or a serializer. A page that names a
pupil or shows a level reads it through the gate (``visible_pupils``, ``visible_enrolments``,
:mod:`strides.access.readers`) or :func:`strides.access.judgements.visible_judgements`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from strides.access.actor import Viewer
from strides.access.gate import scope_for, visible_schools

if TYPE_CHECKING:
    from strides.assessment.models import Judgement
    from strides.classes.models import GroupMembership
    from strides.pupils.models import CharacteristicsPeriod, Enrolment


def enrolments_in_aggregate_reach(user: Viewer) -> QuerySet[Enrolment]:
    """Enrolments (current, ended or to come) at the schools of the user's aggregate reach: for
    counts only."""
    from strides.pupils.models import Enrolment

    if not scope_for(user).trust_ids:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(school__in=visible_schools(user))


def _pupils_in_aggregate_reach(user: Viewer) -> QuerySet[Enrolment]:
    return enrolments_in_aggregate_reach(user).order_by().values("pupil_id")


def characteristics_in_aggregate_reach(user: Viewer) -> QuerySet[CharacteristicsPeriod]:
    """The characteristics periods (NC year, FSM, SEN...) of pupils ever on the roll of a school of
    the user's aggregate reach: for counts only (who a drop expects, who owes a baseline)."""
    from strides.pupils.models import CharacteristicsPeriod

    if not scope_for(user).trust_ids:
        return CharacteristicsPeriod.objects.none()
    return CharacteristicsPeriod.objects.filter(pupil_id__in=_pupils_in_aggregate_reach(user))


def memberships_in_aggregate_reach(user: Viewer) -> QuerySet[GroupMembership]:
    """Who is in which class, for the classes of the schools of the user's aggregate reach: for
    counts only (a school board's classes and the pupils in none)."""
    from strides.classes.models import GroupMembership

    if not scope_for(user).trust_ids:
        return GroupMembership.objects.none()
    return GroupMembership.objects.filter(group__school__in=visible_schools(user))


def judgements_in_aggregate_reach(user: Viewer) -> QuerySet[Judgement]:
    """Judgements (in force) made at a school of the user's aggregate reach, or for a pupil on the
    roll of one (a dual-registered pupil's judgement held by the other school still fills the
    cell a board counts): for counts only, never a level, a person or a history."""
    from strides.assessment.models import Judgement

    trust_ids = scope_for(user).trust_ids
    if not trust_ids:
        return Judgement.objects.none()
    return Judgement.objects.filter(
        Q(school__in=visible_schools(user)) | Q(pupil_id__in=_pupils_in_aggregate_reach(user)),
        school__trust_id__in=trust_ids,
    )
