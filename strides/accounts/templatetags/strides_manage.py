"""Small display filters for the sign-in and management pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """30 minutes, 2 hours, 1 hour 30 minutes."""
    if not value:
        return ""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.filter
def audit_value(value: Any) -> str:
    """A value from an audit entry's before/after, readable: '—' for nothing, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)
