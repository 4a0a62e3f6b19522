"""What of assessment a caller may read, built on the scoping gate (``strides.access.gate``).

Frameworks, the common scale, crosswalks and drops are the trust's reference data, not pupil
data; judgements are pupil data, read through ``strides.access.judgements`` (ADR 11).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from strides.access.actor import Viewer
from strides.access.gate import schools_with, scope_for, visible_schools
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop, DropSchool
from strides.frameworks.models import Crosswalk, Framework
from strides.organisations.models import Trust


def caller_trusts(user: Viewer) -> QuerySet[Trust]:
    """The trusts the caller belongs to (a parent's too: their child's trust)."""
    return Trust.objects.filter(pk__in=scope_for(user).trust_ids)


def visible_frameworks(user: Viewer) -> QuerySet[Framework]:
    """Shipped frameworks, the caller's trust's own, and a school's own frameworks for those who
    record assessment or manage frameworks at that school (as the framework pages do)."""
    trust_ids = scope_for(user).trust_ids
    return Framework.objects.filter(
        Q(trust__isnull=True)
        | Q(trust_id__in=trust_ids, school__isnull=True)
        | Q(trust_id__in=trust_ids, school__in=schools_with(user, Capability.RECORD_ASSESSMENT).values("pk"))
        | Q(trust_id__in=trust_ids, school__in=schools_with(user, Capability.MANAGE_FRAMEWORKS).values("pk"))
    )


def visible_crosswalks(user: Viewer) -> QuerySet[Crosswalk]:
    return Crosswalk.objects.filter(scale__trust_id__in=scope_for(user).trust_ids)


def visible_drops(user: Viewer) -> QuerySet[DataDrop]:
    """The trust's assessment calendar: every drop of the caller's trusts. What a drop says about
    a school (status, completeness) is read through :func:`visible_parts`."""
    return DataDrop.objects.filter(trust_id__in=scope_for(user).trust_ids)


def visible_parts(user: Viewer) -> QuerySet[DropSchool]:
    """Schools' parts of drops (status, completeness): for the schools the caller can open."""
    return DropSchool.objects.filter(school__in=visible_schools(user).values("pk"))
