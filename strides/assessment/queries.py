"""Reads of drops and judgements: completeness, baselines, history. Callers pass scoped querysets
or ids already checked through the gate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min, Q, QuerySet

from strides.assessment.models import DataDrop, DropSchool, Judgement
from strides.pupils.models import CharacteristicsPeriod, Enrolment


def expected_enrolments(drop: DataDrop, school_ids: Iterable[int]) -> QuerySet[Enrolment]:
    """Enrolments of the pupils a drop expects: on roll at the school on the drop's date, in its
    NC years (as at that date). The one rule every count of a drop uses, for many schools in one
    query: the boards, the class lists, the grid and the template."""
    day = drop.assessed_on
    periods = CharacteristicsPeriod.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    if drop.nc_years:
        periods = periods.filter(nc_year__in=drop.nc_years)
    return (
        Enrolment.objects.filter(school_id__in=list(school_ids), start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .filter(pupil_id__in=periods.values("pupil_id"))
    )


def expected_pupil_ids(drop: DataDrop, school_id: int) -> list[int]:
    """Pupils the drop expects at a school: on roll on the drop's date, in its NC years."""
    return list(
        expected_enrolments(drop, [school_id]).order_by().values_list("pupil_id", flat=True).distinct()
    )


@dataclass(frozen=True)
class Completeness:
    part: DropSchool
    expected: int  # pupils x subjects
    recorded: int
    overdue: bool

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.expected) if self.expected else 100


def completeness(
    drop: DataDrop, school_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> list[Completeness]:
    """Each school's progress on a drop (``school_ids``, or every school taking part), by school
    name: n of N recorded, and whether it is overdue. Four queries, whatever the number of
    schools: the counting is :func:`strides.assessment.api.completeness.completeness_of`'s."""
    # imported here: that module imports Completeness from this one
    from strides.assessment.api.completeness import completeness_of

    parts = DropSchool.objects.filter(drop=drop).select_related("school").order_by("school__name")
    if school_ids is not None:
        parts = parts.filter(school_id__in=list(school_ids))
    return completeness_of(drop, parts, drop.subjects.count(), today)


def baselines(pupil_ids: list[int]) -> dict[tuple[int, int], Judgement]:
    """(pupil, subject) -> the pupil's first judgement in the subject: their baseline."""
    firsts = (
        Judgement.objects.filter(pupil_id__in=pupil_ids)
        .values("pupil_id", "subject_id")
        .annotate(first=Min("drop__assessed_on"))
    )
    wanted = {(row["pupil_id"], row["subject_id"]): row["first"] for row in firsts}
    result = {}
    for j in Judgement.objects.filter(pupil_id__in=pupil_ids).select_related("drop", "level", "point"):
        if wanted.get((j.pupil_id, j.subject_id)) == j.drop.assessed_on:
            result.setdefault((j.pupil_id, j.subject_id), j)
    return result


@dataclass(frozen=True)
class OverdueBaseline:
    pupil_id: int
    school_id: int
    subject_id: int
    due: dt.date


def overdue_baselines(
    school_ids: list[int], subject_ids: list[int], today: dt.date, weeks: int = 6
) -> list[OverdueBaseline]:
    """Pupils on roll with no judgement yet in a subject, six weeks (configurable) after they
    arrived or their school joined the trust, whichever is later."""
    enrolments = (
        Enrolment.objects.filter(school_id__in=school_ids, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("school")
    )
    judged = set(
        Judgement.objects.filter(subject_id__in=subject_ids).values_list("pupil_id", "subject_id").distinct()
    )
    rows = []
    for enrolment in enrolments:
        start = max(filter(None, [enrolment.start_date, enrolment.school.joined_trust_on]))
        due = start + dt.timedelta(weeks=weeks)
        if due >= today:
            continue
        for subject_id in subject_ids:
            if (enrolment.pupil_id, subject_id) not in judged:
                rows.append(OverdueBaseline(enrolment.pupil_id, enrolment.school_id, subject_id, due))
    return rows
