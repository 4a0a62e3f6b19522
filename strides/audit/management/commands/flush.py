"""Django's ``flush``, able to empty the append-only audit table (see strides/audit/maintenance.py)."""

from django.core.management.commands import flush

from strides.audit.maintenance import audit_maintenance


class Command(flush.Command):
    def handle(self, **options):
        with audit_maintenance(options["database"]):
            return super().handle(**options)
