"""Benchmark: class-grid saves by simulated teachers against a real server on loopback, on
PostgreSQL (the production engine) and SQLite (the embedded default), with the health check
measured under the same load in the same run as the baseline (issue 10, "Fast where people wait").

    python -m bench.grid_load [--quick] [--engine sqlite|postgresql|both]   alone, as Markdown
    python -m bench.run --only grid                                         inside the report

On each engine, a generated trust (five schools; one class of 30 pupils and one teacher per
simulated user; an autumn drop of reading, writing and maths) is made through the real services
on a fresh database and served by gunicorn as docs/deployment.md runs it (bench/engines.py).
Each simulated teacher is a thread with its own keep-alive connection and signed-in session; a
save POSTs one cell as grid.js does (a typed code, the version the cell was loaded with) and is
checked to answer ``saved``; every save is checked afterwards to have written its revision.

In order, on one server per engine:

1. **alone**: one user, nobody else: the health check, the grid page, then one teacher's saves;
2. **batch**: a class's 84 cells one request each against one batch request (bench/grid_batch.py);
3. **typing pace** (open loop, bench/load.py): every teacher saves a cell about every 1.5 s
   (jittered), scheduled by the clock for a fixed time, then the health check at the same pace:
   latencies from the scheduled send (and from the actual send, for reference);
4. **grid page at the dashboards' pace** (open loop): 20 people each opening their grid page
   about every 3 s;
5. **saturation** (closed loop): every teacher back to back, the health check first, then the
   saves (the ceiling, saves/s), then the grid page;
6. **statements**: one process counts the SQL statements of one grid page, one new cell and one
   change, through Django's test client (bench/grid_steps.py).

The client threads share the machine with the server: on a small machine they take some of its
CPU, so the figures are an upper bound on what a school's teachers would see.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import sys
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from bench import grid_batch
from bench.engines import Engine, each_engine, engine_names, engines_for, serve, server_label
from bench.grid_steps import PUPILS_PER_CLASS, SCHOOLS, SUBJECTS
from bench.harness import Bench, BenchError, Database, Section, bench_alone, log
from bench.load import (
    Goal,
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


@dataclass(frozen=True)
class LoadSizes:
    users: int  # teachers saving at once
    save_interval: float  # seconds between one teacher's saves at typing pace
    pace_seconds: float  # how long each open-loop phase offers its load
    page_users: int  # people opening the grid page at the dashboards' pace
    page_interval: float
    alone_each: int  # requests of the lone user, per kind
    saturation_each: int  # back-to-back requests per teacher
    pages_each: int  # back-to-back grid pages per page user
    phase_seconds: float  # a closed-loop phase stops here (and says so)


FULL = LoadSizes(50, 1.5, 60, 20, 3.0, 100, 40, 5, 180)
QUICK = LoadSizes(10, 1.5, 5, 10, 3.0, 10, 5, 1, 60)

# issue 10's goals for the grid
SAVE_P95_GOAL_MS = {"PostgreSQL": 100.0, "SQLite": 150.0}
ALONE_SAVE_P50_MS = 20.0
PAGE_P95_MS = 200.0
PAGE_ALONE_P50_MS = 150.0
NONE_FAILED = Goal("none", lambda value: value == 0)


# --- the simulated teachers --------------------------------------------------------------------


@dataclass
class Teacher:
    session: str
    grid_path: str
    save_path: str
    cells: list[tuple[int, str, int | None]]  # pupil id, subject code, NC year
    csrf_cookie: str = ""
    csrf_token: str = ""
    versions: dict[tuple[int, str], int] = field(default_factory=dict)
    sent: int = 0  # saves sent so far, in every phase: the next cell and what is typed in it
    page: bytes = b""  # the last grid page this teacher was sent

    def cookies(self) -> str:
        jar = f"sessionid={self.session}"
        return f"{jar}; csrftoken={self.csrf_cookie}" if self.csrf_cookie else jar


def _typed_code(n: int, nc_year: int | None) -> str:
    """What a teacher types: mostly the pupil's own band, sometimes the long form, any case."""
    band = ("EXS", "WTS", "GDS")[n % 3]
    if nc_year is None or nc_year < 1:
        return "PK4" if n % 2 else "pk 3"
    return [band[0].lower(), band[0], f"y{nc_year} {band.lower()}", f"{nc_year}{band[:2]}"][n % 4]


def _health(connection: http.client.HTTPConnection, user: Any, n: int) -> str | None:
    status, body, _ = request(connection, "GET", "/health/", None, {})
    return None if status == 200 and b'"ok"' in body else f"health answered {status}"


_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


def _page(connection: http.client.HTTPConnection, teacher: Teacher, n: int) -> str | None:
    status, body, response = request(
        connection, "GET", teacher.grid_path, None, {"Cookie": teacher.cookies()}
    )
    if status != 200 or b"data-grid" not in body:
        return f"grid page answered {status}"
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("csrftoken="):
            teacher.csrf_cookie = header.split(";", 1)[0].split("=", 1)[1]
    match = _META.search(body)
    if match:
        teacher.csrf_token = match.group(1).decode()
    teacher.page = body
    return None


def _save(connection: http.client.HTTPConnection, teacher: Teacher, n: int) -> str | None:
    """The teacher's next cell, column by column; each pass over the grid moves every cell to
    another band, so every save really changes the judgement and writes a revision."""
    sent = teacher.sent
    teacher.sent += 1
    pupil, subject, nc_year = teacher.cells[sent % len(teacher.cells)]
    code = _typed_code(sent + sent // len(teacher.cells), nc_year)
    version = teacher.versions.get((pupil, subject), 0)
    body = urllib.parse.urlencode({"pupil": pupil, "subject": subject, "value": code, "version": version})
    headers = {
        "Cookie": teacher.cookies(),
        "X-CSRFToken": teacher.csrf_token,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    status, raw, _ = request(connection, "POST", teacher.save_path, body, headers)
    try:
        answer = json.loads(raw)
    except ValueError:
        return f"save answered {status} without JSON"
    if status != 200 or answer.get("status") != "saved":
        return f"save answered {status}: {answer.get('message', '')[:120]}"
    teacher.versions[(pupil, subject)] = answer["version"]
    return None


# --- the measurement ---------------------------------------------------------------------------


def _p50_p95(phase: Phase) -> str:
    return f"{ms(phase.percentile(50))} / **{ms(phase.percentile(95))}**"


def measure(
    bench: Bench, engine: Engine, sizes: LoadSizes
) -> tuple[list[Measure], dict[str, float], list[str]]:
    """One engine's rows, its figures by name and its notes."""
    tag = engine.name
    database = engine.fresh_database(bench, f"grid_load_{tag.lower()}")
    bench.log(
        f"grid [{tag}]: a trust with {sizes.users} classes of {PUPILS_PER_CLASS} and their teachers ..."
    )
    made = bench.measure([bench.python, "-m", "bench.grid_steps", "setup", str(sizes.users)], database).json()
    teachers = [
        Teacher(u["session"], u["grid"], u["save"], [tuple(cell) for cell in u["cells"]])
        for u in made["users"]
    ]
    readers = teachers[: sizes.page_users]
    limit = sizes.phase_seconds
    server_log = bench.workdir / f"gunicorn-grid-{tag.lower()}.log"
    with serve(bench, database, server_log) as port:
        # warm-up, not measured: every worker has imported everything and read what it keeps
        # (each page on a new connection, so any worker may take it), and every teacher holds the
        # CSRF token their grid page hands over
        warm = closed_loop(teachers, port, 3, limit, reconnecting(_page), "warm-up")
        if any(not t.csrf_token for t in teachers):
            raise LoadError(f"a grid page gave no CSRF token: {warm.failures[:3]}")
        bench.log(f"grid [{tag}]: one user alone: {sizes.alone_each} health checks, pages, saves ...")
        lone = teachers[:1]
        health_alone = closed_loop(lone, port, sizes.alone_each, limit, _health, "health alone")
        page_alone = closed_loop(lone, port, max(sizes.alone_each // 3, 5), limit, _page, "page alone")
        save_alone = closed_loop(lone, port, sizes.alone_each, limit, _save, "save alone")
        bench.log(f"grid [{tag}]: {grid_batch.CELLS} cells one by one, then in one batch ...")
        batch_rows, batch_figures = grid_batch.compare(port, teachers[1], teachers[2], _typed_code)
        every = sizes.save_interval
        bench.log(f"grid [{tag}]: typing pace, {sizes.users} teachers x a save every ~{every} s ...")
        pace = open_loop(teachers, port, every, sizes.pace_seconds, _save, name="typing pace", seed=1)
        pace_health = open_loop(teachers, port, every, sizes.pace_seconds, _health, name="health", seed=2)
        bench.log(f"grid [{tag}]: {sizes.page_users} people x a grid page every ~{sizes.page_interval} s ...")
        pages = open_loop(readers, port, sizes.page_interval, sizes.pace_seconds, _page, name="pages", seed=3)
        bench.log(f"grid [{tag}]: saturation, {sizes.users} users x {sizes.saturation_each} back to back ...")
        health = closed_loop(teachers, port, sizes.saturation_each, limit, _health, "health")
        saves = closed_loop(teachers, port, sizes.saturation_each, limit, _save, "saves")
        pages_closed = closed_loop(readers, port, sizes.pages_each, limit, _page, "pages")

    notes: list[str] = []
    failed = [f for p in (save_alone, pace, saves) for f in p.failures]
    others = [
        f for p in (health_alone, page_alone, pace_health, pages, health, pages_closed) for f in p.failures
    ]
    if failed or others:
        tail = server_log.read_text(errors="replace")[-1500:]
        notes.append(f"{tag}: {len(failed)} saves and {len(others)} other requests failed, e.g. "
                     f"{(failed + others)[:3]}; the server's log ends: `{tail[-300:]!r}`")  # fmt: skip
    answered = save_alone.count + pace.count + saves.count + 2 * grid_batch.CELLS
    revisions = engine.count(database, "SELECT COUNT(*) FROM assessment_judgementrevision")
    if revisions != answered:
        message = f"{answered} saves answered 'saved' but {revisions} revisions exist"
        if not failed:
            raise LoadError(f"{tag}: {message}")
        notes.append(f"{tag}: {message} (some saves failed)")
    bench.log(f"grid [{tag}]: counting the statements of one page, one new cell and one change ...")
    counted = _count_queries(bench, database, teachers[-1])

    throughput_ratio = saves.throughput / health.throughput if health.throughput else float("nan")
    p50_ratio = saves.percentile(50) / health.percentile(50)
    cut = " (stopped at the time limit)" if saves.timed_out or health.timed_out else ""
    largest = max((t.page for t in teachers), key=len)
    page_kb, gz_kb = len(largest) / 1024, _gzip_kb(largest)
    rows = [
        Measure("server", server_label(engine)),
        Measure(
            f"**typing pace** (open loop): {sizes.users} teachers, a save every ~{every:g} s each for "
            f"{sizes.pace_seconds:.0f} s: offered / done",
            f"{pace.offered_per_second:.1f} / {pace.throughput:.1f} saves/s ({pace.count:,} saved, "
            f"{pace.late} sent over 10 ms late, {pace.unsent} never sent)",
        ),
        Measure(
            "typing pace: save p50 / p95 / p99, from the scheduled send",
            p50_p95_p99(pace),
            pace.percentile(95) * 1000,
            below(SAVE_P95_GOAL_MS[tag], "ms", "p95 "),
        ),
        Measure("typing pace: save p50 / p95 / p99, from the actual send", _p50_p95_p99_service(pace)),
        Measure(
            "typing pace: saves failed or never sent",
            f"{len(pace.failures)} / {pace.unsent}",
            len(pace.failures) + pace.unsent,
            NONE_FAILED,
        ),
        Measure("typing pace: health check at the same pace, p50 / p95 / p99", p50_p95_p99(pace_health)),
        Measure(
            "typing pace: ratio save / health check, p50 / p95",
            f"{pace.percentile(50) / pace_health.percentile(50):.1f}× / "
            f"{pace.percentile(95) / pace_health.percentile(95):.1f}×",
        ),
        Measure(
            f"**saturation** (closed loop): {sizes.users} teachers back to back: the ceiling",
            f"**{saves.throughput:,.1f} saves/s** ({saves.count:,} in {saves.wall:.1f} s){cut}",
        ),
        Measure("saturation: health checks/s, same users", f"{health.throughput:,.1f} /s ({health.count:,})"),
        Measure(
            "saturation: saves/s ÷ health checks/s",
            f"{throughput_ratio:.2f}",
            throughput_ratio,
            Goal("≥ 0.33 (a third)", lambda value: value >= 1 / 3),
        ),
        Measure("saturation: save p50 / p95", _p50_p95(saves)),
        Measure("saturation: health check p50 / p95", _p50_p95(health)),
        Measure(
            "saturation: ratio save / health check p50",
            f"{p50_ratio:.1f}×",
            p50_ratio,
            Goal("≤ 3×", lambda v: v <= 3),
        ),
        Measure("saturation: saves failed", f"{len(saves.failures)}", len(saves.failures), NONE_FAILED),
        Measure(
            "one teacher alone: save p50 / p95",
            _p50_p95(save_alone),
            save_alone.percentile(50) * 1000,
            below(ALONE_SAVE_P50_MS, "ms", "p50 "),
        ),
        Measure("one user alone: health check p50 / p95", _p50_p95(health_alone)),
        Measure(
            f"**grid page** ({PUPILS_PER_CLASS} pupils x {len(SUBJECTS)} subjects), "
            f"{sizes.page_users} people every ~{sizes.page_interval:g} s (open loop): p50 / p95 / p99",
            p50_p95_p99(pages) + f" ({pages.count} pages, {pages.offered_per_second:.1f}/s offered"
            f"{f', {pages.unsent} never sent' if pages.unsent else ''})",
            pages.percentile(95) * 1000,
            below(PAGE_P95_MS, "ms", "p95 "),
        ),
        Measure(
            "grid page, one user alone: p50 / p95",
            _p50_p95(page_alone),
            page_alone.percentile(50) * 1000,
            below(PAGE_ALONE_P50_MS, "ms", "p50 "),
        ),
        Measure(
            f"grid page saturation: {sizes.page_users} people back to back",
            f"{pages_closed.throughput:,.1f} pages/s (p50 {ms(pages_closed.percentile(50))})",
        ),
        Measure("grid page size, uncompressed / gzip", f"{page_kb:,.0f} KB / {gz_kb:,.0f} KB"),
        Measure(
            "SQL statements: change a saved cell / save a new cell / grid page",
            f"**{counted['change']}** / {counted['new']} / {counted['page']}",
        ),
        *(Measure(label, figure) for label, figure in batch_rows),
    ]
    figures = {
        "grid_pace_save_p95_ms": pace.percentile(95) * 1000,
        "grid_pace_failures": float(len(pace.failures) + pace.unsent),
        "grid_saves_per_second": saves.throughput,
        "grid_save_health_throughput_ratio": throughput_ratio,
        "grid_save_health_ratio_p50": p50_ratio,
        "grid_save_alone_p50_ms": save_alone.percentile(50) * 1000,
        "grid_page_p95_ms": pages.percentile(95) * 1000,
        "grid_save_queries": counted["change"],
        "grid_page_queries": counted["page"],
        **batch_figures,
    }
    return rows, {f"{k}_{tag.lower()}": v for k, v in figures.items()}, notes


def _p50_p95_p99_service(phase: Phase) -> str:
    return " / ".join(ms(phase.service_percentile(p)) for p in (50, 95, 99))


def _gzip_kb(body: bytes) -> float:
    """The page as gzip at level 6 would carry it: what crosses a school's network when the
    proxy in front compresses (the bench asks gunicorn for no compression)."""
    return len(gzip.compress(body, 6)) / 1024


def _count_queries(bench: Bench, database: Database, teacher: Teacher) -> dict[str, int]:
    """Statements of one grid page, one new cell and one change of a cell the load saved."""
    saved = [cell for cell in teacher.cells if cell[:2] in teacher.versions]
    fresh = [cell for cell in teacher.cells if cell[:2] not in teacher.versions]
    if not saved or not fresh:
        raise LoadError("the load left no saved and no unsaved cell to count the statements of")
    (pupil, subject, nc_year), (new_pupil, new_subject, new_year) = saved[0], fresh[0]
    plan = {
        "session": teacher.session,
        "grid": teacher.grid_path,
        "save": teacher.save_path,
        "change": [pupil, subject, teacher.versions[(pupil, subject)], nc_year],
        "new": [new_pupil, new_subject, 0, new_year],
    }
    run = bench.measure(
        [bench.python, "-m", "bench.grid_steps", "queries", json.dumps(plan)], database, check=False
    )
    if run.returncode != 0:
        raise LoadError(f"counting the statements failed:\n{run.stderr[-3000:]}")
    return run.json()


def _sizes(bench: Bench) -> LoadSizes:
    return QUICK if bench.sizes.demo_scale != "large" else FULL


def tables(bench: Bench) -> tuple[str, dict[str, float], list[str]]:
    """Every engine of ``bench`` in turn: the goal table, the figures and the notes."""
    return each_engine(bench, lambda engine: measure(bench, engine, _sizes(bench)))


def section(bench: Bench) -> Section:
    """The benchmark inside ``bench/run.py``."""
    sizes = _sizes(bench)
    try:
        table, figures, notes = tables(bench)
    except LoadError as error:
        raise BenchError(str(error)) from error
    extra = "\n".join(f"- {note}" for note in notes)
    markdown = f"""Simulated teachers record their class grids against a real server on loopback: each a
thread with its own keep-alive connection and session, saving one cell at a time as grid.js does (a typed
code such as `e` or `y3 exs` and the version the cell was loaded with), each answer checked to be
`saved` and every save checked afterwards to have written its revision. A generated trust of
{SCHOOLS} schools, one class of {PUPILS_PER_CLASS} pupils per teacher, on a fresh database of each
engine. The **typing pace** is an open loop: each of {sizes.users} teachers saves about every
{sizes.save_interval:g} s (±50 %), sent by the clock whatever the answers do, and the latency counts
from when the save was due; the health check (the whole middleware stack and `SELECT 1`) is
measured at the same pace in the same run. **Saturation** is a closed loop (each teacher's next
save leaves when the last answer arrives): its saves per second are the ceiling, set beside the
health check's under the same users. Goals are issue 10's.

{table}

{extra}

The client threads run on the same machine as the server and take some of its CPU. On SQLite
every save waits its turn for the one writer; PostgreSQL commits each save durably (`fsync` on).
The batch rows compare, with nobody else saving, a class's {grid_batch.CELLS} cells saved one
request each with the same cells in one request to the batch endpoint (bench/grid_batch.py).
"""
    return Section(f"Class grid saves, {sizes.users} teachers", markdown, figures)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    choice = argv[argv.index("--engine") + 1] if "--engine" in argv else "both"
    with engines_for(engine_names(choice), log) as engines, bench_alone(quick, "grid") as bench:
        bench.engines = list(engines)
        table, _, notes = tables(bench)
    print(f"## Class grid saves ({'quick' if quick else 'full'})\n\n{table}\n")
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
