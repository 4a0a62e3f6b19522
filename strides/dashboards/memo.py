"""Dashboard figures computed once and shared by every request that would compute the same.

Twenty people opening the trust dashboard at once see the same figures: without this each of them
recomputes the overview, the suppression, the tables and the charts (a second of CPU each on the
large demo trust, and the workers' threads share one interpreter). :func:`remember` keeps what a
page computed in this process's memory, in a small LRU (``STRIDES_DASHBOARD_MEMO_ENTRIES``
entries, default 16), and runs one build per key at a time: whoever waited for it takes the result.

**The key decides who may share.** :func:`page_key` is made of everything the figures depend on:

- the trust and its *data version* (``frames.data_version``: any write that can change a figure
  changes it), read *before* the rows, so a write during the build can only file the result under
  the older version, which nobody asks for again;
- the user's window, exactly: the schools whose aggregates they see, the schools where they see
  only their own classes' pupils and a SHA-256 of those pupils (with the school each row was
  made at), whether small groups are suppressed, at which schools and from which threshold;
- today's date (a drop becomes overdue overnight) and the page's filters.

Two users share an entry only when all of it is equal, which is when the page would show them the
same thing; a head and a governor of the same school, or two teachers with different classes,
never do. Only scope-determined figures belong here: anything read through the user themself
(the school page's named pupils needing attention) is built per request, after the memo.

The rows themselves are read only when needed (:class:`Rows`): a page served from the memo needs
the user's rows only for a teacher's pupils digest, so a warm request of anyone else never filters
the trust's frame. What the filters form offers (the drops and subjects in the user's rows,
:func:`remember_facts`) is remembered under the same key, in its own LRU.

Off in test mode unless ``STRIDES_DASHBOARD_MEMO`` is set (test databases roll back and reuse
ids, and pinned query counts are a full build's); the memo's own tests turn it on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl
from django.conf import settings

from strides.dashboards import frames

if TYPE_CHECKING:
    from strides.dashboards.queries import AnalyticsView

T = TypeVar("T")

# Twenty heads opening twenty schools' pages in turn need twenty entries: with fewer, an LRU evicts
# each page just before it is asked for again and every request rebuilds (the school page's 1 s
# under load). An entry is one page's figures, tables and their HTML: a few hundred kilobytes for
# a school, a few megabytes for a large trust's page.
DEFAULT_ENTRIES = 64
FACTS_PER_ENTRY = 4  # a facts entry is a few sets of ids: keep more of them

_lock = threading.Lock()
_entries: OrderedDict[Hashable, Any] = OrderedDict()
_facts: OrderedDict[Hashable, Any] = OrderedDict()
_building: dict[Hashable, threading.Lock] = {}


def enabled() -> bool:
    return bool(getattr(settings, "STRIDES_DASHBOARD_MEMO", settings.MODE != "test"))


def max_entries() -> int:
    return max(1, int(getattr(settings, "STRIDES_DASHBOARD_MEMO_ENTRIES", DEFAULT_ENTRIES)))


def forget() -> None:
    """Drop every remembered page (tests; a deployment never needs to)."""
    with _lock:
        _entries.clear()
        _facts.clear()


def size() -> int:
    with _lock:
        return len(_entries)


def remember(key: Hashable | None, build: Callable[[], T]) -> T:
    """``build()``'s result, from memory when the same key was built before. ``None`` (the memo
    off) always builds. Concurrent callers with one key wait for a single build."""
    return _remember(_entries, max_entries(), key, build)


def remember_facts(key: Hashable | None, build: Callable[[], T]) -> T:
    """As :func:`remember`, for what a page reads of the user's rows before its figures (the
    drops and subjects its filters offer), kept apart from the pages."""
    return _remember(_facts, max_entries() * FACTS_PER_ENTRY, ("facts", key), build) if key else build()


def _remember(
    entries: OrderedDict[Hashable, Any], limit: int, key: Hashable | None, build: Callable[[], T]
) -> T:
    if key is None:
        return build()
    with _lock:
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
        flight = _building.setdefault(key, threading.Lock())
    with flight:
        with _lock:
            if key in entries:  # built while this caller waited
                entries.move_to_end(key)
                return entries[key]
        try:
            value = build()
            with _lock:
                entries[key] = value
                while len(entries) > limit:
                    entries.popitem(last=False)
        finally:
            with _lock:
                if _building.get(key) is flight:
                    del _building[key]
    return value


class Rows:
    """The user's rows (``read()``: ``AnalyticsView.observations`` for the page's schools), read
    the first time they are asked for and kept for the rest of the request."""

    def __init__(self, read: Callable[[], pl.DataFrame]) -> None:
        self._read = read
        self._frame: pl.DataFrame | None = None

    def __call__(self) -> pl.DataFrame:
        if self._frame is None:
            self._frame = self._read()
        return self._frame


def version_of(view: AnalyticsView) -> str | None:
    """The trust's data version, to be read before the page reads its rows (one query); ``None``
    when the memo is off or the user has no trust (nothing is remembered then)."""
    if not enabled() or view.trust_id is None:
        return None
    return frames.data_version(view.trust_id)


@dataclass(frozen=True)
class Scope:
    """What a user's figures depend on, besides the filters: equal scopes see equal pages."""

    trust_id: int
    version: str
    aggregate_school_ids: frozenset[int]
    class_school_ids: frozenset[int]
    class_pupils: str  # SHA-256 of the rows of a user who sees pupils through classes (pupils_digest)
    suppress_small_groups: bool
    suppressed_school_ids: frozenset[int]
    threshold: int


def pupils_digest(obs: pl.DataFrame | Rows, school_ids: frozenset[int]) -> str:
    """A SHA-256 of the distinct rows the user reads (pupil, school, drop, subject: every school,
    in order) when they see pupils through classes at ``school_ids``: equal exactly when the same
    rows are read. Not of the (pupil, school) pairs alone: a pupil seen from outside (as a parent,
    or a newcomer's prior attainment) brings released rows only, the same pupil taught brings the
    drafts too (ADR 11), so two teachers with the same pairs can read different rows. Reads no
    rows when ``school_ids`` is empty (nobody's own classes: everyone but teachers)."""
    if not school_ids:
        return ""
    if isinstance(obs, Rows):
        obs = obs()
    if obs.is_empty():
        return ""
    identity = [c for c in ("pupil_id", "school_id", "drop_id", "subject_id") if c in obs.columns]
    rows = obs.select(pl.col(c).cast(pl.Int64) for c in identity).unique().sort(identity)
    text = ";".join(",".join(str(value) for value in row) for row in rows.iter_rows())
    return hashlib.sha256(text.encode()).hexdigest()


def scope_of(view: AnalyticsView, obs: pl.DataFrame | Rows, version: str) -> Scope:
    assert view.trust_id is not None
    aggregate = frozenset(view.aggregate_school_ids)
    classes = frozenset(view.class_school_ids)
    return Scope(
        trust_id=view.trust_id,
        version=version,
        aggregate_school_ids=aggregate,
        class_school_ids=classes,
        class_pupils=pupils_digest(obs, classes),
        suppress_small_groups=view.suppress_small_groups,
        suppressed_school_ids=frozenset(s for s in aggregate if view.suppresses(s)),
        threshold=view.threshold,
    )


def request_scope(view: AnalyticsView, obs: pl.DataFrame | Rows, version: str | None) -> Scope | None:
    """The user's scope for this request's keys (work it out once: a teacher's pupils digest
    reads their rows), or ``None`` when nothing may be remembered (the memo off: ``version`` is
    None)."""
    if version is None or view.trust_id is None:
        return None
    return scope_of(view, obs, version)


def key(page: str, scope: Scope | None, *filters: Hashable) -> tuple[Any, ...] | None:
    """The key of a page's figures for a scope (see the module docstring); ``None``: none."""
    return None if scope is None else (page, scope, dt.date.today(), *filters)


def page_key(
    page: str, view: AnalyticsView, obs: pl.DataFrame | Rows, version: str | None, *filters: Hashable
) -> tuple[Any, ...] | None:
    """The key of a page's figures for this user (see the module docstring), or ``None`` when
    nothing may be remembered (the memo off: ``version`` is None)."""
    return key(page, request_scope(view, obs, version), *filters)
