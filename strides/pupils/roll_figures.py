"""The roll's figures for the home page and the school pages: a school's summary ready for a
template, school cards with pupils on roll, and counts by year group per school (a domain module,
so the school pages of ``strides.organisations`` read them without importing ``strides.web``).

Every function takes schools the caller has already narrowed through the scoping gate
(``strides.access.gate``); whether a reader sees a school's named pupils (and so its exact
counts) is read from the gate's ``Scope``. Counts for aggregate-only readers go through the one
small-group rule, :mod:`strides.small_groups` (:mod:`strides.analytics.suppression`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from strides.access.actor import Viewer
from strides.access.gate import Scope, scope_for
from strides.organisations.models import AcademicYear, School
from strides.pupils.census_codes import NC_YEAR_LABELS
from strides.pupils.roll import SchoolSummary, Share, on_roll_by_year, on_roll_totals
from strides.small_groups import Cell, count_cell, share_cell, small_group_threshold, suppress_counts


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
        year_cells, total = suppress_counts(summary.by_year, threshold)
    else:
        year_cells = {year: Cell(n) for year, n in summary.by_year.items()}
        total = Cell(summary.on_roll)

    def group(label: str, share: Share) -> tuple[str, Cell, int | None]:
        if not suppressed:
            return (label, Cell(share.count), share.percent)
        cell = share_cell(share.count, share.of, threshold) if total.value is not None else Cell(None)
        return (label, cell, None if cell.suppressed else share.percent)

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


def school_cards(user: Viewer, schools: QuerySet[School], day: dt.date) -> list[SchoolCard]:
    """Schools with their pupils on roll: two queries for any number of schools. The count is
    suppressed when small for a reader who may not see the school's named pupils."""
    scope = scope_for(user)
    rows = list(schools.select_related("region"))
    totals = on_roll_totals([s.pk for s in rows], day)
    threshold = small_group_threshold()
    cards = []
    for school in rows:
        total = totals.get(school.pk, 0)
        exact = sees_named_pupils_at(scope, school)
        cards.append(SchoolCard(school, Cell(total) if exact else count_cell(total, threshold)))
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
    threshold = small_group_threshold()
    rows = []
    for school in schools:
        cells, total = suppress_counts(counts.get(school.pk, {}), threshold)
        rows.append(AggregateRow(school, [cells.get(year) for year in years], total))
    return [year_label(y) for y in years], rows
