"""Completeness of a drop for many schools in a fixed number of queries.

The same figures as :func:`strides.assessment.queries.completeness` (the boards' reader; a test
holds the two equal), counted per school in the database instead of one query per school, so an
API list costs the same for a trust of 4 schools or 60.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q

from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement
from strides.assessment.queries import Completeness
from strides.pupils.models import CharacteristicsPeriod, Enrolment

CLOSED = {DropStatus.SUBMITTED, DropStatus.LOCKED}


def completeness_of(
    drop: DataDrop, parts: Iterable[DropSchool], subject_count: int, today: dt.date | None = None
) -> list[Completeness]:
    """n of N (pupils x subjects) and overdue, for each of ``parts`` (already scoped)."""
    parts = list(parts)
    if not parts:
        return []
    today = today or dt.date.today()
    day = drop.assessed_on
    school_ids = [part.school_id for part in parts]
    in_force = CharacteristicsPeriod.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    if drop.nc_years:
        in_force = in_force.filter(nc_year__in=drop.nc_years)
    expected = dict(
        Enrolment.objects.filter(school_id__in=school_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(pupil_id__in=in_force.values("pupil_id"))
        .values("school_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .values_list("school_id", "n")
    )
    recorded = dict(
        Judgement.objects.filter(drop=drop, school_id__in=school_ids)
        .values("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    return [
        Completeness(
            part,
            expected.get(part.school_id, 0) * subject_count,
            recorded.get(part.school_id, 0),
            today > drop.deadline and part.status not in CLOSED,
        )
        for part in parts
    ]
