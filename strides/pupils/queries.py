"""Reads of pupil data. Callers pass a queryset already narrowed by the scoping gate."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.upn import normalise


def characteristics_as_at(pupil: Pupil, day: dt.date) -> CharacteristicsPeriod | None:
    """What was true of the pupil on ``day`` (None before their first record)."""
    return (
        CharacteristicsPeriod.objects.filter(pupil=pupil, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .first()
    )


def characteristics_as_at_many(pupil_ids, day: dt.date) -> dict[int, CharacteristicsPeriod]:
    periods = CharacteristicsPeriod.objects.filter(pupil_id__in=pupil_ids, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    return {p.pupil_id: p for p in periods}


def current_characteristics(pupil: Pupil) -> CharacteristicsPeriod | None:
    return CharacteristicsPeriod.objects.filter(pupil=pupil, valid_to__isnull=True).first()


def on_roll(school_id: int, day: dt.date | None = None) -> Q:
    """A filter on Pupil: enrolled at the school on ``day``."""
    day = day or dt.date.today()
    return Q(
        enrolments__school_id=school_id,
        enrolments__start_date__lte=day,
    ) & (Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=day))


def pupils_on_roll(pupils: QuerySet[Pupil], school_id: int, day: dt.date | None = None) -> QuerySet[Pupil]:
    return pupils.filter(on_roll(school_id, day)).distinct()


def search(pupils: QuerySet[Pupil], text: str) -> QuerySet[Pupil]:
    """Name or UPN search within an already scoped queryset. Each word must match a name."""
    text = (text or "").strip()
    if not text:
        return pupils.none()
    upn = normalise(text)
    if len(upn) == 13 and upn[0].isalpha() and upn[1:12].isdigit():
        return pupils.filter(Q(upn=upn) | Q(former_upns__upn=upn)).distinct()
    for word in text.split()[:4]:
        pupils = pupils.filter(
            Q(legal_forename__icontains=word)
            | Q(legal_surname__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
        )
    return pupils


def current_enrolment(pupil: Pupil, day: dt.date | None = None) -> Enrolment | None:
    day = day or dt.date.today()
    return (
        pupil.enrolments.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("school", "placing_school")
        .order_by("registration", "-start_date")
        .first()
    )
