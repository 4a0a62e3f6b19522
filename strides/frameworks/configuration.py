"""What a process keeps of a trust's assessment configuration between requests.

A grid save used to read the trust's frameworks, their levels and subjects, the school's framework
choices, the common scale's points and the crosswalk in force afresh on every request: five
queries and hundreds of objects built for one cell, though they change a few times a year. They
are now kept per process under the configuration stamp (``models.ConfigurationStamp``), a random
token that database triggers replace in the same transaction as any change to the tables below,
by whatever path (a service, ``bulk_create``, a migration, SQL). A request reads the token inside
a query it makes anyway (:func:`stamp_subquery` as an annotation), so keeping costs no statement
and a change is seen by the next request of every process: never a stale framework.

What is kept is shared by every user of the process, so it holds configuration only (no pupil,
no judgement, nothing the gate decides): who may see or record what is still decided per request.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db.models import Subquery

from strides.frameworks.level_codes import CodeBook
from strides.frameworks.models import (
    CommonScale,
    ConfigurationStamp,
    Crosswalk,
    CrosswalkEntry,
    ScalePoint,
    Subject,
)
from strides.frameworks.queries import FrameworkChooser

# The tables a trust's assessment configuration is read from. A change to any of them replaces
# the stamp's token (migrations frameworks 0006 and assessment 0006 install the triggers).
FRAMEWORK_TABLES = (
    "frameworks_subject",
    "frameworks_trustsubject",
    "frameworks_framework",
    "frameworks_framework_subjects",
    "frameworks_level",
    "frameworks_commonscale",
    "frameworks_scalepoint",
    "frameworks_expectedpoint",
    "frameworks_crosswalk",
    "frameworks_crosswalkentry",
    "frameworks_frameworkassignment",
)
ASSESSMENT_TABLES = ("assessment_datadrop_subjects",)

_STAMP = "frameworks_configurationstamp"
_PG_FUNCTION = "strides_configuration_changed"


def install_triggers_sql(vendor: str, tables: Iterable[str]) -> list[str]:
    """The statements that make a change to any of ``tables`` replace the stamp's token. The
    names in them are this module's constants, never input."""
    statements: list[str] = []
    if vendor == "postgresql":
        upsert = new_stamp_sql(vendor)
        statements.append(
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger AS $$ "
            f"BEGIN {upsert} RETURN NULL; END; $$ LANGUAGE plpgsql;"
        )
        for table in tables:
            # once a statement, however many rows it changes (a bulk_create of levels is one)
            statements.append(
                f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}();"
            )
    elif vendor == "sqlite":
        upsert = new_stamp_sql(vendor)
        for table in tables:
            for event in ("insert", "update", "delete"):  # SQLite's triggers are for each row only
                statements.append(
                    f"CREATE TRIGGER {table}_stamp_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {upsert} END;"
                )
    else:  # pragma: no cover - Strides runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"no configuration triggers for {vendor}")
    return statements


def new_stamp_sql(vendor: str) -> str:
    """A new token now (migration 0006 stamps the frameworks it finds, so they are kept at once)."""
    if vendor == "postgresql":
        return (
            f"INSERT INTO {_STAMP} (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text)) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;"
        )
    return f"INSERT OR REPLACE INTO {_STAMP} (id, token) VALUES (1, lower(hex(randomblob(16))));"  # noqa: S608


def drop_triggers_sql(vendor: str, tables: Iterable[str]) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_stamp ON {table};" for table in tables]
    return [
        f"DROP TRIGGER IF EXISTS {table}_stamp_{event};"
        for table in tables
        for event in ("insert", "update", "delete")
    ]


def stamp_subquery() -> Subquery:
    """The configuration stamp's token, as an annotation on a query the request makes anyway."""
    return Subquery(ConfigurationStamp.objects.filter(pk=1).values("token")[:1])


def current_stamp() -> str | None:
    """The token read on its own (a query): for callers with no query to annotate."""
    return ConfigurationStamp.objects.filter(pk=1).values_list("token", flat=True).first()


# --- what is kept ---------------------------------------------------------------------------

T = TypeVar("T")
_KEEP = 256  # entries per process: a trust's code book, points and crosswalk, schools' choices
_kept: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def stamped(token: str | None, key: tuple, build: Callable[[], T]) -> T:
    """``build()``'s result, kept under ``(token, key)`` until the configuration changes; built
    afresh every time when there is no token (a database with no stamp yet)."""
    if token is None:
        return build()
    full = (token, *key)
    with _lock:
        if full in _kept:
            _kept.move_to_end(full)
            return _kept[full]  # type: ignore[return-value]
    value = build()
    with _lock:
        _kept[full] = value
        while len(_kept) > _KEEP:
            _kept.popitem(last=False)
    return value


def forget_all() -> None:
    """Drop everything kept (tests that change configuration outside a transaction)."""
    with _lock:
        _kept.clear()


class TrustScale:
    """A trust's common scale as a save needs it: whether there is one, each point's value, and
    the crosswalk in force on a day with its level -> point entries."""

    def __init__(self, trust_id: int) -> None:
        self.trust_id = trust_id
        self.exists = CommonScale.objects.filter(trust_id=trust_id).exists()
        self.values: dict[int, int] = dict(
            ScalePoint.objects.filter(scale__trust_id=trust_id).values_list("pk", "value")
        )
        self._in_force: dict[dt.date, tuple[int | None, dict[int, int]]] = {}

    def crosswalk_on(self, day: dt.date) -> tuple[int | None, dict[int, int]]:
        """(the crosswalk in force on ``day``, its level id -> point id), read once a day asked."""
        if day not in self._in_force:
            crosswalk_id = (
                Crosswalk.objects.filter(scale__trust_id=self.trust_id, effective_from__lte=day)
                .order_by("-effective_from", "-version")
                .values_list("pk", flat=True)
                .first()
            )
            entries: dict[int, int] = {}
            if crosswalk_id is not None:
                entries = dict(
                    CrosswalkEntry.objects.filter(crosswalk_id=crosswalk_id).values_list(
                        "level_id", "point_id"
                    )
                )
            self._in_force[day] = (crosswalk_id, entries)
        return self._in_force[day]


def trust_scale(token: str | None, trust_id: int) -> TrustScale:
    return stamped(token, ("scale", trust_id), lambda: TrustScale(trust_id))


def code_book(token: str | None, trust_id: int) -> CodeBook:
    """The trust's :class:`CodeBook` (every framework its schools may use, with levels)."""
    return stamped(token, ("code-book", trust_id), lambda: CodeBook(trust_id))


def framework_chooser(
    token: str | None, school_id: int, subjects: Iterable[Subject], day: dt.date
) -> FrameworkChooser:
    """The school's :class:`FrameworkChooser` for ``subjects`` on ``day``."""
    subjects = list(subjects)
    key = ("chooser", school_id, tuple(sorted(s.pk for s in subjects)), day)
    return stamped(token, key, lambda: FrameworkChooser(school_id, subjects, day))


def subjects_by_code(
    token: str | None, key: tuple, subjects: Callable[[], Iterable[Subject]]
) -> dict[str, Subject]:
    """Subjects by code, kept under ``key`` (e.g. a drop's subjects: ``("drop-subjects", pk)``)."""
    return stamped(token, key, lambda: {s.code: s for s in subjects()})
