"""Strides benchmarks. ``make bench`` runs ``.venv/bin/python -m bench.run`` and writes
docs/performance.md: the machine, the date, and one section per benchmark.

    python -m bench.run                    every benchmark at full size, written to docs/performance.md
    python -m bench.run --quick            small sizes (a smoke test), printed instead of written
    python -m bench.run --only import      some sections only (names: see SECTIONS)
    python -m bench.run --engine sqlite    the latency sections on one engine (default: both)
    python -m bench.run --allow-busy       run even when the machine is busy (and say so)
    python -m bench.run --output FILE      write the report somewhere else

Every measured step runs as a process of its own on a fresh temporary SQLite database
(``STRIDES_MODE=development``), so a figure includes Django's start-up like a real command does;
peak memory is that process's own maximum resident set size (``os.wait4``). The latency sections
(ENGINE_SECTIONS: grid and dashboards) run on PostgreSQL, in a throwaway cluster the run starts
and removes (bench/engines.py), and on SQLite, and set each figure beside issue 10's goal for it.
Nothing here asserts a time: the figures are recorded and set beside goals, not gated.

A full run refuses to start when the 1-minute load average is above the usable cores (other work
would be measured with it) unless ``--allow-busy`` or ``STRIDES_BENCH_ALLOW_BUSY=1`` is given; it
then warns, and the report says so at the top. ``--quick`` only warns: it is a smoke test.

A new benchmark is a function ``(Bench) -> Section`` added to ``SECTIONS``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import analytics, dashboard_load, drop_import, grid_load, small_steps
from bench.engines import ENGINE_NAMES, engine_names, engines_for
from bench.harness import (
    FULL,
    QUICK,
    REPO,
    Bench,
    BenchError,
    Run,
    Section,
    Sizes,
    all_runs,
    database_megabytes,
    fmt_seconds,
    table_counts,
)

DEFAULT_OUTPUT = REPO / "docs" / "performance.md"


def pbkdf2_seconds() -> float:
    """One password hash as Django 5.2 makes it: PBKDF2-SHA256 with 1,000,000 iterations."""
    started = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"strides-demo-2026", b"0123456789abcdef0123", 1_000_000)
    return time.perf_counter() - started


# --- sections -----------------------------------------------------------------------------------


def bench_demo_data(bench: Bench) -> Section:
    """``strides demo-data --scale large``: the whole demo trust through the real services."""
    scale = bench.sizes.demo_scale
    database = bench.fresh_database("demo")
    bench.log(f"demo-data --scale {scale} ...")
    run = bench.measure(bench.strides("demo-data", "--seed", "1", "--scale", scale), database)
    counts = table_counts(
        database,
        [
            "organisations_school",
            "pupils_pupil",
            "pupils_characteristicsperiod",
            "pupils_enrolment",
            "classes_teachinggroup",
            "classes_groupmembership",
            "accounts_user",
            "audit_auditentry",
        ],
    )
    pupils = counts["pupils_pupil"]
    size = database_megabytes(database)
    hash_seconds = pbkdf2_seconds()
    rows = "\n".join(f"| `{table}` | {count:,} |" for table, count in counts.items())
    markdown = f"""`strides demo-data --seed 1 --scale {scale}` on a freshly migrated database: every
school, pupil (with last year's and this year's characteristics), enrolment, class, staff account and
audit entry written through the same services as real data, in one transaction.

| measure | value |
|---|---|
| wall time | **{fmt_seconds(run.seconds)}** |
| peak memory (RSS) | **{run.peak_rss_mb:.0f} MB** |
| pupils | {pupils:,} |
| pupils per second | {pupils / run.seconds:,.0f} |
| database size afterwards | {size:.0f} MB |

The wall time includes hashing the 14 demo passwords with Django's default PBKDF2
({hash_seconds:.2f} s each on this machine, {14 * hash_seconds:.1f} s in all); the other invented
staff have no usable password.

| table | rows |
|---|---|
{rows}
"""
    return Section(
        f"Demo trust (`--scale {scale}`)",
        markdown,
        {"demo_seconds": run.seconds, "demo_peak_rss_mb": run.peak_rss_mb, "demo_pupils": pupils},
    )


def bench_import(bench: Bench) -> Section:
    """``strides import-pupils`` of a spreadsheet against a raw bulk insert of the same rows."""
    sizes = bench.sizes
    rows = sizes.import_rows
    template = bench.fresh_database("import-template")
    urn = bench.measure(bench.task("school"), template).json()["urn"]
    sheet = bench.workdir / f"pupils-{rows}.xlsx"
    made = bench.measure(bench.task("sheet", str(sheet), str(rows)), template).json()

    imports: list[Run] = []
    for attempt in range(sizes.import_repeats):
        bench.log(f"import-pupils {rows} rows ({attempt + 1}/{sizes.import_repeats}) ...")
        database = bench.copy_database(template, "import")
        run = bench.measure(bench.strides("import-pupils", str(sheet), "--school", urn, "--json"), database)
        report = run.json()
        if report.get("created") != rows or report.get("errors"):
            raise BenchError(f"the import did not create {rows} pupils: {json.dumps(report)[:2000]}")
        imports.append(run)
    floors: list[Run] = []
    floor_reports: list[dict] = []
    for attempt in range(sizes.floor_repeats):
        bench.log(f"raw bulk insert {rows} rows ({attempt + 1}/{sizes.floor_repeats}) ...")
        database = bench.copy_database(template, "floor")
        run = bench.measure(bench.task("raw-insert", str(sheet), urn), database)
        report = run.json()
        if report.get("created") != rows:
            raise BenchError(f"the raw insert did not create {rows} pupils: {report}")
        floors.append(run)
        floor_reports.append(report)
    # `strides version` sets Django up as every command does, then only prints the version
    startup = [bench.measure(bench.strides("version"), template) for _ in range(sizes.startup_repeats)]

    import_time = statistics.median(r.seconds for r in imports)
    floor_time = statistics.median(r.seconds for r in floors)
    startup_time = statistics.median(r.seconds for r in startup)
    floor_read = statistics.median(r["read_seconds"] for r in floor_reports)
    floor_insert = statistics.median(r["insert_seconds"] for r in floor_reports)
    ratio = import_time / floor_time
    net_ratio = (import_time - startup_time) / max(floor_time - startup_time, 1e-9)
    import_rss = max(r.peak_rss_mb for r in imports)
    floor_rss = max(r.peak_rss_mb for r in floors)
    markdown = f"""A spreadsheet of {rows:,} valid invented pupils ({made["bytes"] / 1024:.0f} KB XLSX, the
import template's 20 columns) imported into an empty school of a fresh database, compared with a raw
bulk insert of the same rows in the same run: `Pupil`, `CharacteristicsPeriod` and `Enrolment` by
`bulk_create` in one transaction, reading the sheet with the same reader but with no validation,
no matching by UPN, no dry-run plan and no audit. Medians of {sizes.import_repeats} imports and
{sizes.floor_repeats} raw inserts, each a process of its own on a fresh copy of the database.

| measure | `strides import-pupils --json` | raw bulk insert (floor) |
|---|---|---|
| wall time (median) | **{fmt_seconds(import_time)}** | **{fmt_seconds(floor_time)}** |
| pupils per second | {rows / import_time:,.0f} | {rows / floor_time:,.0f} |
| peak memory (RSS) | {import_rss:.0f} MB | {floor_rss:.0f} MB |
| all runs | {all_runs(imports)} | {all_runs(floors)} |

- **Ratio import / floor: {ratio:.1f}×** (whole processes), **{net_ratio:.1f}×** after taking
  away the start-up both pay ({fmt_seconds(startup_time)}: `strides version`, i.e. Python and
  `django.setup()`).
- Inside the floor process: reading the sheet and building the objects took
  {fmt_seconds(floor_read)}, the three `bulk_create`s {fmt_seconds(floor_insert)}.
"""
    return Section(
        f"Importing {rows:,} pupils from a spreadsheet",
        markdown,
        {"import_seconds": import_time, "floor_seconds": floor_time, "import_ratio": ratio},
    )


SECTIONS: dict[str, Callable[[Bench], Section]] = {
    "demo": bench_demo_data,
    "import": bench_import,
    "grid": grid_load.section,  # bench/grid_load.py (also runs alone)
    "drops": drop_import.section,  # bench/drop_import.py (also runs alone)
    "analytics": analytics.section,  # bench/analytics.py
    "dashboards": dashboard_load.section,  # bench/dashboard_load.py
    "small_steps": small_steps.section,  # bench/small_steps.py (also runs alone)
}
# the sections run on every engine asked for (--engine); the others on SQLite alone
ENGINE_SECTIONS = ("grid", "dashboards")
ALLOW_BUSY_ENV = "STRIDES_BENCH_ALLOW_BUSY"


# --- the report ---------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> str:
    try:
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if match:
            return f"{int(match.group(1)) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return "unknown"


def _django_version(python: str) -> str:
    result = subprocess.run(
        [python, "-c", "import django; print(django.get_version())"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


def _commit() -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def usable_cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than are online)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def busy_warning(load: float, cores: int) -> str:
    return (
        f"The machine was busy when this run started: the 1-minute load average was {load:.1f} on "
        f"{cores} usable cores, so other work competed with what was measured and every time below "
        "is pessimistic (latencies most). Run `make bench` on a quiet machine for figures to compare."
    )


def machine() -> list[tuple[str, str]]:
    usable = usable_cores()
    return [
        ("CPU", _cpu_model()),
        ("cores", f"{usable} usable ({os.cpu_count()} online)"),
        ("memory", _memory_gb()),
        ("operating system", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("Django", _django_version(sys.executable)),
        ("Strides commit", _commit()),
    ]


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def report(
    sections: list[Section],
    sizes: Sizes,
    started: dt.datetime,
    seconds: float,
    facts: list[tuple[str, str]],
    warnings: Sequence[str] = (),
) -> str:
    rows = "\n".join(f"| {name} | {value} |" for name, value in facts)
    body = "\n\n".join(f"## {s.title}\n\n{s.markdown.strip()}" for s in sections)
    quick = " (`--quick`: small sizes, a smoke test, not a measurement)" if sizes is QUICK else ""
    warned = "".join(f"**Warning: {w}**\n\n" for w in warnings)
    return f"""# Performance

{warned}Written by `make bench` (`python -m bench.run`){quick} on {started:%d %B %Y at %H:%M} UTC; the run
took {seconds / 60:.1f} minutes. Every figure comes from this one run on this machine: run `make bench`
again to measure yours. No test asserts a time; these figures are for reading, not for gating.

| machine | |
|---|---|
{rows}

Method: each measured step is a separate process (`python -m strides ...`), so the times include
Python and Django start-up as a real command's do; peak memory is the maximum resident set size of
that process alone (`os.wait4`). The demo, import, drop and analytics sections run on a fresh
temporary SQLite database in WAL mode (`STRIDES_MODE=development`, migrations applied first).

The latency sections (grid saves, dashboards) run on **both engines** in the same run:
**PostgreSQL**, the production engine, in a throwaway cluster the run starts (`initdb` in a
temporary folder, 127.0.0.1 on a free port, as `scripts/with-postgres.sh` makes the tests' but with
PostgreSQL's durable defaults: `fsync` and `synchronous_commit` on) and removes at the end, and
**SQLite**, the embedded default. Each is served by gunicorn as docs/deployment.md runs it
(3 workers x 2 threads, DEBUG off, persistent database connections), with simulated people as
client threads on the same machine. Two kinds of load: an **open loop** sends each request at a
time fixed by the clock (each person about every few seconds, jittered), whatever the answers do,
and counts latency from when the request was due, so a slow server cannot lower the load it is
offered; a **closed loop** sends the next request when the last answer arrives and finds the
ceiling (requests per second at saturation). Each goal of issue 10 stands beside its figure with
whether it was met, and the health check (the whole middleware stack and `SELECT 1`) is measured
under the same load in the same run as the baseline the ratios are taken to.

Load guard: a full run refuses to start when the 1-minute load average is above the usable cores
(other work would be measured too) unless told `--allow-busy`, and then says so at the top of this
page. The load average above, at the start and the end, says how busy the machine was.

Where the time goes, written by hand rather than by this run: a grid save's statements and its
milliseconds in [class-grid.md](class-grid.md#what-a-save-costs-and-where-its-time-goes), the
dashboard pages and the grid page in [page-speed.md](page-speed.md).

{body}
"""


def failed_section(name: str, error: BenchError) -> Section:
    tail = "\n".join(str(error).strip().splitlines()[-20:])
    return Section(f"{name}: failed", f"This section failed:\n\n```\n{tail}\n```\n", {"failed": 1.0})


def _stop_on_sigterm() -> None:
    """SIGTERM (a killed job, a closed CI run) unwinds like Ctrl-C, so the throwaway PostgreSQL
    cluster and the servers are stopped by their ``finally`` blocks rather than left running."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def load_guard(quick: bool, allow_busy: bool, log: Callable[[str], None]) -> tuple[bool, list[str]]:
    """(may the run go on, the warnings for the report's top). A full run on a machine whose
    1-minute load is above its usable cores is refused unless allowed; a quick one only warns."""
    load, cores = os.getloadavg()[0], usable_cores()
    if load <= cores:
        return True, []
    if not (allow_busy or quick):
        log(
            f"REFUSED: the 1-minute load average is {load:.1f}, above the {cores} usable cores: other "
            "work would be measured too. Wait for a quiet machine, or run with --allow-busy (or "
            f"{ALLOW_BUSY_ENV}=1) to measure anyway, with a warning at the top of the report."
        )
        return False, []
    banner = "!" * 78
    log(f"{banner}\nWARNING: busy machine: load {load:.1f} > {cores} cores: pessimistic figures\n{banner}")
    return True, [busy_warning(load, cores)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the benchmarks")
    parser.add_argument("--only", action="append", choices=list(SECTIONS), help="run only this section")
    parser.add_argument(
        "--engine",
        choices=[*ENGINE_NAMES, "both"],
        default="both",
        help=f"the engine(s) of the latency sections ({', '.join(ENGINE_SECTIONS)}); default both",
    )
    parser.add_argument(
        "--allow-busy",
        action="store_true",
        default=os.environ.get(ALLOW_BUSY_ENV, "") not in ("", "0"),
        help=f"run even when the load average is above the cores, with a warning (or {ALLOW_BUSY_ENV}=1)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"where to write the report (default {DEFAULT_OUTPUT.relative_to(REPO)}; with --quick, stdout)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)

    def log(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    go_on, warnings = load_guard(args.quick, args.allow_busy, log)
    if not go_on:
        return 2
    _stop_on_sigterm()
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    facts = machine()  # the commit measured is the one checked out now
    load_at_start = os.getloadavg()
    names = args.only or list(SECTIONS)
    wanted = engine_names(args.engine) if any(n in ENGINE_SECTIONS for n in names) else []
    sections: list[Section] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="strides-bench-") as workdir,
            engines_for(wanted, log) as engines,
        ):
            facts += [(f"latency sections on {e.name}", e.describe()) for e in engines]
            bench = Bench(Path(workdir), sizes, log, engines)
            for name in names:
                log(f"section {name}")
                try:
                    sections.append(SECTIONS[name](bench))
                except BenchError as error:
                    # the rest still runs and is written: a long run loses one section, not all
                    log(f"section {name} failed: {error}")
                    sections.append(failed_section(name, error))
                for key, value in sections[-1].figures.items():
                    log(f"  {key} = {value:.2f}")
    except BenchError as error:  # no PostgreSQL server, or its cluster would not start
        log(f"cannot run: {error}")
        return 1
    load_at_end = os.getloadavg()
    load = f"{_load(load_at_start)}; {_load(load_at_end)}"
    facts.append(("load average (1/5/15 min), start; end", load))
    if load_at_end[0] > usable_cores() and not warnings:
        warnings.append(
            f"the machine became busy during the run (1-minute load {load_at_end[0]:.1f} at the end)."
        )
    text = report(sections, sizes, started, time.perf_counter() - clock, facts, warnings)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        log(f"wrote {output}")
    failed = [key for section in sections for key in section.figures if key.startswith("failed")]
    if failed:
        log(f"FAILED: {', '.join(failed)} (see the report)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
