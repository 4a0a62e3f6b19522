"""The reads a write needs: pupils' characteristics on a day, for a service deciding what it may
record (a drop's rules, ``strides.assessment.services.drop_rules``, ask the NC year a pupil was in
on the drop's date to choose their framework).

Services read rows as they are (ADR 12): the caller passes pupils it has already checked it may
record for, and nothing read here is shown to anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from strides.pupils.models import CharacteristicsPeriod


def characteristics_as_at_many(pupil_ids: Iterable[int], day: dt.date) -> dict[int, CharacteristicsPeriod]:
    """pupil id -> the characteristics period true of them on ``day`` (periods of one pupil never
    overlap); a pupil with none on that day is absent. One query."""
    periods = CharacteristicsPeriod.objects.filter(pupil_id__in=list(pupil_ids), valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    return {p.pupil_id: p for p in periods}
