"""Set-based writes for the demo trust's big tables.

The demo writes tens of thousands of pupils, their characteristics periods, enrolments, class
memberships and audit entries, and a million judgements. Through the ORM each row costs a model
instance and a value-by-value preparation; here each is a tuple of values already in the
database's form, written by ``executemany`` in batches. The writers that use this
(:mod:`strides.demo.roll_writer`, :mod:`strides.demo.judgement_writer`, :mod:`strides.demo.staff_writer`)
write exactly the rows the services would (``strides/demo/tests/test_bulk_paths.py`` compares them),
so the demo stays as valid as real data.

Rows that other rows point to get their ids here (:func:`next_id`), so a batch can refer to rows
of the same batch; :func:`reset_sequences` then tells PostgreSQL's sequences (SQLite needs
nothing: an explicit id moves its AUTOINCREMENT counter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from strides.access.actor import Actor
from strides.audit.models import AuditEntry

BATCH = 5000


def column_names(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    columns = []
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field) and field.column  # a concrete field
        columns.append(field.column)
    return columns


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` (tuples of database values, in the order of ``fields``) into ``model``'s table."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in column_names(model, fields))
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
    written = 0
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def next_id(model: type[models.Model]) -> int:
    """The id the database would give ``model``'s next row (the demo writes in one transaction):
    after every row and, on SQLite, after every id AUTOINCREMENT has handed out (rolled-back rows'
    too), so the rows get the ids the services would have given them."""
    largest = model._base_manager.aggregate(largest=Max("pk"))["largest"] or 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
            found = cursor.fetchone()
        if found is not None:
            largest = max(largest, found[0])
    return largest + 1


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    """After rows written with their own ids: PostgreSQL's sequences start after them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def db_datetime(value: dt.datetime) -> Any:
    """A datetime as the database stores it (what a DateTimeField's preparation gives)."""
    return connection.ops.adapt_datetimefield_value(value)


def db_date(value: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(value)


def db_json(value: Any) -> Any:
    """A JSONField's value as the database stores it (``None`` is SQL NULL, as the audit log's
    ``before`` of a creation is)."""
    return None if value is None else connection.ops.adapt_json_value(value, None)


AUDIT_FIELDS = (
    "at", "actor", "actor_name", "action", "object_type", "object_id", "object_repr", "school",
    "before", "after", "reason",
)  # fmt: skip


class AuditRows:
    """Audit entries as :func:`strides.audit.services.record` and ``record_many`` make them
    (``_entry``): the actor (none for the command line), the object's label, id and text, the
    school, before and after, the reason cut to 200 characters."""

    def __init__(self, actor: Actor | None, now: dt.datetime) -> None:
        self.actor_id = actor.pk if actor is not None and actor.pk else None
        self.actor_name = "system" if actor is None else actor.username
        self.at = db_datetime(now)
        self.rows: list[tuple[Any, ...]] = []

    def add(
        self,
        action: str,
        object_type: str,
        object_id: int,
        object_repr: str,
        school_id: int | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        reason: str,
    ) -> None:
        self.rows.append(
            (
                self.at,
                self.actor_id,
                self.actor_name,
                str(action),
                object_type,
                str(object_id),
                object_repr[:200],
                school_id,
                db_json(dict(before) if before is not None else None),
                db_json(dict(after) if after is not None else None),
                reason[:200],
            )
        )

    def write(self) -> int:
        written = insert(AuditEntry, AUDIT_FIELDS, self.rows)
        self.rows = []
        return written


def refresh_planner_statistics() -> None:
    """Tell PostgreSQL's planner what was just written. Rows written in a transaction still open
    are invisible to autovacuum's ANALYZE, so the planner believes the tables as small as they
    were, and plans a nested loop over thousands of rows (the demo's history and its foreign-key
    checks took minutes on PostgreSQL for that). ANALYZE in the writing transaction sees its own
    rows; its statistics are kept with the transaction. SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
