"""Completeness of a drop: each school's n of N recorded (pupils x the subjects it owes) and
whether it is overdue, for the boards, the dashboards and the API, in a fixed number of queries
however many schools (counted per school in the database).

Counts of a school's own part of a drop, read by those who may open the school's part
(``strides.assessment.api.scope.visible_parts``, the boards' and dashboards' schools) through the
readers of their aggregate reach (:mod:`strides.access.aggregates`, as the drop boards do): a
count names no pupil and no judgement of another school, and counts nothing at a school outside
the reader's aggregate reach.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from strides.access.actor import Viewer
from strides.access.aggregates import (
    characteristics_in_aggregate_reach,
    enrolments_in_aggregate_reach,
    judgements_in_aggregate_reach,
)
from strides.access.gate import visible_schools
from strides.assessment.models import DataDrop, DropSchool, DropStatus
from strides.frameworks.queries import subjects_owed
from strides.organisations.models import School


@dataclass(frozen=True)
class Completeness:
    part: DropSchool
    expected: int  # pupils x subjects
    recorded: int
    overdue: bool

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.expected) if self.expected else 100


CLOSED = {DropStatus.SUBMITTED, DropStatus.LOCKED}


def completeness_of(
    user: Viewer, drop: DataDrop, parts: Iterable[DropSchool], today: dt.date | None = None
) -> list[Completeness]:
    """n of N (pupils x the subjects the school owes) and overdue, for each of ``parts`` (already
    scoped: schools of the user's aggregate reach; a part outside it counts nothing). A school
    owes the drop's subjects whose phase fits it and its own additions
    (:func:`strides.frameworks.queries.subjects_owed`); judgements in other subjects do not count."""
    parts = list(parts)
    if not parts:
        return []
    today = today or dt.date.today()
    day = drop.assessed_on
    school_ids = [part.school_id for part in parts]
    school_field = DropSchool._meta.get_field("school")
    schools = {part.school_id: part.school for part in parts if school_field.is_cached(part)}
    if len(schools) < len(set(school_ids)):
        schools |= School.objects.in_bulk([pk for pk in school_ids if pk not in schools])
    owed = {pk: {s.pk for s in owing} for pk, owing in subjects_owed(drop, schools.values()).items()}
    in_force = (
        characteristics_in_aggregate_reach(user)
        .filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    )
    if drop.nc_years:
        in_force = in_force.filter(nc_year__in=drop.nc_years)
    expected = dict(
        enrolments_in_aggregate_reach(user)
        .filter(school_id__in=school_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(pupil_id__in=in_force.values("pupil_id"))
        .values("school_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .values_list("school_id", "n")
    )
    recorded: dict[int, int] = defaultdict(int)
    for school_id, subject_id, n in (
        judgements_in_aggregate_reach(user)
        .filter(drop=drop, school_id__in=school_ids)
        .values("school_id", "subject_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "subject_id", "n")
    ):
        if subject_id in owed.get(school_id, ()):
            recorded[school_id] += n
    return [
        Completeness(
            part,
            expected.get(part.school_id, 0) * len(owed.get(part.school_id, ())),
            recorded.get(part.school_id, 0),
            today > drop.deadline and part.status not in CLOSED,
        )
        for part in parts
    ]


def completeness(
    user: Viewer, drop: DataDrop, school_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> list[Completeness]:
    """Each school's progress on a drop (``school_ids``, or every school taking part), of the
    schools of the user's aggregate reach (``visible_schools``), by school
    name: n of N recorded (pupils x the subjects the school owes: their phase fits it, or they
    are its own), and whether it is overdue. Five queries, whatever the number of
    schools: the counting is :func:`completeness_of`'s."""
    parts = (
        DropSchool.objects.filter(drop=drop, school__in=visible_schools(user))
        .select_related("school")
        .order_by("school__name")
    )
    if school_ids is not None:
        parts = parts.filter(school_id__in=list(school_ids))
    return completeness_of(user, drop, parts, today)
