"""Make the audit log append-only in the database itself: UPDATE and DELETE are refused.

See strides/audit/maintenance.py for the one, whole-database maintenance path that may delete.
"""

from django.db import migrations


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
        )
        schema_editor.execute(
            "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry "
            "WHEN strides_audit_locked() "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
            "BEGIN "
            "IF TG_OP = 'DELETE' AND current_setting('strides.audit_maintenance', true) = 'on' "
            "THEN RETURN OLD; END IF; "
            "RAISE EXCEPTION 'audit entries are append-only'; "
            "END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();"
        )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_entry_no_{op};")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;")
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_entry_append_only();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
