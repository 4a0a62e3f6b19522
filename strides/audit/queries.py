from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from strides.audit.models import AuditEntry


def search_audit(
    entries: QuerySet[AuditEntry],
    *,
    text: str = "",
    object_type: str = "",
    action: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    school_id: int | None = None,
) -> QuerySet[AuditEntry]:
    """Of ``entries`` (the user's, from ``strides.access.readers.visible_audit_entries``), those
    matching the filters, newest first."""
    entries = entries.select_related("school")
    if text:
        entries = entries.filter(
            Q(object_repr__icontains=text) | Q(object_id=text) | Q(reason__icontains=text)
        )
    if object_type:
        entries = entries.filter(object_type=object_type)
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_name__icontains=actor)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    if school_id:
        entries = entries.filter(school_id=school_id)
    return entries.order_by("-at", "-id")
