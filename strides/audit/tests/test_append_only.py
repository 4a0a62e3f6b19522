from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from strides.audit.maintenance import audit_maintenance
from strides.audit.models import AuditEntry
from strides.audit.services import record
from strides.organisations.models import Trust

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    trust = Trust.objects.create(name="T", slug="t")
    return record(None, "create", trust)


def test_the_model_refuses_changes_and_deletes(entry):
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_database_refuses_update_even_from_raw_sql(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'rewritten' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


def test_the_database_refuses_delete_even_from_a_queryset(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_whole_database_maintenance_may_delete_but_never_update(entry):
    with audit_maintenance():
        AuditEntry.objects.filter(pk=entry.pk).delete()
        assert not AuditEntry.objects.exists()
    second = record(None, "create", Trust.objects.create(name="U", slug="u"))
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=second.pk).delete()


def test_audit_entry_records_who_what_and_changes(entry):
    assert entry.actor_name == "system"
    assert entry.object_type == "organisations.Trust"
    assert entry.after["name"] == "T"
