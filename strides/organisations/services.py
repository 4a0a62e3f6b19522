"""Writes of trusts, schools and the calendar. Atomic and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from strides.audit.models import AuditAction
from strides.audit.services import record, snapshot
from strides.organisations.models import (
    AcademicYear,
    HalfTerm,
    Region,
    School,
    SchoolOfficer,
    TermDates,
    Trust,
)

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
def create_trust(actor: Any, name: str, slug: str, *, reason: str = "") -> Trust:
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
def create_region(actor: Any, trust: Trust, name: str, *, reason: str = "") -> Region:
    region, created = Region.objects.get_or_create(trust=trust, name=name.strip())
    if created:
        record(actor, AuditAction.CREATE, region, reason=reason)
    return region


@transaction.atomic
def create_school(actor: Any, trust: Trust | None, **fields: Any) -> School:
    school = School(trust=trust, **fields)
    school.full_clean()
    school.save()
    record(actor, AuditAction.CREATE, school, school_id=school.pk)
    return school


@transaction.atomic
def update_school(actor: Any, school: School, **changes: Any) -> School:
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
def assign_officer(actor: Any, school: School, user: Any, kind: str) -> SchoolOfficer:
    link, created = SchoolOfficer.objects.get_or_create(school=school, user=user, kind=kind)
    if created:
        record(actor, AuditAction.CREATE, link, school_id=school.pk, reason="officer assigned")
    return link


@transaction.atomic
def unassign_officer(actor: Any, link: SchoolOfficer) -> None:
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
def ensure_academic_year(actor: Any, trust: Trust, start_year: int) -> AcademicYear:
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


@transaction.atomic
def set_term_dates(
    actor: Any,
    year: AcademicYear,
    half_term: str,
    starts_on: dt.date,
    ends_on: dt.date,
    school: School | None = None,
) -> TermDates:
    """Set a half-term's dates: the trust default, or one school's override."""
    if ends_on < starts_on:
        raise ValueError(f"{half_term}: the end {ends_on:%d/%m/%Y} is before the start {starts_on:%d/%m/%Y}.")
    if not (year.starts_on <= starts_on and ends_on <= year.ends_on):
        raise ValueError(f"{half_term}: the dates fall outside the academic year {year.label}.")
    existing = TermDates.objects.filter(academic_year=year, school=school, half_term=half_term).first()
    before = snapshot(existing) if existing else None
    term = existing or TermDates(academic_year=year, school=school, half_term=half_term)
    term.starts_on, term.ends_on = starts_on, ends_on
    term.save()
    record(
        actor,
        AuditAction.UPDATE if existing else AuditAction.CREATE,
        term,
        before=before,
        school_id=school.pk if school else None,
    )
    return term
