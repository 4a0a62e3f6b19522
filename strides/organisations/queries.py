from __future__ import annotations

import datetime as dt

from strides.organisations.models import AcademicYear, School, TermDates, Trust


def academic_year_on(trust: Trust | int, day: dt.date | None = None) -> AcademicYear | None:
    day = day or dt.date.today()
    trust_id = trust if isinstance(trust, int) else trust.pk
    return AcademicYear.objects.filter(trust_id=trust_id, starts_on__lte=day, ends_on__gte=day).first()


def term_dates_for(school: School | None, year: AcademicYear) -> list[TermDates]:
    """The school's half-terms: its own overrides where set, the trust's defaults otherwise.
    With no school, the trust's defaults."""
    terms = {t.half_term: t for t in TermDates.objects.filter(academic_year=year, school__isnull=True)}
    if school is not None:
        terms.update({t.half_term: t for t in TermDates.objects.filter(academic_year=year, school=school)})
    return sorted(terms.values(), key=lambda t: t.starts_on)
