"""Writes of trusts, schools and the calendar. Atomic and audited."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from strides.access.actor import Actor
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many, snapshot
from strides.organisations.models import (
    AcademicYear,
    HalfTerm,
    Region,
    School,
    SchoolOfficer,
    TermDates,
    Trust,
)
from strides.organisations.queries import term_dates_for

SCHOOL_FIELDS = (
    "name",
    "urn",
    "la_code",
    "establishment_number",
    "school_type",
    "phase",
    "region",
    "joined_trust_on",
)


@transaction.atomic
def create_trust(actor: Actor | None, name: str, slug: str, *, reason: str = "") -> Trust:
    name, slug = name.strip(), slug.strip()
    if not name:
        raise ValueError("A trust needs a name.")
    if Trust.objects.filter(slug=slug).exists():
        raise ValueError(f"A trust with the short name {slug!r} already exists.")
    trust = Trust(name=name, slug=slug)
    trust.full_clean()
    trust.save()
    record(actor, AuditAction.CREATE, trust, reason=reason)
    return trust


@transaction.atomic
def create_region(actor: Actor | None, trust: Trust, name: str, *, reason: str = "") -> Region:
    region, created = Region.objects.get_or_create(trust=trust, name=name.strip())
    if created:
        record(actor, AuditAction.CREATE, region, reason=reason)
    return region


@transaction.atomic
def create_school(actor: Actor | None, trust: Trust | None, **fields: Any) -> School:
    school = School(trust=trust, **fields)
    school.full_clean()
    school.save()
    record(actor, AuditAction.CREATE, school, school_id=school.pk)
    return school


@transaction.atomic
def update_school(actor: Actor | None, school: School, **changes: Any) -> School:
    before = snapshot(school)
    for name, value in changes.items():
        if name not in SCHOOL_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(school, name, value)
    school.full_clean()
    school.save()
    record(
        actor,
        AuditAction.UPDATE,
        school,
        before=before,
        after=snapshot(school),
        school_id=school.pk,
    )
    return school


@transaction.atomic
def assign_officer(actor: Actor | None, school: School, user: Actor, kind: str) -> SchoolOfficer:
    link, created = SchoolOfficer.objects.get_or_create(school=school, user=user, kind=kind)
    if created:
        record(actor, AuditAction.CREATE, link, school_id=school.pk, reason="officer assigned")
    return link


@transaction.atomic
def unassign_officer(actor: Actor | None, link: SchoolOfficer) -> None:
    record(actor, AuditAction.DELETE, link, before=snapshot(link), school_id=link.school_id)
    link.delete()


def default_half_terms(start_year: int) -> list[tuple[str, dt.date, dt.date]]:
    """Typical English half-term dates for an academic year; trusts and schools override them."""

    def monday_on_or_after(day: dt.date) -> dt.date:
        return day + dt.timedelta(days=(7 - day.weekday()) % 7)

    y = start_year
    autumn_1 = monday_on_or_after(dt.date(y, 9, 1))
    autumn_2 = monday_on_or_after(dt.date(y, 10, 30))
    spring_1 = monday_on_or_after(dt.date(y + 1, 1, 3))
    spring_2 = monday_on_or_after(dt.date(y + 1, 2, 19))
    summer_1 = monday_on_or_after(dt.date(y + 1, 4, 14))
    summer_2 = monday_on_or_after(dt.date(y + 1, 6, 2))
    return [
        (HalfTerm.AUTUMN_1, autumn_1, autumn_2 - dt.timedelta(days=10)),
        (HalfTerm.AUTUMN_2, autumn_2, dt.date(y, 12, 19)),
        (HalfTerm.SPRING_1, spring_1, spring_2 - dt.timedelta(days=10)),
        (HalfTerm.SPRING_2, spring_2, summer_1 - dt.timedelta(days=17)),
        (HalfTerm.SUMMER_1, summer_1, summer_2 - dt.timedelta(days=10)),
        (HalfTerm.SUMMER_2, summer_2, dt.date(y + 1, 7, 22)),
    ]


@transaction.atomic
def ensure_academic_year(actor: Actor | None, trust: Trust, start_year: int) -> AcademicYear:
    """The trust's academic year starting 1 September ``start_year``, with default term dates."""
    year, created = AcademicYear.objects.get_or_create(
        trust=trust,
        start_year=start_year,
        defaults={
            "starts_on": dt.date(start_year, 9, 1),
            "ends_on": dt.date(start_year + 1, 8, 31),
        },
    )
    if created:
        TermDates.objects.bulk_create(
            TermDates(academic_year=year, half_term=half, starts_on=start, ends_on=end)
            for half, start, end in default_half_terms(start_year)
        )
        record(actor, AuditAction.CREATE, year)
    return year


@dataclass(frozen=True)
class TermProblem:
    """What is wrong with one date of one half-term: ``which`` is "start" or "end"."""

    half_term: str
    which: str
    message: str


class TermDatesError(ValueError):
    """Term dates refused; ``problems`` name each half-term, date and what is wrong with it."""

    def __init__(self, problems: list[TermProblem]) -> None:
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems


def _day(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


def _term_problems(
    year: AcademicYear,
    dates: dict[str, tuple[dt.date, dt.date]],
    changed: set[str],
) -> list[TermProblem]:
    """Checks the changed half-terms against the year, and every pair of consecutive half-terms
    one of which changes against each other. ``dates`` are the dates as they would be after the
    change, keyed by half-term, in any order."""
    labels = dict(HalfTerm.choices)
    problems = []
    for half in [half for half in HalfTerm.values if half in changed]:
        label, (start, end) = labels[half], dates[half]
        if end < start:
            problems.append(
                TermProblem(
                    half,
                    "end",
                    f"{label} ends before it starts: it ends {_day(end)}, starts {_day(start)}.",
                )
            )
        within = f"{label} must fall within {year.label} ({_day(year.starts_on)} to {_day(year.ends_on)})"
        if not year.starts_on <= start <= year.ends_on:
            problems.append(TermProblem(half, "start", f"{within}: it starts {_day(start)}."))
        if not year.starts_on <= end <= year.ends_on:
            problems.append(TermProblem(half, "end", f"{within}: it ends {_day(end)}."))
    in_order = [half for half in HalfTerm.values if half in dates]
    for previous, half in itertools.pairwise(in_order):
        if previous not in changed and half not in changed:
            continue
        previous_end, start = dates[previous][1], dates[half][0]
        if start <= previous_end:
            problems.append(
                TermProblem(
                    half,
                    "start",
                    f"{labels[half]} starts {_day(start)}, "
                    f"before {labels[previous]} ends ({_day(previous_end)}).",
                )
            )
    return problems


@transaction.atomic
def set_term_dates_many(
    actor: Actor | None,
    year: AcademicYear,
    rows: Iterable[tuple[str, dt.date, dt.date]],
    school: School | None = None,
) -> list[TermDates]:
    """Set several half-terms' dates at once: the trust defaults, or one school's overrides.

    ``rows`` are (half-term, first day, last day). Every row is checked before anything is saved:
    each within the academic year and ending on or after it starts, and none overlapping the
    half-term before or after it (as the dates would stand once saved, a school's overrides over
    the trust's defaults). All are saved, each with an audit entry, or none is and
    :class:`TermDatesError` names every problem.
    """
    wanted: dict[str, tuple[dt.date, dt.date]] = {}
    for half, starts_on, ends_on in rows:
        if half not in HalfTerm.values:
            raise TermDatesError([TermProblem(half, "start", f"{half!r} is not a half-term.")])
        wanted[half] = (starts_on, ends_on)
    if not wanted:
        return []
    current = {term.half_term: (term.starts_on, term.ends_on) for term in term_dates_for(school, year)}
    problems = _term_problems(year, {**current, **wanted}, set(wanted))
    if problems:
        raise TermDatesError(problems)

    existing = {
        term.half_term: term
        for term in TermDates.objects.select_for_update().filter(
            academic_year=year, school=school, half_term__in=list(wanted)
        )
    }
    saved, changes = [], []
    for half in HalfTerm.values:
        if half not in wanted:
            continue
        term = existing.get(half)
        before = snapshot(term) if term else None
        term = term or TermDates(academic_year=year, school=school, half_term=half)
        term.starts_on, term.ends_on = wanted[half]
        term.save()
        saved.append(term)
        action = AuditAction.UPDATE if before else AuditAction.CREATE
        changes.append(Change(action, term, before, snapshot(term), school.pk if school else None))
    record_many(actor, changes, reason="term dates")
    return saved
