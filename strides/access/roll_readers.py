"""Reads of the roll that look past one user's scope on purpose (ADR 12), and say why.

- :func:`schools_responsible_for` and :func:`main_school_id`: which schools keep a pupil's record
  (and so may change it, and file its audit entries). The answer is the pupil's, not the reader's:
  it reads every enrolment of the pupil, whoever asks, and returns school ids only.
- :func:`upns_out_of_reach`: which UPNs of an import or a new pupil name someone the user may not
  reach. It has to look up UPNs across the trust to know that a pupil exists outside the user's
  reach; it answers only with the UPNs refused (never who or where), and asks the gate for the rest.
- :func:`enrolments_on_roll` and :func:`periods_in_force`: the rows a school's counts are made
  from (on roll by NC year, SEN, FSM...), for counts and sets of values only: the roll's counts
  (:mod:`strides.pupils.roll`) and which year groups a school has on the framework choices page
  (:mod:`strides.frameworks.assignments_views`). Counts
  serve readers who may not see a single named pupil (a governor): the caller asks the gate which
  schools the reader may open (``visible_schools``) and hides small groups for aggregate-only
  readers (:mod:`strides.small_groups`); no row read here reaches a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from strides.access.actor import Viewer

if TYPE_CHECKING:
    from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil

CHUNK = 5000


def _chunks(items: Sequence[str] | Sequence[int]) -> Iterable[Sequence[str] | Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# --- who keeps a pupil's record -----------------------------------------------------------------


def schools_responsible_for(
    pupil: Pupil, day: dt.date | None = None, enrolments: Sequence[Enrolment] | None = None
) -> set[int]:
    """The schools that keep the pupil's record, and so may change it: where they are on roll on
    ``day`` (default today), or, for a pupil on no roll, their most recent school (the latest to
    end, or to start). A school the pupil left does not edit them any more.

    ``enrolments``: the pupil's enrolments when the caller has them already (saves a query).
    """
    from strides.pupils.models import Enrolment

    day = day or dt.date.today()
    if enrolments is None:
        enrolments = list(Enrolment.objects.filter(pupil=pupil).only("school_id", "start_date", "end_date"))
    current = {e.school_id for e in enrolments if e.is_current(day)}
    if current or not enrolments:
        return current
    latest = max(enrolments, key=lambda e: (e.end_date or e.start_date, e.start_date))
    return {latest.school_id}


def main_school_id(pupil: Pupil, day: dt.date | None = None) -> int | None:
    """The one school an audit entry about the pupil is filed under: where they are on roll
    (single or main registration first), else their most recent school."""
    from strides.pupils.models import Enrolment

    day = day or dt.date.today()
    enrolments = list(
        Enrolment.objects.filter(pupil=pupil).only("school_id", "start_date", "end_date", "registration")
    )
    responsible = schools_responsible_for(pupil, day, enrolments)
    ranked = sorted(
        (e for e in enrolments if e.school_id in responsible),
        key=lambda e: (e.registration, -e.start_date.toordinal()),
    )
    return ranked[0].school_id if ranked else None


# --- UPNs a user may not reach ------------------------------------------------------------------


def upns_out_of_reach(
    user: Viewer | None, upns: Iterable[str], day: dt.date | None = None
) -> dict[str, dt.date | None]:
    """Of ``upns``, those naming an existing pupil (by current or former UPN) whom ``user`` may
    not import or add: a pupil the gate does not show them (None), or one who has left the
    user's schools (their last day there), whose record they may read only up to that day.
    ``user`` None (a command run by an administrator on the server) reaches every pupil."""
    from strides.access.gate import visible_pupils
    from strides.pupils.models import FormerUpn, Pupil
    from strides.pupils.queries import left_on

    if user is None:
        return {}
    wanted = list(dict.fromkeys(u for u in upns if u))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(Pupil.objects.filter(upn__in=chunk).values_list("upn", "pk"))
        for upn, pupil_id in FormerUpn.objects.filter(upn__in=chunk).values_list("upn", "pupil_id"):
            found.setdefault(upn, pupil_id)
    if not found:
        return {}
    ids = set(found.values())
    inside: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        inside.update(visible_pupils(user, day).filter(pk__in=chunk).values_list("pk", flat=True))
    left = left_on(user, inside, day)
    return {
        upn: left.get(pupil_id)
        for upn, pupil_id in found.items()
        if pupil_id not in inside or pupil_id in left
    }


# --- the rows a school's counts are made from ----------------------------------------------------


def enrolments_on_roll(school_ids: Iterable[int], day: dt.date) -> QuerySet[Enrolment]:
    """The enrolments on roll on ``day`` (begun by then, not ended before) at ``school_ids``: for
    counting, at schools the reader may open (see the module's docstring)."""
    from strides.pupils.models import Enrolment
    from strides.pupils.queries import current_enrolments

    return Enrolment.objects.filter(current_enrolments(day), school_id__in=list(school_ids))


def periods_in_force(day: dt.date) -> QuerySet[CharacteristicsPeriod]:
    """The characteristics periods true on ``day``: narrow them to the pupils being counted."""
    from strides.pupils.models import CharacteristicsPeriod

    return CharacteristicsPeriod.objects.filter(
        Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    )
