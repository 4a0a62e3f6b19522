"""Readers for the command line, where there is no user: ``strides export-drop``,
``drop-template`` and ``import-drop`` run by the server's operator, who has the database already
(ADR 12: a read that serves no one user lives in ``strides/access/`` and says why).

Each answers "every row of this kind for one trust" and nothing wider. Never for a page, the API
or a task started by a user: those ask the gate (:mod:`strides.access.gate`,
:mod:`strides.access.readers`, :mod:`strides.access.judgements`) for what that user may read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import BooleanField, QuerySet, Value

if TYPE_CHECKING:
    from strides.assessment.models import Judgement
    from strides.classes.models import GroupMembership
    from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil


def trust_pupils(trust_id: int) -> QuerySet[Pupil]:
    """Every pupil ever on the roll of one of the trust's schools."""
    from strides.pupils.models import Enrolment, Pupil

    return Pupil.objects.filter(pk__in=Enrolment.objects.filter(school__trust_id=trust_id).values("pupil_id"))


def trust_enrolments(trust_id: int) -> QuerySet[Enrolment]:
    """Every enrolment at one of the trust's schools."""
    from strides.pupils.models import Enrolment

    return Enrolment.objects.filter(school__trust_id=trust_id)


def trust_characteristics(trust_id: int) -> QuerySet[CharacteristicsPeriod]:
    """The characteristics periods of :func:`trust_pupils`."""
    from strides.pupils.models import CharacteristicsPeriod

    return CharacteristicsPeriod.objects.filter(pupil__in=trust_pupils(trust_id))


def trust_memberships(trust_id: int) -> QuerySet[GroupMembership]:
    """Who is in which class, for the trust's schools' classes."""
    from strides.classes.models import GroupMembership

    return GroupMembership.objects.filter(group__school__trust_id=trust_id)


def trust_judgements(trust_id: int) -> QuerySet[Judgement]:
    """Every judgement (in force) of the trust's drops, each with ``shows_history`` (True: the
    operator reads the note and who recorded it, as a trust-wide role does)."""
    from strides.assessment.models import Judgement

    return Judgement.objects.filter(drop__trust_id=trust_id).annotate(
        shows_history=Value(True, output_field=BooleanField())
    )
