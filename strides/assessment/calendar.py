"""The assessment calendar: the trust's default termly drops for a year and the baseline drop of a
school new to the trust. Writes go through ``services.create_drop`` (atomic, audited), so every
drop made here is audited like one made by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from strides.access.actor import Actor
from strides.access.gate import can
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop, DropKind, DropSchool
from strides.assessment.services import AssessmentError, create_drop
from strides.frameworks.models import Term
from strides.organisations.models import AcademicYear, School, Trust
from strides.organisations.queries import academic_year_on, term_dates_for
from strides.organisations.services import default_half_terms, ensure_academic_year

# How long before the end of term a termly drop opens: teachers record in the last three weeks.
OPEN_DAYS_BEFORE_END = 20
# A school counts as new to the trust for a year after it joined.
NEW_SCHOOL_DAYS = 365


def _may_manage(actor: Actor | None, school: School | None = None) -> None:
    """A person must hold MANAGE_DROPS (at the school, when there is one). ``actor=None`` is the
    system itself (demo data, management commands), which has no scope to check."""
    if actor is not None and not can(actor, Capability.MANAGE_DROPS, school):
        raise PermissionError("Only the trust's assessment team can add drops to the calendar.")


# --- the three termly drops -------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDrop:
    term: str
    name: str
    slug: str
    opens_on: dt.date
    deadline: dt.date
    assessed_on: dt.date
    from_term_dates: bool  # False: the trust has no dates for this term, typical dates were used


def default_drop_plan(year: AcademicYear) -> list[PlannedDrop]:
    """End of autumn, spring and summer: each drop assesses on the term's last day, opens
    three weeks before it (never before the last half-term starts) and is due that last day.
    The trust's own term dates are used where it has set them; typical English dates otherwise."""
    term_dates = {t.half_term: (t.starts_on, t.ends_on) for t in term_dates_for(None, year)}
    typical = {half: (start, end) for half, start, end in default_half_terms(year.start_year)}
    plan = []
    for term in (Term.AUTUMN, Term.SPRING, Term.SUMMER):
        last_half = f"{term}_2"
        own = term_dates.get(last_half) or term_dates.get(f"{term}_1")
        starts_on, ends_on = own or typical[last_half]
        opens_on = max(starts_on, ends_on - dt.timedelta(days=OPEN_DAYS_BEFORE_END))
        plan.append(
            PlannedDrop(
                term=str(term),
                name=f"{Term(term).label} {year.label}",
                slug=f"{year.label.replace('/', '-')}-{term}",
                opens_on=opens_on,
                deadline=ends_on,
                assessed_on=ends_on,
                from_term_dates=own is not None,
            )
        )
    return plan


@dataclass(frozen=True)
class DefaultDrops:
    created: list[DataDrop]
    skipped: list[str]  # names of terms the year already has a termly drop for
    typical_dates: list[str]  # names of drops whose dates are typical, not the trust's own


@transaction.atomic
def create_default_drops(actor: Actor | None, trust: Trust, year: AcademicYear) -> DefaultDrops:
    """The year's three termly drops for every school, year group and the core subjects. A term
    that already has a termly drop is left alone; all or nothing otherwise."""
    _may_manage(actor)
    if year.trust_id != trust.pk:
        raise AssessmentError(f"{year.label} is not one of {trust}'s academic years.")
    have = set(
        DataDrop.objects.filter(trust=trust, academic_year=year, kind=DropKind.TERMLY).values_list(
            "term", flat=True
        )
    )
    created, skipped, typical = [], [], []
    for planned in default_drop_plan(year):
        if planned.term in have:
            skipped.append(Term(planned.term).label)
            continue
        created.append(
            create_drop(
                actor,
                trust,
                year,
                name=planned.name,
                term=planned.term,
                opens_on=planned.opens_on,
                deadline=planned.deadline,
                assessed_on=planned.assessed_on,
                slug=planned.slug,
            )
        )
        if not planned.from_term_dates:
            typical.append(planned.name)
    if not created:
        raise AssessmentError(f"{year.label} already has its autumn, spring and summer drops.")
    return DefaultDrops(created, skipped, typical)


# --- baseline drops for schools new to the trust ----------------------------------------------


def baseline_weeks() -> int:
    return int(getattr(settings, "STRIDES_BASELINE_WEEKS", 6))


def schools_owing_baseline_drop(schools: Any, today: dt.date | None = None) -> list[School]:
    """Of ``schools`` (a queryset already scoped), those that joined the trust within the last
    year and are not yet part of any baseline drop."""
    today = today or dt.date.today()
    with_baseline = DropSchool.objects.filter(drop__kind=DropKind.BASELINE).values("school_id")
    return list(
        schools.filter(
            trust__isnull=False,
            joined_trust_on__isnull=False,
            joined_trust_on__gt=today - dt.timedelta(days=NEW_SCHOOL_DAYS),
            joined_trust_on__lte=today,
        )
        .exclude(pk__in=with_baseline)
        .order_by("joined_trust_on", "name")
    )


def _term_on(school: School, year: AcademicYear, day: dt.date) -> str:
    """The term ``day`` falls in (in a holiday: the term that follows it; after summer: summer)."""
    for half in term_dates_for(school, year):
        if day <= half.ends_on:
            return half.term
    return str(Term.SUMMER)


def termly_nc_years(trust: Trust, year: AcademicYear) -> list[int]:
    """The NC years the trust's termly drops collect in ``year`` (or, before the year has any, in
    the latest year that has them): what a new school's baseline drop collects too, so it
    expects the same pupils as the termly drops. Empty (every year group) when a termly drop
    collects every year, or the trust has none yet."""
    termly = DataDrop.objects.filter(trust=trust, kind=DropKind.TERMLY)
    drops = list(termly.filter(academic_year=year).values_list("nc_years", flat=True))
    if not drops:
        latest = termly.filter(academic_year__start_year__lt=year.start_year).order_by(
            "-academic_year__start_year"
        )
        latest_year = latest.values_list("academic_year_id", flat=True).first()
        drops = list(termly.filter(academic_year_id=latest_year).values_list("nc_years", flat=True))
    if not drops or any(not nc_years for nc_years in drops):
        return []
    return sorted({year for nc_years in drops for year in nc_years})


@transaction.atomic
def create_baseline_drop(actor: Actor | None, school: School, today: dt.date | None = None) -> DataDrop:
    """The baseline drop of a school new to the trust: that school only, the year groups the
    trust's termly drops collect (:func:`termly_nc_years`), the core subjects, open from the day
    it joined and due ``STRIDES_BASELINE_WEEKS`` (6) weeks after."""
    today = today or dt.date.today()
    _may_manage(actor, school)
    if school.trust_id is None or school.joined_trust_on is None:
        raise AssessmentError(f"{school} has no date of joining the trust: set it on the school first.")
    if not schools_owing_baseline_drop(School.objects.filter(pk=school.pk), today):
        if DropSchool.objects.filter(school=school, drop__kind=DropKind.BASELINE).exists():
            raise AssessmentError(f"{school} already has a baseline drop.")
        raise AssessmentError(
            f"{school} joined the trust on {school.joined_trust_on:%d/%m/%Y}: a baseline drop is "
            "for a school that joined within the last year."
        )
    joined = school.joined_trust_on
    deadline = joined + dt.timedelta(weeks=baseline_weeks())
    year = academic_year_on(school.trust_id, joined) or ensure_academic_year(
        actor, school.trust, AcademicYear.start_year_for(joined)
    )
    return create_drop(
        actor,
        school.trust,
        year,
        name=f"Baseline: {school.name}",
        term=_term_on(school, year, joined),
        opens_on=joined,
        deadline=deadline,
        assessed_on=deadline,
        schools=[school],
        nc_years=termly_nc_years(school.trust, year),
        kind=DropKind.BASELINE,
        slug=f"baseline-{school.urn}-{joined:%Y-%m-%d}",
    )
