"""The one way past the audit log's append-only rule: whole-database maintenance.

Deleting audit entries is refused by database triggers. Only maintenance that replaces the whole
database (``flush`` in tests and ``demo-data --flush``, ``restore``) may lift that, and only on its
own connection, inside :func:`audit_maintenance`:

- SQLite: the DELETE trigger asks the per-connection function ``strides_audit_locked()``, which
  Strides registers on every connection it opens. Any other client (the sqlite3 shell, a script)
  does not have the function, so its DELETE fails too.
- PostgreSQL: the trigger lets a DELETE through only when the session setting
  ``strides.audit_maintenance`` is ``on`` (``TRUNCATE`` in ``flush`` fires no row triggers).
UPDATE is refused always, everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    wrapper = connection

    def locked() -> int:
        return 0 if getattr(wrapper, "_strides_audit_unlocked", False) else 1

    connection.connection.create_function("strides_audit_locked", 0, locked)


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET strides.audit_maintenance = 'on'")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET strides.audit_maintenance")
        return
    connection._strides_audit_unlocked = True  # type: ignore[attr-defined]  # read by locked() above
    try:
        yield
    finally:
        connection._strides_audit_unlocked = False  # type: ignore[attr-defined]
