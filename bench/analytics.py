"""Benchmark: the analytics of a whole trust's dashboard, against hand-written DuckDB SQL of the
same aggregates over the same data in the same run; and similar-learner percentiles for 8 million
pupils with Polars' lazy engine.

    python -m bench.analytics [--quick] [--observations FILE]   this benchmark alone, as Markdown
    python -m bench.run --only analytics                         the same inside the report

(a) **The trust dashboard.** An invented trust at the large demo trust's shape (about 40,000 pupils
a year in about 100 schools, termly drops over three years, reading, writing and maths:
``strides.analytics.synthetic``, fixed seed), or a real observations frame written as Parquet
(``--observations FILE``, or ``STRIDES_BENCH_OBSERVATIONS=FILE`` for ``bench/run.py``; ``step
export`` writes the frame of a database's first trust with ``strides.dashboards.frames``).
``overview()`` computes every table of the trust page for the latest drop: attainment per school and
subject, every school x subject x group, every gap with its interval in three measures, value added,
each pupil's similar-learner percentile, and the trend across drops. DuckDB computes the same
tables with SQL written for it (``duckdb_sql`` below) into in-memory tables. Before anything is
timed, one process computes both and checks every number agrees; then each engine runs in a
process of its own (load, one cold run, then the timed runs), so its peak memory is its own.

(b) **Similar learners at national scale.** One-year progress of 8 million invented pupils
(``synthetic_progress_lazy``, written to Parquet), their benchmark table and every pupil's
percentile, read and written with the lazy engine: once streaming (``sink_parquet``) and once
collected in memory, each in a process of its own.

Steps (each run in its own process by the benchmark):

    python -m bench.analytics step generate OUT.parquet PUPILS       invented observations
    python -m bench.analytics step prepare OBS BENCH_OUT             latest drop; benchmark table
    python -m bench.analytics step verify OBS BENCH DROP             Polars and DuckDB agree
    python -m bench.analytics step polars OBS BENCH DROP REPEATS     time overview()
    python -m bench.analytics step duckdb OBS BENCH DROP REPEATS     time the SQL
    python -m bench.analytics step similar-data OUT.parquet PUPILS   8 million progress rows
    python -m bench.analytics step similar IN OUT ENGINE             percentiles (streaming / in-memory)
    python -m bench.analytics step export OUT.parquet                a database's real frame (Django)
"""

# ruff: noqa: S608 - the SQL is put together from this file's constants and an integer drop id

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Bench, Section, bench_alone, log

REPO = Path(__file__).resolve().parent.parent
OBSERVATIONS_ENV = "STRIDES_BENCH_OBSERVATIONS"
GROUP_BY = ("school_id",)
DUCKDB_THREADS = os.cpu_count() or 1
Z95 = "1.959963984540054::DOUBLE"  # as strides.analytics.intervals.Z95


@dataclass(frozen=True)
class AnalyticsSizes:
    pupils: int  # pupils a year in the invented trust
    repeats: int  # timed runs of each engine
    similar_pupils: int  # pupils in the similar-learner run


FULL = AnalyticsSizes(pupils=40_000, repeats=5, similar_pupils=8_000_000)
QUICK = AnalyticsSizes(pupils=1_500, repeats=1, similar_pupils=100_000)


def _fmt(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.0f} ms"


def section(bench: Bench, observations: Path | None = None) -> Section:
    """The benchmark inside ``bench/run.py`` (``bench`` is its ``Bench``)."""
    sizes = QUICK if bench.sizes.demo_scale != "large" else FULL
    this = [bench.python, "-m", "bench.analytics"]
    unused = bench.workdir / "analytics-unused.sqlite3"  # the steps touch no database

    def step(*args: object) -> Any:
        return bench.measure([*this, "step", *map(str, args)], unused)

    if observations is None and os.environ.get(OBSERVATIONS_ENV):
        observations = Path(os.environ[OBSERVATIONS_ENV])
    if observations is None:
        observations = bench.workdir / "observations.parquet"
        bench.log(f"analytics: inventing a trust of {sizes.pupils:,} pupils a year ...")
        made = step("generate", observations, sizes.pupils).json()
        source = (
            f"an invented trust (`strides.analytics.synthetic`, seed 1): {made['schools']} schools, "
            f"{made['pupils']:,} pupils over three years"
        )
    else:
        source = f"the observations in `{observations.name}`"
    benchmark = bench.workdir / "benchmark.parquet"
    bench.log("analytics: the similar-learner pool ...")
    prepared = step("prepare", observations, benchmark).json()
    drop = prepared["drop_id"]
    bench.log("analytics: checking Polars and DuckDB agree ...")
    verified = step("verify", observations, benchmark, drop).json()
    bench.log(f"analytics: overview() x {sizes.repeats} ...")
    polars_run = step("polars", observations, benchmark, drop, sizes.repeats)
    bench.log(f"analytics: DuckDB SQL x {sizes.repeats} ...")
    duckdb_run = step("duckdb", observations, benchmark, drop, sizes.repeats)
    polars_report, duckdb_report = polars_run.json(), duckdb_run.json()
    polars_time = statistics.median(polars_report["seconds"])
    duckdb_time = statistics.median(duckdb_report["seconds"])
    ratio = polars_time / duckdb_time

    similar_data = bench.workdir / "progress.parquet"
    bench.log(f"analytics: {sizes.similar_pupils:,} pupils' progress ...")
    step("similar-data", similar_data, sizes.similar_pupils)
    similar: dict[str, tuple[Any, dict]] = {}
    for engine in ("streaming", "in-memory"):
        bench.log(f"analytics: percentiles of {sizes.similar_pupils:,} pupils ({engine}) ...")
        out = bench.workdir / f"percentiles-{engine}.parquet"
        run = step("similar", similar_data, out, engine)
        similar[engine] = (run, run.json())
        out.unlink(missing_ok=True)

    tables = "\n".join(f"| `{name}` | {rows:,} |" for name, rows in verified["rows"].items())
    similar_rows = "\n".join(
        f"| {engine} | {_fmt(report['benchmark_seconds'])} | **{_fmt(report['percentile_seconds'])}** | "
        f"{_fmt(run.seconds)} | **{run.peak_rss_mb:,.0f} MB** |"
        for engine, (run, report) in similar.items()
    )
    streaming = similar["streaming"][1]
    p_runs = ", ".join(_fmt(s) for s in polars_report["seconds"])
    d_runs = ", ".join(_fmt(s) for s in duckdb_report["seconds"])
    markdown = f"""**(a) The trust dashboard's data in one call.** Data: {source}:
{prepared["rows"]:,} observations (judgements), of which {prepared["drop_rows"]:,} in the latest drop
(drop {drop}, academic year {prepared["end_year"]}). `overview(obs, benchmark, drop_id={drop},
group_by=("school_id",))` computes every table of the trust page; DuckDB {verified["duckdb"]} runs
hand-written SQL for the same tables (`duckdb_sql()` in `bench/analytics.py`) from in-memory tables
into in-memory tables, with {DUCKDB_THREADS} threads. Both read the same Parquet file; neither
time includes reading it. **Checked first: every number of every table agrees** (counts exactly,
other figures to 1e-6):

| table | rows |
|---|---|
{tables}

| measure | Polars `overview()` | DuckDB SQL |
|---|---|---|
| median of {sizes.repeats} runs | **{_fmt(polars_time)}** | **{_fmt(duckdb_time)}** |
| all runs | {p_runs} | {d_runs} |
| first (cold) run | {_fmt(polars_report["cold_seconds"])} | {_fmt(duckdb_report["cold_seconds"])} |
| loading the Parquet file | {_fmt(polars_report["load_seconds"])} | {_fmt(duckdb_report["load_seconds"])} |
| peak memory of the process (RSS) | {polars_run.peak_rss_mb:,.0f} MB | {duckdb_run.peak_rss_mb:,.0f} MB |

- **Ratio Polars / DuckDB: {ratio:.2f}x** (goal: at most 1.5x, and under 2 s on 2 cores).
- The similar-learner pool (each pupil's latest one-year progress in each subject and each of the
  last three academic years, {prepared["pool_rows"]:,} rows, and its benchmark table of
  {prepared["cells"]:,} rows) took {_fmt(prepared["pool_seconds"])}; the dashboards cache it with the
  trust's frame, so it is not in the times above.

**(b) Similar-learner percentiles for {sizes.similar_pupils:,} pupils** with Polars' lazy engine:
one-year progress of invented pupils (`synthetic_progress_lazy`, one subject) read from Parquet,
the benchmark table made from all of them ({streaming["cells"]:,} rows), then every pupil's
percentile ({streaming["matched_on_need"]:,} matched on their need as well,
{streaming["no_cell"]:,} with no cell) written to Parquet. Each engine in a process of its own.

| engine | benchmark table | percentiles | whole process | peak memory (RSS) |
|---|---|---|---|---|
{similar_rows}
"""
    return Section(
        "Analytics: the trust dashboard's data and similar learners",
        markdown,
        {
            "analytics_overview_seconds": polars_time,
            "analytics_duckdb_seconds": duckdb_time,
            "analytics_ratio": ratio,
            "analytics_overview_peak_rss_mb": polars_run.peak_rss_mb,
            "similar_streaming_seconds": streaming["percentile_seconds"],
            "similar_streaming_peak_rss_mb": similar["streaming"][0].peak_rss_mb,
        },
    )


def run(quick: bool, observations: Path | None) -> list[tuple[str, str]]:
    """This benchmark on its own: [(title, markdown)]."""
    with bench_alone(quick, "analytics") as bench:
        result = section(bench, observations)
    for key, value in result.figures.items():
        log(f"  {key} = {value:.2f}")
    return [(result.title, result.markdown)]


# --- DuckDB: the same tables in SQL ---------------------------------------------------------------

# Characteristic columns carried by every progress row, as at the end drop.
CHARACTERISTICS = ("sex", "disadvantaged", "sen", "primary_need", "eal", "looked_after", "ethnic_group")


def _grouping_sets(keys: Sequence[str], dimensions: Sequence[str], source: str, value: str = "grp") -> str:
    """SELECT keys, dimension, the dimension's value as text (named ``value``) and ``{aggregates}``
    from ``source``, GROUP BY GROUPING SETS: one set per dimension."""
    name = " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in dimensions)
    text = " ".join(f"WHEN GROUPING({d}) = 0 THEN CAST({d} AS VARCHAR)" for d in dimensions)
    sets = ", ".join(f"({', '.join([*keys, d])})" for d in dimensions)
    return (
        f"SELECT {', '.join(keys)}, CASE {name} END AS dimension, CASE {text} END AS {value}, {{aggregates}} "
        f"FROM {source} GROUP BY GROUPING SETS ({sets})"
    )


def _t95_sql(df: str) -> str:
    """strides.analytics.intervals.t95 in SQL: the table for 1..30 degrees of freedom (rounded
    down), 1.96 beyond, null under 1."""
    from strides.analytics.intervals import DF_SLACK, T95

    whole = f"floor(({df}) + {DF_SLACK})"
    table = ", ".join(f"{T95[d]}::DOUBLE" for d in range(1, 31))
    return f"(CASE WHEN {whole} > 30 THEN {Z95} WHEN {whole} >= 1 THEN [{table}][{whole}::INTEGER] END)"


def _zero_spread_sql(variance: str, mean: str) -> str:
    from strides.analytics.intervals import ZERO_SPREAD

    return f"({variance} <= {ZERO_SPREAD} * (1 + {mean} * {mean}))"


def _wilson_sql(successes: str, n: str) -> tuple[str, str]:
    """strides.analytics.intervals.wilson in SQL: (low, high) of successes / n."""
    z2 = f"({Z95} * {Z95})"
    p = f"({successes} / {n})"
    denominator = f"(1 + {z2} / {n})"
    centre = f"(({p} + {z2} / (2 * {n})) / {denominator})"
    half = f"({Z95} * sqrt({p} * (1 - {p}) / {n} + {z2} / (4 * {n} * {n})) / {denominator})"
    return f"greatest({centre} - {half}, 0)", f"least({centre} + {half}, 1)"


def duckdb_sql(drop_id: int, dimensions: Sequence[str], *, min_cell: int = 30) -> list[str]:
    """The statements that make tables r_attainment, r_groups, r_gaps, r_value_added,
    r_percentiles and r_trend from tables obs and bench."""
    from strides.analytics.intervals import (
        FEWER_THAN_TWO,
        FEWER_THAN_TWO_ON_A_SIDE,
        NO_OTHERS,
        NO_SPREAD,
        NO_SPREAD_ON_A_SIDE,
    )

    keys = [*GROUP_BY, "subject"]
    k = ", ".join(keys)
    at = "count(*) FILTER (WHERE point >= expected)"
    attainment = (
        f"count(*) AS n, avg(point) AS mean_points, count(expected) AS n_with_expected, "
        f"{at} AS n_at_expected, "
        f"CASE WHEN count(expected) > 0 THEN 100::DOUBLE * {at} / count(expected) END AS pct_at_expected"
    )
    sums = "count(*) AS n, sum(x) AS s, sum(x * x) AS ss"
    chars = ", ".join(f"e.{c}" for c in CHARACTERISTICS)

    def gap_select(measure: str, rows: str, proportion: bool) -> str:
        """Each group against the rest of its school: as strides.analytics.groups._finish_gaps."""
        groups = _grouping_sets(keys, dimensions, rows).format(aggregates=sums)
        scale = "100::DOUBLE" if proportion else "1::DOUBLE"
        if proportion:
            # Newcombe's hybrid score interval from the two Wilson intervals
            low_1, high_1 = _wilson_sql("s1", "n1")
            low_2, high_2 = _wilson_sql("s2", "n2")
            low = f"greatest(p1 - p2 - sqrt(power(p1 - ({low_1}), 2) + power(({high_2}) - p2, 2)), -1)"
            high = f"least(p1 - p2 + sqrt(power(({high_1}) - p1, 2) + power(p2 - ({low_2}), 2)), 1)"
            flat = "false"
        else:
            # Welch's t interval; no interval where a side has no spread
            v1, v2 = "(var1 / n1)", "(var2 / n2)"
            df = f"power({v1} + {v2}, 2) / (power({v1}, 2) / (n1 - 1) + power({v2}, 2) / (n2 - 1))"
            half = f"{_t95_sql(df)} * sqrt({v1} + {v2})"
            low, high = f"(p1 - p2) - {half}", f"(p1 - p2) + {half}"
            if measure == "mean_percentile":
                low, high = f"greatest({low}, -100)", f"least({high}, 100)"
            flat = f"({_zero_spread_sql('var1', 'p1')} OR {_zero_spread_sql('var2', 'p2')})"
        variance = "CASE WHEN {n} >= 2 THEN greatest(({ss} - {s} * {s} / {n}) / ({n} - 1), 0::DOUBLE) END"
        few = "(n1 < 2 OR n2 < 2)"
        return f"""
            SELECT {k}, dimension, "group", '{measure}' AS measure,
                n1 AS n, {scale} * p1 AS value, n2 AS n_other, {scale} * p2 AS value_other,
                {scale} * p1 - {scale} * p2 AS gap,
                CASE WHEN NOT {few} AND NOT {flat} THEN {scale} * ({low}) END AS ci_low,
                CASE WHEN NOT {few} AND NOT {flat} THEN {scale} * ({high}) END AS ci_high,
                CASE WHEN n2 = 0 THEN '{NO_OTHERS}' WHEN {few} THEN '{FEWER_THAN_TWO_ON_A_SIDE}'
                    WHEN {flat} THEN '{NO_SPREAD_ON_A_SIDE}' END AS ci_reason
            FROM (
                SELECT *, CASE WHEN n1 > 0 THEN s1 / n1 END AS p1, CASE WHEN n2 > 0 THEN s2 / n2 END AS p2,
                    {variance.format(n="n1", s="s1", ss="ss1")} AS var1,
                    {variance.format(n="n2", s="s2", ss="ss2")} AS var2
                FROM (
                    SELECT {", ".join(f"g.{c}" for c in keys)}, g.dimension, g.grp AS "group",
                        g.n AS n1, g.s AS s1, g.ss AS ss1,
                        t.n - g.n AS n2, t.s - g.s AS s2, t.ss - g.ss AS ss2
                    FROM ({groups}) g
                    JOIN (SELECT {k}, {sums} FROM {rows} GROUP BY {k}) t USING ({k})))"""

    # value added: the t interval of the mean percentile, clipped to -50..+50
    va_flat = _zero_spread_sql("variance", "mean_percentile")
    va_half = f"{_t95_sql('n - 1')} * sqrt(variance / n)"
    hits = "(SELECT *, CAST(point >= expected AS DOUBLE) AS x FROM cur WHERE expected IS NOT NULL)"
    points = "(SELECT *, CAST(point AS DOUBLE) AS x FROM cur)"
    ranks = "(SELECT *, percentile AS x FROM r_percentiles WHERE percentile IS NOT NULL)"
    return [
        f"CREATE OR REPLACE TEMP TABLE cur AS SELECT * FROM obs WHERE drop_id = {drop_id}",
        f"CREATE OR REPLACE TEMP TABLE r_attainment AS SELECT {k}, {attainment} FROM cur GROUP BY {k}",
        "CREATE OR REPLACE TEMP TABLE r_groups AS "
        + _grouping_sets(keys, dimensions, "cur", "value").format(aggregates=attainment),
        # one-year progress: this drop against the same term a year before (the later drop if two)
        f"""CREATE OR REPLACE TEMP TABLE r_progress AS
            SELECT e.pupil_id, e.subject, s.drop_id AS start_drop_id, s.point AS start_point,
                s.nc_year AS start_nc_year,
                CASE WHEN s.nc_year <= 6 THEN 'primary' ELSE 'secondary' END AS phase,
                e.drop_id AS end_drop_id, e.point AS end_point, e.point - s.point AS gained,
                e.expected - s.expected AS expected_rise, {chars}, e.school_id, e.nc_year,
                s.drop_date AS start_drop_date, e.drop_date AS end_drop_date,
                e.academic_year AS end_academic_year, e.term AS end_term
            FROM cur e JOIN obs s ON s.pupil_id = e.pupil_id AND s.subject = e.subject
                AND s.academic_year = e.academic_year - 1 AND s.term = e.term
            QUALIFY row_number() OVER (
                PARTITION BY e.pupil_id, e.subject ORDER BY s.drop_date DESC, s.drop_id DESC) = 1""",
        # the pupil's cell: their need's when it has min_cell pupils, else any need's
        f"""CREATE OR REPLACE TEMP TABLE r_percentiles AS
            WITH sizes AS (
                SELECT subject, phase, start_point, primary_need, sum(pupils) AS size
                FROM bench GROUP BY ALL),
            cumulative AS (
                SELECT subject, phase, start_point, primary_need, gained, pupils,
                    sum(pupils) OVER (PARTITION BY subject, phase, start_point, primary_need
                        ORDER BY gained ROWS UNBOUNDED PRECEDING) AS at_or_below
                FROM bench),
            keyed AS (
                SELECT p.*,
                    CASE WHEN coalesce(need.size, 0) >= {min_cell} THEN p.primary_need
                        WHEN any_need.size IS NOT NULL THEN '*' END AS cell_need,
                    CASE WHEN coalesce(need.size, 0) >= {min_cell} THEN need.size
                        ELSE any_need.size END AS compared_with,
                    CASE WHEN coalesce(need.size, 0) >= {min_cell} THEN 'start point, phase and primary need'
                        WHEN any_need.size IS NOT NULL THEN 'start point and phase' END AS matched_on
                FROM r_progress p
                LEFT JOIN sizes need ON need.subject = p.subject AND need.phase = p.phase
                    AND need.start_point = p.start_point AND need.primary_need = p.primary_need
                LEFT JOIN sizes any_need ON any_need.subject = p.subject AND any_need.phase = p.phase
                    AND any_need.start_point = p.start_point AND any_need.primary_need = '*')
            SELECT k.* EXCLUDE (cell_need),
                CASE WHEN k.compared_with > 0 THEN 100::DOUBLE * (
                    coalesce(c.at_or_below, 0) - CASE WHEN c.gained = k.gained THEN c.pupils ELSE 0 END
                    + CASE WHEN c.gained = k.gained THEN c.pupils ELSE 0 END / 2::DOUBLE
                ) / k.compared_with END AS percentile
            FROM keyed k ASOF LEFT JOIN cumulative c
                ON c.subject = k.subject AND c.phase = k.phase AND c.start_point = k.start_point
                AND c.primary_need = k.cell_need AND k.gained >= c.gained""",
        f"""CREATE OR REPLACE TEMP TABLE r_value_added AS
            SELECT {k}, n, mean_percentile, mean_percentile - 50 AS value_added,
                CASE WHEN n >= 2 AND NOT {va_flat} THEN greatest(mean_percentile - 50 - {va_half}, -50) END
                    AS ci_low,
                CASE WHEN n >= 2 AND NOT {va_flat} THEN least(mean_percentile - 50 + {va_half}, 50) END
                    AS ci_high,
                CASE WHEN n < 2 THEN '{FEWER_THAN_TWO}' WHEN {va_flat} THEN '{NO_SPREAD}' END AS ci_reason
            FROM (SELECT {k}, count(*) AS n, avg(percentile) AS mean_percentile,
                    var_samp(percentile) AS variance
                FROM r_percentiles WHERE percentile IS NOT NULL GROUP BY {k})""",
        "CREATE OR REPLACE TEMP TABLE r_gaps AS "
        + " UNION ALL ".join(
            [
                gap_select("pct_at_expected", hits, True),
                gap_select("mean_points", points, False),
                gap_select("mean_percentile", ranks, False),
            ]
        ),
        f"""CREATE OR REPLACE TEMP TABLE r_trend AS
            SELECT {k}, academic_year, term, drop_id, drop_date, count(*) AS n, avg(point) AS mean_points,
                CASE WHEN count(expected) > 0 THEN 100::DOUBLE * {at} / count(expected) END AS pct_at_expected
            FROM obs
            WHERE drop_date < (SELECT max(drop_date) FROM cur)
                OR (drop_date = (SELECT max(drop_date) FROM cur) AND drop_id <= {drop_id})
            GROUP BY ALL""",
    ]


DUCKDB_RESULTS = {
    "attainment": "r_attainment",
    "groups": "r_groups",
    "gaps": "r_gaps",
    "value_added": "r_value_added",
    "percentiles": "r_percentiles",
    "trend": "r_trend",
}


def _duckdb(observations: str, benchmark: str) -> tuple[Any, float]:
    import duckdb

    connection = duckdb.connect(config={"threads": DUCKDB_THREADS})
    started = time.perf_counter()
    connection.execute("CREATE TABLE obs AS SELECT * FROM read_parquet(?)", [observations])
    connection.execute("CREATE TABLE bench AS SELECT * FROM read_parquet(?)", [benchmark])
    return connection, time.perf_counter() - started


def _dimensions(drop_columns: Sequence[str]) -> list[str]:
    from strides.analytics import GROUP_DIMENSIONS

    return [d for d in GROUP_DIMENSIONS if d not in GROUP_BY and d in drop_columns]


# --- steps run in their own process ----------------------------------------------------------------


def _latest_drop(obs: Any) -> tuple[int, int]:
    latest = obs.select("drop_date", "drop_id", "academic_year").sort(["drop_date", "drop_id"]).tail(1)
    if latest.height == 0:
        raise SystemExit("the observations frame has no rows")
    row = latest.row(0, named=True)
    return int(row["drop_id"]), int(row["academic_year"])


def _read(path: str) -> Any:
    import polars as pl

    from strides.analytics import validate_observations

    return validate_observations(pl.read_parquet(path))


def step_generate(out: str, pupils: int) -> dict[str, Any]:
    from strides.analytics.synthetic import synthetic_observations

    obs = synthetic_observations(pupils, seed=1)
    obs.write_parquet(out)
    return {"rows": obs.height, "pupils": obs["pupil_id"].n_unique(), "schools": obs["school_id"].n_unique()}


def step_prepare(observations: str, out: str) -> dict[str, Any]:
    """The latest drop, and the trust's rolling three-year pool as a benchmark table."""
    import polars as pl

    from strides.analytics import annual_progress, benchmark_table, rolling_pool

    obs = _read(observations)
    drop_id, end_year = _latest_drop(obs)
    started = time.perf_counter()
    pool = rolling_pool(annual_progress(obs), end_year=end_year, years=3)
    benchmark = benchmark_table(pool)
    seconds = time.perf_counter() - started
    benchmark.write_parquet(out)
    return {
        "drop_id": drop_id,
        "end_year": end_year,
        "rows": obs.height,
        "drop_rows": obs.filter(pl.col("drop_id") == drop_id).height,
        "pool_rows": pool.height,
        "cells": benchmark.height,
        "pool_seconds": seconds,
    }


def _overview(obs: Any, benchmark: Any, drop_id: int) -> dict[str, Any]:
    from strides.analytics import overview

    return overview(obs, benchmark, drop_id=drop_id, group_by=GROUP_BY, dimensions=_dimensions(obs.columns))


def _canonical(frame: Any) -> Any:
    sortable = [c for c, t in frame.schema.items() if not t.is_nested() and not t.is_float()]
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    return frame.sort([*sortable, *floats], nulls_last=True)


def step_verify(observations: str, benchmark_path: str, drop_id: int) -> dict[str, Any]:
    """Every table of overview() against DuckDB's: same rows, counts equal, figures to 1e-6."""
    import duckdb
    import polars as pl
    from polars.testing import assert_frame_equal

    obs, benchmark = _read(observations), pl.read_parquet(benchmark_path)
    tables = _overview(obs, benchmark, drop_id)
    connection, _ = _duckdb(observations, benchmark_path)
    for statement in duckdb_sql(drop_id, _dimensions(obs.columns)):
        connection.execute(statement)
    rows: dict[str, int] = {}
    for name, table in tables.items():
        result = connection.execute(f"SELECT * FROM {DUCKDB_RESULTS[name]}")
        names = [column[0] for column in result.description]
        if sorted(names) != sorted(table.columns):
            raise SystemExit(f"{name}: DuckDB gives columns {names}, Polars {table.columns}")
        theirs = pl.DataFrame(result.fetchall(), schema={c: table.schema[c] for c in names}, orient="row")
        try:
            assert_frame_equal(
                _canonical(table),
                _canonical(theirs.select(table.columns)),
                check_exact=False,
                rel_tol=1e-9,
                abs_tol=1e-6,
            )
        except AssertionError as error:
            raise SystemExit(f"{name}: Polars and DuckDB disagree:\n{error}") from None
        rows[name] = table.height
    return {"rows": rows, "duckdb": duckdb.__version__, "polars": pl.__version__}


def step_polars(observations: str, benchmark_path: str, drop_id: int, repeats: int) -> dict[str, Any]:
    import polars as pl

    started = time.perf_counter()
    obs, benchmark = _read(observations), pl.read_parquet(benchmark_path)
    load = time.perf_counter() - started
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        tables = _overview(obs, benchmark, drop_id)
        times.append(time.perf_counter() - started)
        del tables
    return {"load_seconds": load, "cold_seconds": times[0], "seconds": times[1:]}


def step_duckdb(observations: str, benchmark_path: str, drop_id: int, repeats: int) -> dict[str, Any]:
    import polars as pl

    connection, load = _duckdb(observations, benchmark_path)
    columns = pl.read_parquet_schema(observations)
    statements = duckdb_sql(drop_id, _dimensions(list(columns)))
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        for statement in statements:
            connection.execute(statement)
        times.append(time.perf_counter() - started)
    return {"load_seconds": load, "cold_seconds": times[0], "seconds": times[1:]}


def step_similar_data(out: str, pupils: int) -> dict[str, Any]:
    from strides.analytics.synthetic import synthetic_progress_lazy

    synthetic_progress_lazy(pupils, seed=1).sink_parquet(out)
    return {"rows": pupils, "bytes": Path(out).stat().st_size}


def step_similar(source: str, out: str, engine: str) -> dict[str, Any]:
    """The benchmark table of every pupil, then every pupil's percentile, lazily."""
    import polars as pl

    from strides.analytics import benchmark_table_lazy, percentiles_lazy
    from strides.analytics.similar import MATCHED_ON_NEED

    if engine not in ("streaming", "in-memory"):
        raise SystemExit(f"engine must be streaming or in-memory, not {engine!r}")
    started = time.perf_counter()
    benchmark = benchmark_table_lazy(pl.scan_parquet(source)).collect(engine=engine)
    built = time.perf_counter()
    result = percentiles_lazy(pl.scan_parquet(source), benchmark.lazy())
    if engine == "streaming":
        result.sink_parquet(out, engine="streaming")
    else:
        result.collect(engine="in-memory").write_parquet(out)
    done = time.perf_counter()
    counts = (
        pl.scan_parquet(out)
        .select(
            pl.len().alias("rows"),
            (pl.col("matched_on") == MATCHED_ON_NEED).sum().alias("need"),
            pl.col("percentile").is_null().sum().alias("no_cell"),
            pl.col("percentile").is_between(0, 100).all().alias("in_range"),
        )
        .collect()
        .row(0, named=True)
    )
    if not counts["in_range"]:
        raise SystemExit("a percentile outside [0, 100]")
    return {
        "benchmark_seconds": built - started,
        "percentile_seconds": done - built,
        "rows": counts["rows"],
        "cells": benchmark.height,
        "matched_on_need": counts["need"],
        "no_cell": counts["no_cell"],
    }


def step_export(out: str) -> dict[str, Any]:
    """The observations frame of the database's first trust (DATABASE_URL), for --observations."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()
    from strides.dashboards.frames import build_observations
    from strides.organisations.models import Trust

    trust = Trust.objects.order_by("pk").first()
    if trust is None:
        raise SystemExit("the database has no trust: run `strides demo-data --scale large` first")
    frame = build_observations(trust.pk)
    frame.write_parquet(out)
    return {"rows": frame.height, "trust": trust.name}


STEPS = {
    "generate": (step_generate, (str, int)),
    "prepare": (step_prepare, (str, str)),
    "verify": (step_verify, (str, str, int)),
    "polars": (step_polars, (str, str, int, int)),
    "duckdb": (step_duckdb, (str, str, int, int)),
    "similar-data": (step_similar_data, (str, int)),
    "similar": (step_similar, (str, str, str)),
    "export": (step_export, (str,)),
}


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["step"]:
        sys.path.insert(0, str(REPO))
        name, args = argv[1], argv[2:]
        function, types = STEPS[name]
        if len(args) != len(types):
            raise SystemExit(f"step {name} takes {len(types)} arguments, got {len(args)}")
        print(json.dumps(function(*(kind(arg) for kind, arg in zip(types, args, strict=True)))))
        return 0
    quick = "--quick" in argv
    observations = None
    if "--observations" in argv:
        index = argv.index("--observations")
        if index + 1 >= len(argv):
            raise SystemExit("--observations needs a Parquet file")
        observations = Path(argv[index + 1]).resolve()
        if not observations.is_file():
            raise SystemExit(f"no such file: {observations}")
    for title, markdown in run(quick, observations):
        print(f"## {title}\n\n{markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
