"""Strides benchmarks. ``make bench`` runs ``.venv/bin/python -m bench.run`` and writes
docs/performance.md: the machine, the date, and one section per benchmark.

    python -m bench.run                    every benchmark at full size, written to docs/performance.md
    python -m bench.run --quick            small sizes (a smoke test), printed instead of written
    python -m bench.run --only import      some sections only (names: see SECTIONS)
    python -m bench.run --output FILE      write the report somewhere else

Every measured step runs as a process of its own on a fresh temporary SQLite database
(``STRIDES_MODE=development``), so a figure includes Django's start-up like a real command does;
peak memory is that process's own maximum resident set size (``os.wait4``). Nothing here asserts
a time: the figures are recorded, not judged.

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
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import analytics, dashboard_load, drop_import, grid_load
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


def bench_grid(bench: Bench) -> Section:
    """Class-grid saves under concurrent simulated teachers: bench/grid_load.py."""
    try:
        return grid_load.section(bench)
    except grid_load.LoadError as error:
        raise BenchError(str(error)) from error


SECTIONS: dict[str, Callable[[Bench], Section]] = {
    "demo": bench_demo_data,
    "import": bench_import,
    "grid": bench_grid,
    "drops": drop_import.section,  # bench/drop_import.py (also runs alone)
    "analytics": analytics.section,  # bench/analytics.py
    "dashboards": dashboard_load.section,  # bench/dashboard_load.py
}


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


def machine() -> list[tuple[str, str]]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
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
) -> str:
    rows = "\n".join(f"| {name} | {value} |" for name, value in facts)
    body = "\n\n".join(f"## {s.title}\n\n{s.markdown.strip()}" for s in sections)
    quick = " (`--quick`: small sizes, a smoke test, not a measurement)" if sizes is QUICK else ""
    return f"""# Performance

Written by `make bench` (`python -m bench.run`){quick} on {started:%d %B %Y at %H:%M} UTC; the run took
{seconds / 60:.1f} minutes. Every figure comes from this one run on this machine: run `make bench`
again to measure yours. No test asserts a time; these figures are for reading, not for gating.

| machine | |
|---|---|
{rows}

Method: each measured step is a separate process (`python -m strides ...`) on a fresh temporary
SQLite database in WAL mode (`STRIDES_MODE=development`, migrations applied first), so the times
include Python and Django start-up as a real command's do. Peak memory is the maximum resident set
size of that process alone (`os.wait4`). Other work on the machine slows every figure: the load
average above says how busy it was (a load above the number of cores means processes waited).

{body}
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the benchmarks")
    parser.add_argument("--only", action="append", choices=list(SECTIONS), help="run only this section")
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

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    facts = machine()  # the commit measured is the one checked out now
    load_at_start = os.getloadavg()
    sections = []
    with tempfile.TemporaryDirectory(prefix="strides-bench-") as workdir:
        bench = Bench(Path(workdir), sizes, log)
        for name in args.only or list(SECTIONS):
            log(f"section {name}")
            try:
                section = SECTIONS[name](bench)
            except BenchError as error:
                log(f"section {name} failed: {error}")
                return 1
            for key, value in section.figures.items():
                log(f"  {key} = {value:.2f}")
            sections.append(section)
    load = f"{_load(load_at_start)}; {_load(os.getloadavg())}"
    facts.append(("load average (1/5/15 min), start; end", load))
    text = report(sections, sizes, started, time.perf_counter() - clock, facts)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        log(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
