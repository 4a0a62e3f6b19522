"""Reads of drops and judgements: completeness, baselines, history. Callers pass scoped querysets
or ids already checked through the gate."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, QuerySet

from strides.access.actor import Viewer
from strides.access.aggregates import (
    characteristics_in_aggregate_reach,
    enrolments_in_aggregate_reach,
    judgements_in_aggregate_reach,
)
from strides.access.command_line import trust_characteristics, trust_enrolments
from strides.access.gate import schools_with
from strides.access.judgements import visible_judgements
from strides.accounts.roles import Capability
from strides.assessment.completeness import (  # their former home here: re-exported for the pages
    Completeness as Completeness,
)
from strides.assessment.completeness import (
    completeness as completeness,
)
from strides.assessment.models import DataDrop, DropSchool, Judgement, drop_title
from strides.classes.models import TeachingGroup
from strides.organisations.models import AcademicYear
from strides.pupils.models import Enrolment
from strides.pupils.queries import current_enrolments

PUPIL_CHUNK = 900  # ids per query: well under SQLite's limit on bound parameters


def expected_enrolments(
    user: Viewer | None, drop: DataDrop, school_ids: Iterable[int]
) -> QuerySet[Enrolment]:
    """Enrolments of the pupils a drop expects: on roll at the school on the drop's date, in its
    NC years (as at that date). The one rule every count of a drop uses, for many schools in one
    query: the boards, the class lists, the grid and the template. Read for counts within the
    user's aggregate reach (``strides.access.aggregates``; ``None``: the command line, the drop's
    trust): a page that names the pupils narrows them through the gate."""
    day = drop.assessed_on
    if user is None:
        periods, enrolments = trust_characteristics(drop.trust_id), trust_enrolments(drop.trust_id)
    else:
        periods, enrolments = characteristics_in_aggregate_reach(user), enrolments_in_aggregate_reach(user)
    periods = periods.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    if drop.nc_years:
        periods = periods.filter(nc_year__in=drop.nc_years)
    return enrolments.filter(current_enrolments(day), school_id__in=list(school_ids)).filter(
        pupil_id__in=periods.values("pupil_id")
    )


def expected_pupil_ids(drop: DataDrop, school_id: int, user: Viewer | None = None) -> list[int]:
    """Pupils the drop expects at a school: on roll on the drop's date, in its NC years (within
    the user's aggregate reach; no user: the command line)."""
    return list(
        expected_enrolments(user, drop, [school_id]).order_by().values_list("pupil_id", flat=True).distinct()
    )


def open_drops(user: Viewer, group: TeachingGroup) -> list[DropSchool]:
    """The class's school's parts of the drops of the class's year that teachers can still record
    in, when the user records judgements at that school (one query, the capability checked
    through the gate inside it). A drop that collects other year groups than the class's is left
    out."""
    parts = (
        DropSchool.objects.filter(
            school=group.school,
            school__in=schools_with(user, Capability.RECORD_ASSESSMENT),
            drop__academic_year_id=group.academic_year_id,
        )
        .select_related("drop")
        .order_by("drop__assessed_on", "drop__name")
    )
    return [
        part
        for part in parts
        if part.teachers_may_edit
        and (group.nc_year is None or not part.drop.nc_years or group.nc_year in part.drop.nc_years)
    ]


def baselines(user: Viewer, pupil_ids: list[int]) -> dict[tuple[int, int], Judgement]:
    """(pupil, subject) -> the pupil's first judgement in the subject that the user may read
    (``visible_judgements``, ADR 11): their baseline."""
    readable = visible_judgements(user)
    firsts = (
        readable.filter(pupil_id__in=pupil_ids)
        .values("pupil_id", "subject_id")
        .annotate(first=Min("drop__assessed_on"))
    )
    wanted = {(row["pupil_id"], row["subject_id"]): row["first"] for row in firsts}
    result = {}
    for j in readable.filter(pupil_id__in=pupil_ids).select_related("drop", "level", "point"):
        if wanted.get((j.pupil_id, j.subject_id)) == j.drop.assessed_on:
            result.setdefault((j.pupil_id, j.subject_id), j)
    return result


@dataclass(frozen=True)
class PreviousJudgement:
    """A pupil's judgement in a subject in the most recent earlier drop that has one."""

    code: str
    value: int | None  # its point on the common scale
    start_year: int  # the academic year of its drop
    when: str  # its drop's title: "Summer 2025/26"


def previous_judgements(
    drop: DataDrop, pupil_ids: Iterable[int], subject_ids: Iterable[int], readable: QuerySet[Judgement]
) -> dict[tuple[int, int], PreviousJudgement]:
    """(pupil, subject) -> the judgement of the most recent earlier drop of the trust that has one
    (what the grid shows as "was", what shorthand and the jump warning read), among ``readable``:
    the judgements the user may read (``strides.access.judgements.visible_judgements``: another
    school's as prior attainment, ADR 11). One query."""
    rows = (
        readable.filter(
            pupil_id__in=list(pupil_ids),
            subject_id__in=list(subject_ids),
            drop__trust_id=drop.trust_id,
            drop__assessed_on__lt=drop.assessed_on,
        )
        .order_by("pupil_id", "subject_id", "-drop__assessed_on", "-drop_id")
        .values_list(
            "pupil_id",
            "subject_id",
            "level__code",
            "point__value",
            "drop__name",
            "drop__academic_year__start_year",
        )
    )
    found: dict[tuple[int, int], PreviousJudgement] = {}
    for pupil_id, subject_id, code, value, name, start_year in rows:
        if (pupil_id, subject_id) not in found:
            year_label = f"{start_year}/{(start_year + 1) % 100:02d}"  # AcademicYear.label
            found[(pupil_id, subject_id)] = PreviousJudgement(
                code, value, start_year, drop_title(name, year_label)
            )
    return found


@dataclass(frozen=True)
class OverdueBaseline:
    pupil_id: int
    school_id: int
    subject_id: int
    due: dt.date


@dataclass(frozen=True)
class Collected:
    """What a school's drops collect in one academic year: NC years (None: every year group) and
    subjects."""

    nc_years: frozenset[int] | None
    subject_ids: frozenset[int]

    def collects(self, nc_year: int | None, subject_id: int) -> bool:
        if subject_id not in self.subject_ids or nc_year is None:
            return False
        return self.nc_years is None or nc_year in self.nc_years


def collected_by_year(schools: Iterable[Any]) -> dict[tuple[int, int], Collected]:
    """(school, academic year's start year) -> what the school's drops of that year collect: the
    drops the school takes part in, or, for a school in none of that year's drops (new to the
    trust, say), every drop of its trust that year. A year with no drops collects nothing. One
    query."""
    schools = list(schools)
    trust_ids = {school.trust_id for school in schools if school.trust_id}
    nc_years_of: dict[int, list[int]] = {}
    drops: set[tuple[int, int, int]] = set()  # (drop, trust, start year)
    subjects: dict[int, set[int]] = defaultdict(set)
    taking_part: dict[int, set[int]] = defaultdict(set)  # school -> drops
    # one row per drop x subject x school taking part: a trust has a few dozen drops
    rows = DataDrop.objects.filter(trust_id__in=trust_ids).values_list(
        "pk", "trust_id", "academic_year__start_year", "nc_years", "subjects", "school_parts__school"
    )
    for drop_id, trust_id, start_year, nc_years, subject_id, school_id in rows:
        drops.add((drop_id, trust_id, start_year))
        nc_years_of[drop_id] = nc_years or []
        if subject_id is not None:
            subjects[drop_id].add(subject_id)
        if school_id is not None:
            taking_part[school_id].add(drop_id)

    def merged(rows: list[tuple[int, int, int]]) -> Collected:
        every_year = any(not nc_years_of[drop_id] for drop_id, _, _ in rows)
        years = frozenset(y for drop_id, _, _ in rows for y in nc_years_of[drop_id])
        return Collected(
            None if every_year else years, frozenset(s for drop_id, _, _ in rows for s in subjects[drop_id])
        )

    result: dict[tuple[int, int], Collected] = {}
    for school in schools:
        for start_year in {year for _, trust_id, year in drops if trust_id == school.trust_id}:
            of_year = [d for d in drops if d[1] == school.trust_id and d[2] == start_year]
            own = [d for d in of_year if d[0] in taking_part[school.pk]]
            result[(school.pk, start_year)] = merged(own or of_year)
    return result


def eligible_since(
    periods: list[tuple[dt.date, dt.date | None, int]],
    collected: dict[int, Collected],
    subject_id: int,
    arrived: dt.date,
    today: dt.date,
) -> dt.date | None:
    """The day from which a pupil has owed a baseline in a subject: the start of the unbroken run
    of days up to ``today`` on which the pupil's NC year (``periods``: valid from, valid to
    (exclusive), NC year) was one the drops of that academic year (``collected``, by start year)
    collect in the subject, but never before ``arrived`` (enrolment, or the school joining).
    None when the pupil owes nothing today (a Reception pupil in drops of Years 1-11)."""
    since = None
    cursor = today
    ordered = sorted(periods, key=lambda p: p[0], reverse=True)
    while cursor >= arrived:
        period = next((p for p in ordered if p[0] <= cursor and (p[1] is None or cursor < p[1])), None)
        if period is None:
            break
        start_year = AcademicYear.start_year_for(cursor)
        this_year = collected.get(start_year)
        if this_year is None or not this_year.collects(period[2], subject_id):
            break
        since = max(period[0], dt.date(start_year, 9, 1))
        cursor = since - dt.timedelta(days=1)
    return max(since, arrived) if since is not None else None


def overdue_baselines(
    user: Viewer, school_ids: list[int], subject_ids: list[int], today: dt.date, weeks: int = 6
) -> list[OverdueBaseline]:
    """Baselines owed and not recorded: for each pupil on roll at ``school_ids`` with no judgement
    yet in one of ``subject_ids``, due ``weeks`` (STRIDES_BASELINE_WEEKS) after they became
    eligible. A pupil is eligible while their NC year (as at each day) is one the drops of that
    academic year collect, in a subject they collect (:func:`collected_by_year`), from the latest
    of their arrival, their school joining the trust and their moving into a collected year group
    (:func:`eligible_since`). A Reception pupil owes nothing to drops of Years 1-11; a Year 1
    pupil owes from the September they moved into Year 1. Counted within the user's aggregate
    reach (``strides.access.aggregates``): the page names only the pupils the gate shows."""
    enrolments = list(
        enrolments_in_aggregate_reach(user)
        .filter(school_id__in=school_ids, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("school")
        .order_by("pupil_id", "school_id")
    )
    if not enrolments:
        return []
    collected = collected_by_year({e.school_id: e.school for e in enrolments}.values())
    by_school: dict[int, dict[int, Collected]] = defaultdict(dict)
    for (school_id, start_year), what in collected.items():
        by_school[school_id][start_year] = what
    wanted = {
        subject_id
        for subject_id in subject_ids
        if any(subject_id in what.subject_ids for what in collected.values())
    }
    on_roll = enrolments_in_aggregate_reach(user).filter(pk__in=[e.pk for e in enrolments]).values("pupil_id")
    judged = set(
        judgements_in_aggregate_reach(user)
        .filter(pupil_id__in=on_roll, subject_id__in=wanted)
        .values_list("pupil_id", "subject_id")
        .distinct()
    )
    needy = sorted({e.pupil_id for e in enrolments if any((e.pupil_id, s) not in judged for s in wanted)})
    periods: dict[int, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
    for chunk in range(0, len(needy), PUPIL_CHUNK):
        for pupil_id, valid_from, valid_to, nc_year in (
            characteristics_in_aggregate_reach(user)
            .filter(pupil_id__in=needy[chunk : chunk + PUPIL_CHUNK])
            .values_list("pupil_id", "valid_from", "valid_to", "nc_year")
        ):
            periods[pupil_id].append((valid_from, valid_to, nc_year))
    rows = []
    for enrolment in enrolments:
        if enrolment.pupil_id not in periods:
            continue
        joined = enrolment.school.joined_trust_on
        arrived = max(enrolment.start_date, joined) if joined else enrolment.start_date
        for subject_id in sorted(wanted):
            if (enrolment.pupil_id, subject_id) in judged:
                continue
            since = eligible_since(
                periods[enrolment.pupil_id], by_school[enrolment.school_id], subject_id, arrived, today
            )
            if since is None:
                continue
            due = since + dt.timedelta(weeks=weeks)
            if due < today:
                rows.append(OverdueBaseline(enrolment.pupil_id, enrolment.school_id, subject_id, due))
    return rows
