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

**The trust's analytics frame.** The dashboards' observations frame
(``strides.dashboards.frames``) is built once per trust and shared by every user of it (ADR 9):
the similar-learner pool every percentile compares with is trust-wide by design (a percentile
reveals no other pupil). Its rows are read by the ``trust_*_for_analytics`` readers below, by trust
and never wider; nobody is shown them as they are. ``strides.dashboards.queries.AnalyticsView``
narrows the frame for each user before a page sees a row: to the schools of their aggregate reach
for the figures, and to :func:`strides.access.judgements.judgement_reach` (ADR 11) for the rows
of pupils they see by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from strides.access.actor import Viewer
from strides.access.gate import scope_for, visible_schools

if TYPE_CHECKING:
    from strides.assessment.models import Judgement
    from strides.classes.models import GroupMembership
    from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil


def enrolments_in_aggregate_reach(user: Viewer) -> QuerySet[Enrolment]:
    """Enrolments (current, ended or to come) at the schools of the user's aggregate reach: for
    counts only."""
    from strides.pupils.models import Enrolment

    if not scope_for(user).trust_ids:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(school__in=visible_schools(user))


def _pupils_in_aggregate_reach(user: Viewer) -> QuerySet[Enrolment, Any]:
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


# --- the trust's analytics frame (see the module docstring) --------------------------------------


def trust_judgements_for_analytics(trust_id: int) -> QuerySet[Judgement]:
    """The judgements (in force) of the trust's drops, for the trust's analytics frame: narrowed
    for each user by ``AnalyticsView`` before any page reads them."""
    from strides.assessment.models import Judgement

    return Judgement.objects.filter(drop__trust_id=trust_id)


def _trust_pupil_ids(trust_id: int) -> QuerySet[Enrolment, Any]:
    from strides.pupils.models import Enrolment

    return Enrolment.objects.filter(school__trust_id=trust_id).order_by().values("pupil_id")


def trust_characteristics_for_analytics(
    trust_id: int, pupil_ids: Iterable[int] | None = None
) -> QuerySet[CharacteristicsPeriod]:
    """The characteristics periods of the pupils ever on the roll of one of the trust's schools
    (only ``pupil_ids`` of them, when given), for the trust's analytics frame."""
    from strides.pupils.models import CharacteristicsPeriod

    periods = CharacteristicsPeriod.objects.filter(pupil_id__in=_trust_pupil_ids(trust_id))
    return periods if pupil_ids is None else periods.filter(pupil_id__in=list(pupil_ids))


def trust_pupils_for_analytics(trust_id: int, pupil_ids: Iterable[int] | None = None) -> QuerySet[Pupil]:
    """The pupils ever on the roll of one of the trust's schools (only ``pupil_ids`` of them, when
    given), for the trust's analytics frame (their sex, a characteristic the frame groups by)."""
    from strides.pupils.models import Pupil

    pupils = Pupil.objects.filter(pk__in=_trust_pupil_ids(trust_id))
    return pupils if pupil_ids is None else pupils.filter(pk__in=list(pupil_ids))
