"""Writing the audit log. Every service that changes pupil data, enrolments, classes or roles
calls :func:`record` (or :func:`record_many` for bulk work) inside its own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from strides.access.actor import Actor
from strides.audit.models import AuditAction, AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values as JSON-ready data (foreign keys as ids)."""
    names = fields or [f.attname for f in instance._meta.concrete_fields if f.attname != "id"]
    return {name: _plain(getattr(instance, name)) for name in names}


def _actor_name(actor: Actor | None) -> str:
    return "system" if actor is None else actor.username


@dataclass(frozen=True)
class Change:
    action: str
    instance: models.Model
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    school_id: int | None = None


def _entry(actor: Actor | None, change: Change, reason: str) -> AuditEntry:
    instance = change.instance
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=_actor_name(actor),
        action=change.action,
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        school_id=change.school_id,
        before=dict(change.before) if change.before is not None else None,
        after=dict(change.after) if change.after is not None else None,
        reason=reason[:200],
    )


def record(
    actor: Actor | None,
    action: AuditAction | str,
    instance: models.Model,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    school_id: int | None = None,
    reason: str = "",
) -> AuditEntry:
    if after is None and action != AuditAction.DELETE:
        after = snapshot(instance)
    entry = _entry(actor, Change(str(action), instance, before, after, school_id), reason)
    entry.save()
    return entry


def record_many(actor: Actor | None, changes: Iterable[Change], *, reason: str = "") -> int:
    entries = [_entry(actor, change, reason) for change in changes]
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)
