"""Loading the trust's judgements into the Polars frames ``strides.analytics`` reads.

:func:`observations` is one row per current judgement in ``OBSERVATION_SCHEMA``, with the pupil's
characteristics as at the drop's ``assessed_on``. It is built from a handful of set-based queries
(ids only from the big judgement table; the small tables of drops, subjects, levels, points,
expected points, characteristics periods and pupils' sex), joined in Polars: no query per pupil.

:func:`similar_pool` is the benchmark table similar-learner percentiles compare with: the trust's
imported external benchmark when one is in use, else the trust's own rolling three-year pool.

Its rows are read by the trust's analytics readers of :mod:`strides.access.aggregates` (by
trust, never wider: for counts and percentiles only). Callers pass ids that came from the scoping
gate (``strides.dashboards.queries.AnalyticsView``) and narrow every frame to them before a page
sees a row.

**The cache.** Twenty people opening the trust dashboard at once must not each rebuild a frame
of a million judgements. A frame is built for the whole trust and kept, with the *data version*
it was built at, in two places:

1. this process's memory (``_MEMORY``, one frame per trust), reused read-only by every request;
2. a Parquet file per trust and version in ``STRIDES_ANALYTICS_CACHE_DIR`` (default
   ``VAR_DIR/analytics-cache``; off in test mode unless the setting names a directory), so the
   other gunicorn workers read it (a tenth of a second) instead of building it again (seconds).

Only one build of a trust's frame runs at a time: a thread lock per trust within the process and,
across processes, an exclusive ``flock`` on the trust's lock file. Whoever waited finds the fresh
frame in memory or on disk when the lock is theirs.

The *data version* is one cheap query, every part of it read through a primary key index: the
latest judgement revision, characteristics period and audit entry (id and time each) and the
trust's number of drops. Every write that can change an observation leaves one of these behind:
a judgement saved or re-pointed by a crosswalk writes a revision, a change of characteristics a
new period or (for a same-day correction) an audit entry, a change of a pupil, drop or the
common scale an audit entry, and a drop deleted with its judgements changes the count. The times
make the version unique even where a database reuses the ids of rolled-back rows. A change
anywhere makes every trust's frame stale, which only costs one rebuild.

Judgements whose level has no common point (a bespoke level the crosswalk does not map yet) are
left out: they cannot be placed on the scale.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Subquery

from strides.access.aggregates import (
    trust_characteristics_for_analytics,
    trust_judgements_for_analytics,
    trust_pupils_for_analytics,
)
from strides.analytics import annual_progress, benchmark_table, read_benchmark_csv, rolling_pool
from strides.analytics.own_pool import empty_composition, pool_composition
from strides.analytics.schema import OBSERVATION_SCHEMA, empty_observations, validate_observations
from strides.analytics.similar import empty_benchmark
from strides.assessment.models import DataDrop, JudgementRevision
from strides.audit.models import AuditEntry
from strides.dashboards.models import ExternalBenchmark
from strides.frameworks.models import ExpectedPoint, Level, ScalePoint, Subject
from strides.organisations.models import Trust
from strides.pupils.census_codes import ETHNICITY_MAJOR_GROUP
from strides.pupils.models import CharacteristicsPeriod

log = logging.getLogger(__name__)

# Up to this many pupils, a cold cache is not worth filling for one request: their rows are
# read directly (a pupil's profile, a class).
NARROW_PUPILS = 500

_JUDGEMENT_COLUMNS = {
    "pupil_id": pl.Int64,
    "subject_id": pl.Int64,
    "drop_id": pl.Int64,
    "school_id": pl.Int64,
    "point_id": pl.Int64,
    "level_id": pl.Int64,
}
_PERIOD_COLUMNS = {
    "pupil_id": pl.Int64,
    "valid_from": pl.Date,
    "period_nc_year": pl.Int16,
    "ethnicity": pl.String,
    "eal": pl.Boolean,
    "sen": pl.String,
    "primary_need": pl.String,
    "fsm_ever6": pl.Boolean,
    "looked_after": pl.Boolean,
    "previously_looked_after": pl.Boolean,
}


# --- the data version ------------------------------------------------------------------------


def data_version(trust_id: int) -> str:
    """A string that changes whenever anything an observation is made of changes (see the module
    docstring). One query."""

    def latest(model: Any, *fields: str) -> list[Subquery]:
        newest = model.objects.order_by("-pk")
        return [Subquery(newest.values(name)[:1]) for name in fields]

    revision_id, revision_at = latest(JudgementRevision, "pk", "changed_at")
    period_id, period_at = latest(CharacteristicsPeriod, "pk", "recorded_at")
    audit_id, audit_at = latest(AuditEntry, "pk", "at")
    row = (
        Trust.objects.filter(pk=trust_id)
        .annotate(
            drops=Count("data_drops"),
            revision_id=revision_id,
            revision_at=revision_at,
            period_id=period_id,
            period_at=period_at,
            audit_id=audit_id,
            audit_at=audit_at,
        )
        .values_list("drops", "revision_id", "revision_at", "period_id", "period_at", "audit_id", "audit_at")
        .first()
    )
    return "-".join(str(part) for part in (row or ("no-trust",)))


# --- building ---------------------------------------------------------------------------------


FETCH_ROWS = 100_000


def _fetch_frame(queryset: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """A values_list queryset's rows as a frame, straight from the cursor a hundred thousand rows
    at a time: for the judgement table this skips Django's per-row work (the columns are plain
    integers) and never holds every row as Python tuples at once."""
    sql, params = queryset.query.sql_with_params()
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _academic_year_of(day: pl.Expr) -> pl.Expr:
    return pl.when(day.dt.month() >= 9).then(day.dt.year()).otherwise(day.dt.year() - 1)


def build_observations(
    trust_id: int, *, school_ids: Collection[int] | None = None, pupil_ids: Collection[int] | None = None
) -> pl.DataFrame:
    """The observations frame straight from the database (no cache). Eight queries."""
    judgements = trust_judgements_for_analytics(trust_id).filter(point__isnull=False)
    if school_ids is not None:
        judgements = judgements.filter(school_id__in=list(school_ids))
    if pupil_ids is not None:
        judgements = judgements.filter(pupil_id__in=list(pupil_ids))
    frame = _fetch_frame(judgements.order_by().values_list(*_JUDGEMENT_COLUMNS), _JUDGEMENT_COLUMNS)
    if frame.is_empty():
        return empty_observations()

    drops = pl.DataFrame(
        list(
            DataDrop.objects.filter(trust_id=trust_id).values_list(
                "pk", "assessed_on", "academic_year__start_year", "term"
            )
        ),
        schema={"drop_id": pl.Int64, "drop_date": pl.Date, "academic_year": pl.Int32, "term": pl.String},
        orient="row",
    )
    subjects = pl.DataFrame(
        list(Subject.objects.values_list("pk", "code")),
        schema={"subject_id": pl.Int64, "subject": pl.String},
        orient="row",
    )
    points = pl.DataFrame(
        list(ScalePoint.objects.filter(scale__trust_id=trust_id).values_list("pk", "value")),
        schema={"point_id": pl.Int64, "point": pl.Int32},
        orient="row",
    )
    levels = pl.DataFrame(
        list(
            Level.objects.filter(
                Q(framework__trust__isnull=True) | Q(framework__trust_id=trust_id)
            ).values_list("pk", "code", "framework__code")
        ),
        schema={"level_id": pl.Int64, "level": pl.String, "framework": pl.String},
        orient="row",
    )
    expected = pl.DataFrame(
        list(
            ExpectedPoint.objects.filter(scale__trust_id=trust_id).values_list(
                "nc_year", "term", "point__value"
            )
        ),
        schema={"nc_year": pl.Int16, "term": pl.String, "expected": pl.Int32},
        orient="row",
    )
    periods = pl.DataFrame(
        list(
            trust_characteristics_for_analytics(trust_id, pupil_ids)
            .order_by()
            .values_list(
                "pupil_id",
                "valid_from",
                "nc_year",
                "ethnicity",
                "eal",
                "sen_provision",
                "primary_need",
                "fsm_ever6",
                "looked_after",
                "previously_looked_after",
            )
        ),
        schema=_PERIOD_COLUMNS,
        orient="row",
    )
    sexes = pl.DataFrame(
        list(trust_pupils_for_analytics(trust_id, pupil_ids).values_list("pk", "sex")),
        schema={"pupil_id": pl.Int64, "sex": pl.String},
        orient="row",
    )
    return _assemble(frame, drops, subjects, points, levels, expected, periods, sexes)


def _assemble(
    frame: pl.DataFrame,
    drops: pl.DataFrame,
    subjects: pl.DataFrame,
    points: pl.DataFrame,
    levels: pl.DataFrame,
    expected: pl.DataFrame,
    periods: pl.DataFrame,
    sexes: pl.DataFrame,
) -> pl.DataFrame:
    # The ids are matched to their characteristics first and the text columns joined last, so
    # the big intermediate frames carry integers only.
    dated = frame.join(drops, on="drop_id", how="inner").sort("drop_date")
    history = periods.sort("valid_from")
    # Characteristics as at the drop's date: the period that began last on or before it (periods
    # of one pupil never overlap). A judgement dated before the pupil's recorded history began
    # takes the earliest period, with the NC year taken back by the academic years in between.
    asof = {"left_on": "drop_date", "right_on": "valid_from", "by": "pupil_id", "check_sortedness": False}
    as_at = dated.join_asof(history, strategy="backward", **asof)
    unmatched = as_at.get_column("valid_from").is_null()
    if unmatched.any():
        earliest = (
            as_at.filter(unmatched)
            .select(dated.columns)
            .join_asof(history, strategy="forward", **asof)
            .with_columns(
                (
                    pl.col("period_nc_year")
                    - (_academic_year_of(pl.col("valid_from")) - pl.col("academic_year")).cast(pl.Int16)
                ).alias("period_nc_year")
            )
        )
        as_at = pl.concat([as_at.filter(~unmatched), earliest], how="vertical_relaxed")
    majors = pl.DataFrame(
        {"ethnicity": list(ETHNICITY_MAJOR_GROUP), "ethnic_group": list(ETHNICITY_MAJOR_GROUP.values())}
    )
    observed = (
        as_at.sort(["pupil_id", "subject_id", "drop_date", "drop_id"])
        .with_columns(pl.col("period_nc_year").alias("nc_year"))
        .join(expected, on=["nc_year", "term"], how="left", maintain_order="left")
        .join(subjects, on="subject_id", how="left", maintain_order="left")
        .join(points, on="point_id", how="left", maintain_order="left")
        .join(levels, on="level_id", how="left", maintain_order="left")
        .join(sexes, on="pupil_id", how="left", maintain_order="left")
        .join(majors, on="ethnicity", how="left", maintain_order="left")
        .select(
            [
                (pl.col("fsm_ever6") | pl.col("looked_after") | pl.col("previously_looked_after"))
                .fill_null(False)
                .alias("disadvantaged")
                if name == "disadvantaged"
                else pl.col(name).fill_null(FILL[name]).cast(dtype)
                if name in FILL
                else pl.col(name).cast(dtype)
                for name, dtype in OBSERVATION_SCHEMA.items()
            ]
        )
    )
    # subject ids and codes may sort differently: the frame's promised order is by code
    return validate_observations(observed.sort(["pupil_id", "subject", "drop_date", "drop_id"]))


# Characteristics a pupil has no period for: "not recorded" values, as a new period would have.
FILL: dict[str, Any] = {
    "sen": "N",
    "primary_need": "",
    "eal": False,
    "looked_after": False,
    "ethnic_group": "Unclassified",
}


# --- the cache --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cached:
    version: str
    frame: pl.DataFrame


_MEMORY: dict[int, _Cached] = {}
_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def cache_dir() -> Path | None:
    """Where frames are shared between processes; None: memory only."""
    configured = getattr(settings, "STRIDES_ANALYTICS_CACHE_DIR", None)
    if configured:
        return Path(configured)
    if getattr(settings, "MODE", "") == "test":
        return None
    return Path(settings.VAR_DIR) / "analytics-cache"


def forget_observations(trust_id: int | None = None) -> None:
    """Drop this process's cached frames (all trusts, or one)."""
    if trust_id is None:
        _MEMORY.clear()
        _POOLS.clear()
    else:
        _MEMORY.pop(trust_id, None)
        _POOLS.pop(trust_id, None)


def _thread_lock(trust_id: int) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(trust_id, threading.Lock())


@contextlib.contextmanager
def _process_lock(directory: Path | None, trust_id: int) -> Iterator[None]:
    if directory is None:
        yield
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = open(directory / f"observations-{trust_id}.lock", "a")  # noqa: SIM115 - closed below
    except OSError:
        # an unwritable cache directory costs speed, never the page
        log.warning("Cannot use the analytics cache directory %s", directory, exc_info=True)
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _parquet_path(directory: Path, trust_id: int, version: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in version)
    return directory / f"observations-{trust_id}-{safe}.parquet"


def _read_shared(directory: Path | None, trust_id: int, version: str) -> pl.DataFrame | None:
    if directory is None:
        return None
    path = _parquet_path(directory, trust_id, version)
    if not path.exists():
        return None
    try:
        return validate_observations(pl.read_parquet(path))
    except (OSError, ValueError, pl.exceptions.PolarsError):
        log.warning("Unreadable analytics cache file %s: rebuilding", path)
        return None


def _write_shared(directory: Path | None, trust_id: int, version: str, frame: pl.DataFrame) -> None:
    if directory is None:
        return
    path = _parquet_path(directory, trust_id, version)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        frame.write_parquet(partial)
        partial.replace(path)  # atomic: a reader never sees half a file
        for stale in directory.glob(f"observations-{trust_id}-*.parquet"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except (OSError, pl.exceptions.PolarsError):
        log.warning("Could not write the analytics cache file %s", path, exc_info=True)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def trust_observations(trust_id: int, version: str | None = None) -> pl.DataFrame:
    """The whole trust's frame at the current data version, from memory, the shared file or a
    fresh build (one build at a time per trust, see the module docstring)."""
    version = version or data_version(trust_id)
    cached = _MEMORY.get(trust_id)
    if cached is not None and cached.version == version:
        return cached.frame
    directory = cache_dir()
    with _thread_lock(trust_id):
        cached = _MEMORY.get(trust_id)
        if cached is not None and cached.version == version:
            return cached.frame
        with _process_lock(directory, trust_id):
            frame = _read_shared(directory, trust_id, version)
            if frame is None:
                frame = build_observations(trust_id)
                _write_shared(directory, trust_id, version, frame)
        _MEMORY[trust_id] = _Cached(version, frame)
        return frame


def _filter(
    frame: pl.DataFrame, school_ids: Iterable[int] | None, pupil_ids: Iterable[int] | None
) -> pl.DataFrame:
    if school_ids is not None:
        frame = frame.filter(pl.col("school_id").is_in(list(school_ids)))
    if pupil_ids is not None:
        frame = frame.filter(pl.col("pupil_id").is_in(list(pupil_ids)))
    return frame


def in_memory(trust_id: int, version: str) -> bool:
    """Whether this process holds the trust's frame at ``version`` (reading it then takes
    milliseconds; otherwise the next read loads the shared file or builds it: seconds for a large
    trust). A page uses it to show its progress rather than keep the user waiting on a blank one."""
    cached = _MEMORY.get(trust_id)
    return cached is not None and cached.version == version


def observations(
    trust_id: int,
    *,
    school_ids: Iterable[int] | None = None,
    pupil_ids: Iterable[int] | None = None,
    version: str | None = None,
) -> pl.DataFrame:
    """One row per current judgement of the trust in ``OBSERVATION_SCHEMA``, optionally only
    those made at ``school_ids`` and / or of ``pupil_ids`` (ids from the gate). ``version``: the
    data version the caller read just before (a page reads it once for its memo key and its
    rows), else read here.

    Served from the trust's cached frame when it is fresh; otherwise a few pupils' rows are read
    directly, and anything bigger builds (and caches) the whole trust's frame first."""
    schools = None if school_ids is None else set(school_ids)
    pupils = None if pupil_ids is None else set(pupil_ids)
    version = version or data_version(trust_id)
    cached = _MEMORY.get(trust_id)
    if cached is not None and cached.version == version:
        return _filter(cached.frame, schools, pupils)
    if pupils is not None and len(pupils) <= NARROW_PUPILS:
        if not pupils or schools == set():
            return empty_observations()
        return build_observations(trust_id, school_ids=schools, pupil_ids=pupils)
    if schools == set():
        return empty_observations()
    return _filter(trust_observations(trust_id, version), schools, pupils)


# --- the similar-learner pool ------------------------------------------------------------------

POOL_YEARS = 3
POOLS_KEPT = 12  # end years cached per trust and data version
# trust -> (data version, {end year asked for (None: the latest with data): (benchmark table, its
# composition by school, see strides.analytics.own_pool)})
_POOLS: dict[int, tuple[str, dict[int | None, tuple[pl.DataFrame, pl.DataFrame]]]] = {}


@dataclass(frozen=True)
class PoolSource:
    """What percentiles are compared with, in words a page can show."""

    external: bool
    name: str
    description: str


def pool_source(trust_id: int) -> PoolSource:
    """The external benchmark in use, or the trust's own pool. One query."""
    benchmark = (
        ExternalBenchmark.objects.filter(trust_id=trust_id, in_use=True)
        .values_list("name", "source", "pupils")
        .first()
    )
    if benchmark is not None:
        name, source, pupils = benchmark
        where = f" ({source})" if source else ""
        return PoolSource(
            True, name, f"{name}{where}: an external benchmark of {pupils:,} pupils' progress over a year."
        )
    return PoolSource(
        False,
        "The trust's pupils",
        f"Pupils of the trust over {POOL_YEARS} academic years, up to the year of the drop: each "
        "pupil's progress over a year, from the same term a year before, once a year in each subject.",
    )


def similar_pool(trust_id: int, *, end_year: int | None = None) -> pl.DataFrame:
    """The benchmark table similar-learner percentiles compare with (see :func:`pool_tables`)."""
    return pool_tables(trust_id, end_year=end_year)[0]


def pool_tables(trust_id: int, *, end_year: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The benchmark table similar-learner percentiles compare with (``BENCHMARK_SCHEMA``): the
    trust's external benchmark when one is in use, else the trust's rolling pool of one-year
    progress (each pupil once per subject and academic year, ``rolling_pool``) over the three
    academic years ending with ``end_year`` (the academic year of the drop being viewed, 2025 =
    2025/26; default the latest with data). Trust-wide by design: a percentile reveals nothing of
    any other pupil. Cached per trust, data version and ``end_year``, with the pool's composition
    by school (``strides.analytics.own_pool.pool_composition``: how many of each cell's pupils each
    school has), which is empty when an external benchmark is in use (no school is its own pool)."""
    if end_year is not None and (isinstance(end_year, bool) or not isinstance(end_year, int)):
        raise ValueError(
            f"similar_pool: end_year must be an academic year's start (2025) or None, not {end_year!r}"
        )
    version = data_version(trust_id)
    cached = _POOLS.get(trust_id)
    if cached is None or cached[0] != version:
        cached = (version, {})
        _POOLS[trust_id] = cached
    tables = cached[1]
    if end_year in tables:
        return tables[end_year]
    content = (
        ExternalBenchmark.objects.filter(trust_id=trust_id, in_use=True)
        .values_list("content", flat=True)
        .first()
    )
    composition = empty_composition()
    if content is not None:
        # checked when it was uploaded: a failure here is a bug, not the user's to fix
        table = read_benchmark_csv(bytes(content))
    else:
        obs = trust_observations(trust_id, version)
        if obs.is_empty():
            table = empty_benchmark()
        else:
            last = int(obs.get_column("academic_year").max()) if end_year is None else end_year
            pool = rolling_pool(annual_progress(obs), end_year=last, years=POOL_YEARS)
            table = benchmark_table(pool)
            composition = pool_composition(pool, ("school_id",))
    if len(tables) >= POOLS_KEPT:  # a handful of years is all a trust's drops ask for
        tables.clear()
    tables[end_year] = (table, composition)
    return table, composition
