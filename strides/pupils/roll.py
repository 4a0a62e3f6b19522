"""Who is on roll: list pages' current details beside each name, and counts of pupils on roll.

Lists take the user and a queryset already narrowed through the scoping gate; the schools shown
beside a name are read through the gate too (``visible_enrolments``), so a page never names a
school the user may not know the pupil attends. Counts are exact: readers who may not see a
school's named pupils get them through :mod:`strides.small_groups`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from strides.access.actor import Viewer
from strides.access.roll_readers import enrolments_on_roll, periods_in_force
from strides.pupils.models import Pupil
from strides.pupils.queries import current_enrolments


def today() -> dt.date:
    return dt.date.today()


def period_as_at(day: dt.date, prefix: str = "") -> Q:
    """A filter on CharacteristicsPeriod (or a relation to it, via ``prefix``): true on ``day``."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


def disadvantaged() -> Q:
    """A filter on CharacteristicsPeriod: disadvantaged (pupil premium) as DfE statistics count
    it, the database's form of ``CharacteristicsPeriod.disadvantaged``."""
    return Q(fsm=True) | Q(fsm_ever6=True) | Q(looked_after=True) | Q(previously_looked_after=True)


# --- list pages -------------------------------------------------------------------------------


def with_current_details(user: Viewer, pupils: QuerySet[Pupil], day: dt.date) -> QuerySet[Pupil]:
    """Prefetch what list pages show beside a name: today's characteristics, and the schools the
    pupil is on roll at today that ``user`` may read (the gate's ``visible_enrolments``: a placing
    contact sees the placement, never the pupil's other schools).

    Two extra queries for the whole page, however many pupils it lists. Use :func:`attach_current`
    on the evaluated page to read them as ``pupil.now`` and ``pupil.schools_now``.
    """
    from strides.access.gate import visible_enrolments
    from strides.access.readers import visible_characteristics

    enrolments = visible_enrolments(user, day)
    return pupils.prefetch_related(
        Prefetch(
            "characteristics",
            queryset=visible_characteristics(user).filter(period_as_at(day)),
            to_attr="periods_now",
        ),
        Prefetch(
            "enrolments",
            queryset=enrolments.filter(current_enrolments(day))
            .select_related("school")
            .order_by("registration", "-start_date"),
            to_attr="enrolments_now",
        ),
    )


def attach_current(pupils: Iterable[Pupil]) -> list[Pupil]:
    rows = list(pupils)
    for pupil in rows:
        periods = getattr(pupil, "periods_now", [])
        pupil.now = periods[0] if periods else None
        pupil.schools_now = [e.school for e in getattr(pupil, "enrolments_now", [])]
    return rows


# --- counts -----------------------------------------------------------------------------------


def on_roll_by_year(school_ids: Iterable[int], day: dt.date) -> dict[int, dict[int, int]]:
    """``{school_id: {nc_year: pupils}}`` for pupils on roll on ``day``: one query for any number
    of schools. A pupil dual-registered at two schools counts at both."""
    ids = list(school_ids)
    if not ids:
        return {}
    year_then = periods_in_force(day).filter(pupil=OuterRef("pupil_id")).values("nc_year")[:1]
    rows = (
        enrolments_on_roll(ids, day)
        .annotate(year=Subquery(year_then))
        .exclude(year__isnull=True)
        .values("school_id", "year")
        .annotate(pupils=Count("pupil_id", distinct=True))
        .order_by()
    )
    counts: dict[int, dict[int, int]] = {school_id: {} for school_id in ids}
    for row in rows:
        counts[row["school_id"]][row["year"]] = row["pupils"]
    return counts


def on_roll_totals(school_ids: Iterable[int], day: dt.date) -> dict[int, int]:
    """``{school_id: pupils on roll on day}``, counted as :func:`on_roll_by_year` counts them: one
    query for any number of schools."""
    return {
        school_id: sum(by_year.values()) for school_id, by_year in on_roll_by_year(school_ids, day).items()
    }


@dataclass(frozen=True)
class Share:
    """``count`` of ``of`` pupils, with the percentage for display."""

    count: int
    of: int

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.of) if self.of else 0


@dataclass(frozen=True)
class SchoolSummary:
    on_roll: int
    by_year: dict[int, int]
    sen_support: Share
    ehcp: Share
    fsm: Share
    disadvantaged: Share
    eal: Share


def school_summary(school: Any, day: dt.date) -> SchoolSummary:
    """On roll by NC year and the main groups, exact (suppress them for aggregate-only readers).
    Two queries."""
    on_roll = enrolments_on_roll([school.pk], day).values("pupil_id")
    periods = periods_in_force(day).filter(pupil_id__in=on_roll)
    totals = periods.aggregate(
        n_on_roll=Count("id"),
        n_sen_support=Count("id", filter=Q(sen_provision="K")),
        n_ehcp=Count("id", filter=Q(sen_provision="E")),
        n_fsm=Count("id", filter=Q(fsm=True)),
        n_disadvantaged=Count("id", filter=disadvantaged()),
        n_eal=Count("id", filter=Q(eal=True)),
    )
    by_year = {
        row["nc_year"]: row["pupils"]
        for row in periods.values("nc_year").annotate(pupils=Count("id")).order_by("nc_year")
    }
    n = totals["n_on_roll"]
    return SchoolSummary(
        on_roll=n,
        by_year=by_year,
        sen_support=Share(totals["n_sen_support"], n),
        ehcp=Share(totals["n_ehcp"], n),
        fsm=Share(totals["n_fsm"], n),
        disadvantaged=Share(totals["n_disadvantaged"], n),
        eal=Share(totals["n_eal"], n),
    )
