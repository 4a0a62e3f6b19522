"""What of assessment a caller may read, built on the scoping gate (``strides.access.gate``).

Frameworks, the common scale, crosswalks and drops are the trust's reference data, not pupil
data; judgements are pupil data and follow the gate's rules for pupils and their records.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from strides.access.gate import (
    scope_for,
    sees_whole_records,
    visible_enrolments,
    visible_pupils,
    visible_schools,
)
from strides.assessment.models import DataDrop, DropSchool, Judgement
from strides.frameworks.models import Crosswalk, Framework
from strides.organisations.models import Trust


def caller_trusts(user: Any) -> QuerySet[Trust]:
    """The trusts the caller belongs to (a parent's too: their child's trust)."""
    return Trust.objects.filter(pk__in=scope_for(user).trust_ids)


def visible_frameworks(user: Any) -> QuerySet[Framework]:
    """Shipped frameworks, the caller's trust's own, and those of schools the caller can open."""
    trust_ids = scope_for(user).trust_ids
    return Framework.objects.filter(
        Q(trust__isnull=True)
        | Q(trust_id__in=trust_ids, school__isnull=True)
        | Q(trust_id__in=trust_ids, school__in=visible_schools(user))
    )


def visible_crosswalks(user: Any) -> QuerySet[Crosswalk]:
    return Crosswalk.objects.filter(scale__trust_id__in=scope_for(user).trust_ids)


def visible_drops(user: Any) -> QuerySet[DataDrop]:
    """Drops of the caller's trust that include a school the caller can open, or a school at which
    a pupil the caller may see is enrolled (how a parent finds the drops of their child)."""
    schools = visible_schools(user).values("pk")
    pupils_schools = visible_enrolments(user).values("school_id")
    including = DropSchool.objects.filter(Q(school__in=schools) | Q(school__in=pupils_schools))
    return DataDrop.objects.filter(trust_id__in=scope_for(user).trust_ids, pk__in=including.values("drop_id"))


def visible_parts(user: Any) -> QuerySet[DropSchool]:
    """Schools' parts of drops (status, completeness): for the schools the caller can open."""
    return DropSchool.objects.filter(school__in=visible_schools(user).values("pk"))


def visible_judgements(user: Any) -> QuerySet[Judgement]:
    """Judgements of the pupils the caller may see. Trust-wide roles read a pupil's whole record;
    everyone else reads the judgements made by the schools through which they see the pupil, so a
    school never reads what the pupil's next school recorded (as with enrolments)."""
    judgements = Judgement.objects.filter(pupil__in=visible_pupils(user))
    if sees_whole_records(user):
        return judgements
    readable = visible_enrolments(user).filter(pupil_id=OuterRef("pupil_id"), school_id=OuterRef("school_id"))
    return judgements.filter(Exists(readable))
