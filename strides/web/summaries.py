"""Reads behind the product pages: pupils on roll, counts by year group, a school's summary.

Every function takes schools or querysets the caller has already narrowed through the scoping
gate (``strides.access.gate``); nothing here decides who may see what. Counts for aggregate-only
readers go through :func:`suppress` before they reach a template; whether a reader sees a school's
named pupils (and so its exact counts) is read from the gate's ``Scope``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from strides.access.gate import Scope, scope_for
from strides.organisations.models import AcademicYear, School
from strides.pupils.codes import NC_YEAR_LABELS
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.queries import current_enrolments as current_enrolments  # re-exported for web.views
from strides.pupils.queries import on_roll


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


def with_current_details(pupils: QuerySet[Pupil], day: dt.date) -> QuerySet[Pupil]:
    """Prefetch what list pages show beside a name: today's characteristics and schools.

    Two extra queries for the whole page, however many pupils it lists. Use :func:`attach_current`
    on the evaluated page to read them as ``pupil.now`` and ``pupil.schools_now``.
    """
    return pupils.prefetch_related(
        Prefetch(
            "characteristics",
            queryset=CharacteristicsPeriod.objects.filter(period_as_at(day)),
            to_attr="periods_now",
        ),
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.filter(current_enrolments(day))
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


def staff_with_users() -> Prefetch:
    """A class's staff and their names in one query, for class lists."""
    from strides.classes.models import GroupStaff

    return Prefetch("staff_links", queryset=GroupStaff.objects.select_related("user").order_by("role", "id"))


# --- counts -----------------------------------------------------------------------------------


def on_roll_by_year(school_ids: Iterable[int], day: dt.date) -> dict[int, dict[int, int]]:
    """``{school_id: {nc_year: pupils}}`` for pupils on roll on ``day``: one query for any number
    of schools. A pupil dual-registered at two schools counts at both."""
    ids = list(school_ids)
    if not ids:
        return {}
    year_then = CharacteristicsPeriod.objects.filter(period_as_at(day), pupil=OuterRef("pupil_id")).values(
        "nc_year"
    )[:1]
    rows = (
        Enrolment.objects.filter(current_enrolments(day), school_id__in=ids)
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


def school_summary(school: School, day: dt.date) -> SchoolSummary:
    """On roll by NC year and the main groups, for staff who see the school's named pupils. Two
    queries."""
    periods = CharacteristicsPeriod.objects.filter(
        period_as_at(day),
        pupil_id__in=Pupil.objects.filter(on_roll(school.pk, day)).values("pk"),
    )
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


# --- small-group suppression ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One count as an aggregate-only reader sees it: the number, or ``suppressed``."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


def small_group_threshold() -> int:
    return settings.STRIDES_SMALL_GROUP_THRESHOLD


def suppress(counts: Mapping[int, int], threshold: int | None = None) -> tuple[dict[int, Cell], Cell]:
    """Counts by group, and the total, safe to show to readers who may never see a named pupil.

    Primary suppression hides every group smaller than the threshold. When exactly one group is
    hidden and the total is shown, the total minus the others would give it away, so the next
    smallest group is hidden too (secondary suppression). A total below the threshold is hidden.
    """
    threshold = small_group_threshold() if threshold is None else threshold
    hidden = {key for key, value in counts.items() if value < threshold}
    total = sum(counts.values())
    total_shown = total >= threshold
    if total_shown and len(hidden) == 1 and len(counts) > 1:
        others = sorted((value, key) for key, value in counts.items() if key not in hidden)
        hidden.add(others[0][1])
    cells = {key: Cell(None if key in hidden else value) for key, value in counts.items()}
    return cells, Cell(total if total_shown else None)


@dataclass(frozen=True)
class SummaryView:
    """A school's counts ready for a template: exact for staff who see its pupils, suppressed
    when small for aggregate-only readers."""

    on_roll: Cell
    year_rows: list[tuple[str, Cell]]
    groups: list[tuple[str, Cell, int | None]]  # label, count, percent of on roll (None if hidden)
    suppressed: bool


def summary_view(summary: SchoolSummary, *, suppressed: bool) -> SummaryView:
    threshold = small_group_threshold()
    if suppressed:
        year_cells, total = suppress(summary.by_year, threshold)
    else:
        year_cells = {year: Cell(n) for year, n in summary.by_year.items()}
        total = Cell(summary.on_roll)

    def group(label: str, share: Share) -> tuple[str, Cell, int | None]:
        shown = not suppressed or (share.count >= threshold and total.value is not None)
        return (label, Cell(share.count if shown else None), share.percent if shown else None)

    return SummaryView(
        on_roll=total,
        year_rows=[(year_label(year), cell) for year, cell in sorted(year_cells.items())],
        groups=[
            group("SEN support", summary.sen_support),
            group("EHCP", summary.ehcp),
            group("Free school meals", summary.fsm),
            group("Pupil premium (disadvantaged)", summary.disadvantaged),
            group("EAL", summary.eal),
        ],
        suppressed=suppressed,
    )


def year_label(nc_year: int) -> str:
    return NC_YEAR_LABELS.get(nc_year, str(nc_year))


def current_academic_year(trust_id: int | None, day: dt.date) -> AcademicYear | None:
    """The trust's academic year containing ``day``; failing that, its most recent one."""
    if trust_id is None:
        return None
    years = AcademicYear.objects.filter(trust_id=trust_id)
    return years.filter(starts_on__lte=day, ends_on__gte=day).first() or years.order_by("-start_year").first()


# --- dashboard cards: one school's or many schools' pupils on roll ------------------------------


def sees_named_pupils_at(scope: Scope, school: School) -> bool:
    """Whether the user sees named pupils of this school (all of them, or their own classes').
    ``school`` comes from ``visible_schools``, so it is one of the user's trust's schools."""
    return (
        scope.trust_wide_pupils
        or school.pk in scope.pupil_school_ids
        or school.pk in scope.class_reach_school_ids
    )


@dataclass(frozen=True)
class SchoolCard:
    school: School
    on_roll: Cell


def school_cards(user: Any, schools: QuerySet[School], day: dt.date) -> list[SchoolCard]:
    """Schools with their pupils on roll: two queries for any number of schools. The count is
    suppressed when small for a reader who may not see the school's named pupils."""
    scope = scope_for(user)
    rows = list(schools.select_related("region"))
    totals = on_roll_totals([s.pk for s in rows], day)
    threshold = small_group_threshold()
    cards = []
    for school in rows:
        total = totals.get(school.pk, 0)
        exact = sees_named_pupils_at(scope, school) or total >= threshold
        cards.append(SchoolCard(school, Cell(total if exact else None)))
    return cards


@dataclass(frozen=True)
class AggregateRow:
    """One school's pupils on roll by NC year, as an aggregate-only reader may see them."""

    school: School
    cells: list[Cell | None]  # one per column year; None where the school has none in that year
    total: Cell


def aggregate_rows(schools: list[School], day: dt.date) -> tuple[list[str], list[AggregateRow]]:
    """Counts by year group per school with small groups suppressed: one query."""
    counts = on_roll_by_year([s.pk for s in schools], day)
    years = sorted({year for by_year in counts.values() for year in by_year})
    rows = []
    for school in schools:
        cells, total = suppress(counts.get(school.pk, {}))
        rows.append(AggregateRow(school, [cells.get(year) for year in years], total))
    return [year_label(y) for y in years], rows
