from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "strides.audit"
    label = "audit"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from strides.audit.maintenance import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="strides_audit_sqlite_function")
