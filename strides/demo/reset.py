"""Clearing a database of Strides data, for ``strides demo-data --flush``.

The audit log is append-only in the database itself (triggers from audit migration 0002 refuse
UPDATE and DELETE). Clearing the whole database is the one kind of maintenance allowed past that,
through :func:`strides.audit.maintenance.audit_maintenance`, in one transaction.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Model, ProtectedError, RestrictedError

from strides.audit.maintenance import audit_maintenance
from strides.audit.models import AuditEntry


def _strides_models() -> list[type[Model]]:
    """Every table of a Strides app, the big ones first in an order that deletes cleanly."""
    first = [
        "classes.TeachingGroup",
        "pupils.Enrolment",
        "pupils.Pupil",
        "organisations.School",
        "organisations.AcademicYear",
        "organisations.Trust",
        "accounts.User",
    ]
    ordered = [apps.get_model(label) for label in first]
    for model in apps.get_models():
        if (
            model.__module__.startswith("strides.")
            and model not in ordered
            and model is not AuditEntry
            and model._meta.managed
            and not model._meta.proxy
        ):
            ordered.append(model)
    return ordered


def clear_strides_data() -> dict[str, int]:
    """Delete every trust, school, pupil, class, user and audit entry. Returns rows per model."""
    deleted: dict[str, int] = {}
    with transaction.atomic(), audit_maintenance():
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a table name from the model
            deleted[AuditEntry._meta.label] = cursor.rowcount

        pending = _strides_models()
        # Tables added later may protect rows of others; retry until a pass deletes nothing new.
        while pending:
            blocked: list[type[Model]] = []
            for model in pending:
                try:
                    with transaction.atomic():
                        _, counts = model._default_manager.all().delete()
                except (ProtectedError, RestrictedError):
                    blocked.append(model)
                    continue
                for label, count in counts.items():
                    deleted[label] = deleted.get(label, 0) + count
            if len(blocked) == len(pending):
                names = ", ".join(m._meta.label for m in blocked)
                raise RuntimeError(f"Could not clear {names}: their rows protect each other.")
            pending = blocked
        _, counts = Session.objects.all().delete()
        deleted.update(counts)
    return deleted
