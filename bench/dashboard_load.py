"""Benchmark: the dashboards under 20 people against a real server on loopback, on PostgreSQL
(the production engine) and SQLite (the embedded default), with the health check under the same
load in the same run, and the cost of the observations frame behind every dashboard (issue 10).

    python -m bench.dashboard_load [--quick] [--engine E] [--observations-out FILE]   alone
    python -m bench.run --only dashboards                                             in the report

On each engine, the demo trust (``strides demo-data --seed 1 --scale large``: about 40,000 pupils
with three years of termly drops; ``--scale small`` with ``--quick``) on a fresh database:

1. **The frame** (one process, bench/dashboard_steps.py): ``strides.dashboards.frames.observations``
   for the whole trust on an empty cache, then warm (only the data version is read), then as
   another worker process finds it (memory empty, the shared Parquet file there).
   ``--observations-out FILE`` also writes it as Parquet for ``bench/analytics.py --observations``.
2. **The pages**, served by gunicorn as docs/deployment.md runs it (bench/engines.py), each
   simulated person a thread with its own keep-alive connection and signed-in session:

   - **cold start**: every person opens the trust page at once on empty caches (one worker builds
     the frame while the others wait for it); each gets the progress shell at once (202) and then
     the figures from ``?wait=1``, as htmx fetches them, and the time is until the figures came;
   - **alone**: one person, nobody else: the health check, the trust page, the school page;
   - **at the pace of 20 people** (open loop, bench/load.py): each opens a page about every 3 s
     (jittered), by the clock, warm: the health check, then the trust page (the trust analyst and
     the director in turn: the director's tables are suppressed), then the school page (each
     person the head of a different school); latency from the scheduled send;
   - **saturation** (closed loop, back to back): the same three and the two API reads, whose
     requests per second are the ceiling.

   Each page's size is recorded as sent (uncompressed) and as gzip would make it.
3. **Statements**: one process counts the SQL statements of one warm request of each kind.
"""

from __future__ import annotations

import gzip
import http.client
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.engines import Engine, each_engine, engine_names, engines_for, serve, server_label
from bench.harness import Bench, BenchError, Section, bench_alone, log
from bench.load import (
    LoadError,
    Measure,
    Phase,
    below,
    closed_loop,
    ms,
    open_loop,
    p50_p95_p99,
    reconnecting,
    request,
)

STEPS = ["-m", "bench.dashboard_steps"]


@dataclass(frozen=True)
class DashboardSizes:
    scale: str
    users: int
    interval: float  # seconds between one person's pages at the open loop's pace
    pace_seconds: float  # how long each open-loop phase offers its load
    alone_each: int
    closed_each: int  # back-to-back requests per person at saturation
    warm_repeats: int  # of the frame's timings
    warm_rounds: int  # each person's pages before the measured ones, each on a new connection
    phase_seconds: float


FULL = DashboardSizes("large", 20, 3.0, 60, 30, 5, 5, 10, 300)
QUICK = DashboardSizes("small", 20, 3.0, 4, 3, 1, 2, 3, 120)

PAGE_P95_MS = 300.0  # issue 10: trust and school pages at 20 people's pace
ALONE_P50_MS = 150.0
TRUST_PAGE_KB = 300.0
KINDS = {
    "trust": ("trust page `/dashboards/trust/`", b"<h1"),
    "school": ("school page `/dashboards/schools/<urn>/`", b"<h1"),
    "api_attainment": ("API attainment by school, subject and disadvantaged", b'"results"'),
    "api_attention": ("API pupils needing attention at a school", b'"results"'),
}


@dataclass
class User:
    """One simulated person: the URL they open for each kind and the session they open it with."""

    paths: dict[str, str]
    sessions: dict[str, str]

    def cookies(self, kind: str) -> str:
        return f"sessionid={self.sessions[kind]}"


def _getter(
    kind: str, marker: bytes, largest: dict[str, bytes], *, follow_progress: bool = False
) -> Callable[[Any, User, int], str | None]:
    """A step that opens ``kind`` and keeps the largest answer of its kind (the payload row).

    A page whose figures are not in memory yet answers at once with a progress shell (202) that
    fetches the figures from ``?wait=1``, as htmx does in the browser. ``follow_progress`` (a cold
    start, the warm-ups) follows it, so the time is the person's wait until the figures show;
    otherwise a 202 counts as a failure: a warm page must answer with its figures."""

    def get(connection: http.client.HTTPConnection, user: User, n: int) -> str | None:
        path, headers = user.paths[kind], {"Cookie": user.cookies(kind)}
        status, body, _ = request(connection, "GET", path, None, headers)
        if status == 202 and follow_progress:
            path += ("&" if "?" in path else "?") + "wait=1"
            status, body, _ = request(connection, "GET", path, None, headers)
        if status != 200 or marker not in body:
            return f"{kind} answered {status}: {body[:160]!r}"
        if len(body) > len(largest.get(kind, b"")):
            largest[kind] = body
        return None

    return get


def _health(connection: http.client.HTTPConnection, user: User, n: int) -> str | None:
    status, body, _ = request(connection, "GET", "/health/", None, {})
    return None if status == 200 and b'"ok"' in body else f"health answered {status}"


def _p50_p95(phase: Phase) -> str:
    return f"{ms(phase.percentile(50))} / **{ms(phase.percentile(95))}**"


def measure(
    bench: Bench, engine: Engine, sizes: DashboardSizes, observations_out: Path | None = None
) -> tuple[list[Measure], dict[str, float], list[str]]:
    """One engine's rows, its figures by name and its notes."""
    tag = engine.name
    database = engine.fresh_database(bench, f"dashboards_{tag.lower()}")
    bench.log(f"dashboards [{tag}]: demo-data --scale {sizes.scale} ...")
    bench.measure(bench.strides("demo-data", "--seed", "1", "--scale", sizes.scale), database)
    bench.log(f"dashboards [{tag}]: the observations frame (cold, warm, from the shared file) ...")
    out = str(observations_out or "-")
    frame_run = bench.measure([bench.python, *STEPS, "frame", out, str(sizes.warm_repeats)], database)
    frame = frame_run.json()
    made = bench.measure([bench.python, *STEPS, "setup", str(sizes.users)], database).json()
    users = [User(u["paths"], u["sessions"]) for u in made["users"]]
    notes = [f"{tag}: `{path}` is not served yet (404): left out." for path in made["missing"]]
    kinds = [k for k in KINDS if k in users[0].paths]
    largest: dict[str, bytes] = {}
    steps = {k: _getter(k, KINDS[k][1], largest) for k in kinds}
    limit, pace, every = sizes.phase_seconds, sizes.pace_seconds, sizes.interval

    shutil.rmtree(bench.workdir / "var" / "analytics-cache", ignore_errors=True)  # a cold start
    server_log = bench.workdir / f"gunicorn-dashboards-{tag.lower()}.log"
    phases: dict[str, Phase] = {}
    with serve(bench, database, server_log) as port:
        first = "trust" if "trust" in kinds else "api_attainment"
        bench.log(f"dashboards [{tag}]: {sizes.users} people at once on empty caches ({first}) ...")
        cold = _getter(first, b"", {}, follow_progress=True)
        phases["cold"] = closed_loop(users, port, 1, limit, cold, "cold")
        for kind in kinds:  # warm, not measured: every worker has the frame and its pages' data
            warming = _getter(kind, KINDS[kind][1], {}, follow_progress=True)
            closed_loop(users, port, sizes.warm_rounds, limit, reconnecting(warming), f"{kind} warm-up")
        bench.log(f"dashboards [{tag}]: one person alone ...")
        phases["health alone"] = closed_loop(users[:1], port, sizes.alone_each, limit, _health)
        for kind in ("trust", "school"):
            if kind in kinds:
                phases[f"{kind} alone"] = closed_loop(users[:1], port, sizes.alone_each, limit, steps[kind])
        bench.log(
            f"dashboards [{tag}]: {sizes.users} people x a page every ~{every:g} s, {pace:.0f} s each ..."
        )
        phases["health pace"] = open_loop(users, port, every, pace, _health, seed=11)
        for n, kind in enumerate(("trust", "school")):
            if kind in kinds:
                phases[f"{kind} pace"] = open_loop(users, port, every, pace, steps[kind], seed=12 + n)
        bench.log(f"dashboards [{tag}]: saturation, {sizes.users} people back to back ...")
        phases["health"] = closed_loop(users, port, sizes.closed_each * 4, limit, _health)
        for kind in kinds:
            phases[kind] = closed_loop(users, port, sizes.closed_each, limit, steps[kind])
    failed = [f for phase in phases.values() for f in phase.failures]
    if failed:
        tail = server_log.read_text(errors="replace")[-300:]
        notes.append(
            f"{tag}: {len(failed)} requests failed, e.g. {failed[:3]}; the server's log ends `{tail!r}`"
        )
    bench.log(f"dashboards [{tag}]: counting the statements of one request of each kind ...")
    counted = bench.measure([bench.python, *STEPS, "queries", json.dumps(made)], database).json()
    rows = _rows(engine, sizes, made, frame, frame_run.peak_rss_mb, phases, largest, counted)
    figures = {
        "dashboard_frame_cold_s": frame["cold_seconds"],
        "dashboard_frame_warm_ms": frame["warm_seconds"] * 1000,
        "dashboard_cold_start_p95_ms": phases["cold"].percentile(95) * 1000,
        "dashboard_failures": float(len(failed)),
    }
    for kind in ("trust", "school"):
        if f"{kind} pace" in phases:
            figures[f"dashboard_{kind}_pace_p95_ms"] = phases[f"{kind} pace"].percentile(95) * 1000
            figures[f"dashboard_{kind}_per_second"] = phases[kind].throughput
    return rows, {f"{k}_{tag.lower()}": v for k, v in figures.items()}, notes


def _rows(
    engine: Engine,
    sizes: DashboardSizes,
    made: dict[str, Any],
    frame: dict[str, Any],
    frame_rss: float,
    phases: dict[str, Phase],
    largest: dict[str, bytes],
    counted: dict[str, int],
) -> list[Measure]:
    every = f"{sizes.users} people, a page every ~{sizes.interval:g} s each (open loop)"
    rows = [
        Measure("server", server_label(engine)),
        Measure(
            "demo trust", f"`--scale {sizes.scale}`: {made['pupils']:,} pupils, {made['schools']} schools"
        ),
        Measure("observations frame", f"{frame['rows']:,} judgements x {frame['columns']} columns"),
        Measure(
            "frame: cold build / warm / from the shared file",
            f"{frame['cold_seconds']:.2f} s (peak {frame_rss:.0f} MB) / {ms(frame['warm_seconds'])} / "
            f"{ms(frame['shared_seconds'])}",
        ),
        Measure(
            f"cold start: {sizes.users} people at once on empty caches, p50 / p95", _p50_p95(phases["cold"])
        ),
        Measure(f"health check, {every}: p50 / p95 / p99", p50_p95_p99(phases["health pace"])),
    ]
    for kind in ("trust", "school"):
        if f"{kind} pace" not in phases:
            continue
        label, pace, alone, closed = (
            KINDS[kind][0],
            phases[f"{kind} pace"],
            phases[f"{kind} alone"],
            phases[kind],
        )
        health = phases["health pace"]
        body = largest.get(kind, b"")
        size_kb = len(body) / 1024
        sent_kb = len(gzip.compress(body, 6)) / 1024  # what GZipMiddleware sends, near enough
        rows += [
            Measure(
                f"**{label}**, {every}: p50 / p95 / p99",
                f"{p50_p95_p99(pace)} ({pace.count} pages, {pace.offered_per_second:.1f}/s offered"
                f"{f', {pace.unsent} never sent' if pace.unsent else ''})",
                pace.percentile(95) * 1000,
                below(PAGE_P95_MS, "ms", "p95 "),
            ),
            Measure(
                f"{label}: ratio to the health check at the same pace, p50 / p95",
                f"{pace.percentile(50) / health.percentile(50):.0f}× / "
                f"{pace.percentile(95) / health.percentile(95):.0f}×",
            ),
            Measure(
                f"{label}, one person alone: p50 / p95",
                _p50_p95(alone),
                alone.percentile(50) * 1000,
                below(ALONE_P50_MS, "ms", "p50 "),
            ),
            Measure(
                f"{label}, saturation ({sizes.users} people back to back)",
                f"**{closed.throughput:,.1f} pages/s** (p50 {ms(closed.percentile(50))}; "
                f"health check {phases['health'].throughput:,.0f}/s)",
            ),
            Measure(
                f"{label}: size as a browser receives it (gzip, GZipMiddleware) / uncompressed",
                f"**{sent_kb:,.0f} KB** / {size_kb:,.0f} KB",
                sent_kb if kind == "trust" else None,
                below(TRUST_PAGE_KB, "KB") if kind == "trust" else None,
            ),
        ]
    for kind in ("api_attainment", "api_attention"):
        if kind in phases:
            phase = phases[kind]
            rows.append(Measure(f"{KINDS[kind][0]}, saturation: p50 / p95, requests/s",
                                f"{_p50_p95(phase)}, {phase.throughput:.1f}/s"))  # fmt: skip
    statements = ", ".join(f"{KINDS[k][0].split(' `')[0]} {v}" for k, v in counted.items() if k in KINDS)
    rows.append(Measure("SQL statements of one warm request", statements))
    return rows


def _sizes(bench: Bench) -> DashboardSizes:
    return QUICK if bench.sizes.demo_scale != "large" else FULL


def tables(bench: Bench, observations_out: Path | None = None) -> tuple[str, dict[str, float], list[str]]:
    """Every engine of ``bench`` in turn: the goal table, the figures and the notes."""
    return each_engine(bench, lambda engine: measure(bench, engine, _sizes(bench), observations_out))


def section(bench: Bench) -> Section:
    """The benchmark inside ``bench/run.py``."""
    sizes = _sizes(bench)
    try:
        table, figures, notes = tables(bench)
    except LoadError as error:
        raise BenchError(str(error)) from error
    extra = "\n".join(f"- {note}" for note in notes)
    markdown = f"""The dashboards of the demo trust (`strides demo-data --seed 1 --scale {sizes.scale}`) on a
fresh database of each engine, against a real server on loopback; each simulated person a thread
with its own keep-alive connection and session, every answer checked. **At the pace of
{sizes.users} people** is an open loop: each opens a page about every {sizes.interval:g} s (±50 %),
sent by the clock whatever the answers do, for {sizes.pace_seconds:.0f} s per page, warm; the
latency counts from when the page was due, and the health check is measured at the same pace in
the same run. **Saturation** is a closed loop (the next request leaves when the answer arrives):
its pages per second are the ceiling. The trust page is opened by the trust analyst and the
director in turn (the director's tables are suppressed), the school page by the heads of
{sizes.users} schools. The cold start has every person open the trust page at once on a server
with no frame anywhere: one build, the others wait for it; each sees a progress bar at once (a
202 shell) and the time counted is until the figures arrived (the shell's `?wait=1` fetch). Goals
are issue 10's.

{table}

{extra}

The client threads run on the same machine as the server and take some of its CPU, so the figures
are an upper bound on what people would see.
"""
    return Section(f"Dashboards, {sizes.users} people", markdown, figures)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    choice = argv[argv.index("--engine") + 1] if "--engine" in argv else "both"
    out = None
    if "--observations-out" in argv:
        out = Path(argv[argv.index("--observations-out") + 1]).resolve()
    with engines_for(engine_names(choice), log) as engines, bench_alone(quick, "dashboards") as bench:
        bench.engines = list(engines)
        table, _, notes = tables(bench, out)
    print(f"## Dashboards ({'quick' if quick else 'full'})\n\n{table}\n")
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
