"""Benchmark: dashboard latency with 20 concurrent users against a real server on loopback, and
the cost of building the observations frame behind every dashboard.

    python -m bench.dashboard_load [--quick] [--observations-out FILE]   alone, printed as Markdown
    python -m bench.run --only dashboards                                 inside the report

The demo trust (``strides demo-data --seed 1 --scale large``: about 40,000 pupils with three
years of termly drops; ``--scale small`` with ``--quick``) on a fresh SQLite database.

1. **The frame** (one process): ``strides.dashboards.frames.observations`` for the whole trust
   on an empty cache (eight set-based queries and the joins in Polars), then again warm (only the
   data version is read), then as another worker process finds it: memory empty, the shared
   Parquet file there. ``--observations-out FILE`` also writes the frame as Parquet, the input
   ``bench/analytics.py --observations FILE`` takes.
2. **The pages**, served by gunicorn as docs/deployment.md runs it (3 workers x 2 threads, DEBUG
   off), each simulated user a thread with its own keep-alive connection and signed-in session,
   all starting each phase together:

   - **health**: GET /health/, the baseline;
   - **cold start**: every user opens the trust dashboard at once on a server whose caches are
     empty (no frame in memory, no shared file): one worker builds the frame while the others
     wait for it (the single-flight lock), then read it;
   - **trust dashboard** ``/dashboards/trust/`` (the trust analyst and the director, alternately:
     the director's tables are suppressed) and **school dashboard** ``/dashboards/schools/<urn>/``
     (each user the head of a different school), warm;
   - **API**: ``/api/v1/analytics/attainment/?group=disadvantaged`` (as the analyst or the
     director) and ``/api/v1/analytics/attention/?school=<urn>`` (as the heads).

   A page not built yet (404 from the URL resolver) is left out and said so.
3. **Statements**: one process counts the SQL statements of one warm trust page, school page and
   API answer through Django's test client.

Steps (each run in its own process by the benchmark):

    python -m bench.dashboard_load step frame OUT.parquet|-      time the frame; prints JSON
    python -m bench.dashboard_load step setup USERS               sessions and URLs as JSON
    python -m bench.dashboard_load step queries JSON              statement counts as JSON
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.grid_load import LoadError, Phase, _request, _run_phase, _start_server, _stop_server
from bench.harness import Bench, BenchError, Section, bench_alone

REPO = Path(__file__).resolve().parent.parent
USERS = 20
WORKERS, THREADS = 3, 2  # docs/deployment.md, as bench/grid_load.py


@dataclass(frozen=True)
class DashboardSizes:
    scale: str
    users: int
    health_each: int
    pages_each: int
    warm_repeats: int
    phase_seconds: float


FULL = DashboardSizes(
    scale="large", users=USERS, health_each=20, pages_each=5, warm_repeats=5, phase_seconds=300
)
QUICK = DashboardSizes(
    scale="small", users=USERS, health_each=3, pages_each=1, warm_repeats=2, phase_seconds=120
)


@dataclass
class User:
    """One simulated user: the URL they open in each phase and the session they open it with."""

    paths: dict[str, str]
    sessions: dict[str, str]

    def cookies(self, kind: str) -> str:
        return f"sessionid={self.sessions[kind]}"


def _getter(kind: str, marker: bytes) -> Callable[[Any, User, int], str | None]:
    def get(connection: Any, user: User, n: int) -> str | None:
        status, body, _ = _request(connection, "GET", user.paths[kind], None, {"Cookie": user.cookies(kind)})
        if status != 200 or marker not in body:
            return f"{kind} answered {status}: {body[:160]!r}"
        return None

    return get


def _health(connection: Any, user: User, n: int) -> str | None:
    status, body, _ = _request(connection, "GET", "/health/", None, {})
    return None if status == 200 and b'"ok"' in body else f"health answered {status}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def _p(phase: Phase) -> str:
    return f"**{_ms(phase.percentile(50))}** / **{_ms(phase.percentile(95))}**"


def measure(
    bench: Any, sizes: DashboardSizes, observations_out: Path | None = None
) -> tuple[list[tuple[str, str]], dict[str, float], list[str]]:
    """Rows of (label, figure), figures by name and notes. ``bench`` is bench/run.py's Bench."""
    script = ["-m", "bench.dashboard_load"]
    database = bench.fresh_database("dashboards")
    bench.log(f"dashboards: demo-data --scale {sizes.scale} ...")
    bench.measure(bench.strides("demo-data", "--seed", "1", "--scale", sizes.scale), database)

    bench.log("dashboards: building the observations frame (cold, warm, from the shared file) ...")
    frame_run = bench.measure(
        [bench.python, *script, "step", "frame", str(observations_out or "-"), str(sizes.warm_repeats)],
        database,
    )
    frame = frame_run.json()

    made = bench.measure([bench.python, *script, "step", "setup", str(sizes.users)], database).json()
    users = [User(u["paths"], u["sessions"]) for u in made["users"]]
    missing = made["missing"]
    notes = [f"`{path}` is not served yet (404): left out." for path in missing]

    env = {**bench.env(database), "STRIDES_DEBUG": "0"}
    shutil.rmtree(bench.workdir / "var" / "analytics-cache", ignore_errors=True)  # a cold start
    server, port = _start_server(bench.python, env, bench.workdir / "gunicorn-dashboards.log")
    limit = sizes.phase_seconds
    phases: dict[str, Phase] = {}
    try:
        bench.log(f"dashboards: {sizes.users} users x {sizes.health_each} health checks ...")
        phases["health"] = _run_phase("health", users, port, sizes.health_each, limit, _health)
        first = "trust" if "trust" in users[0].paths else "api_attainment"
        bench.log(f"dashboards: {sizes.users} users at once on empty caches ({first}) ...")
        phases["cold"] = _run_phase("cold", users, port, 1, limit, _getter(first, b""))
        for kind, marker in (
            ("trust", b"<h1"),
            ("school", b"<h1"),
            ("api_attainment", b'"results"'),
            ("api_attention", b'"results"'),
        ):
            if kind not in users[0].paths:
                continue
            bench.log(f"dashboards: {sizes.users} users x {sizes.pages_each} {kind} ...")
            _run_phase(f"{kind} warm-up", users, port, 1, limit, _getter(kind, marker))
            phases[kind] = _run_phase(kind, users, port, sizes.pages_each, limit, _getter(kind, marker))
    finally:
        _stop_server(server)
    failed = [f for phase in phases.values() for f in phase.failures]
    if failed:
        log = (bench.workdir / "gunicorn-dashboards.log").read_text(errors="replace")[-4000:]
        raise LoadError(f"{len(failed)} requests failed, e.g. {failed[:3]}; the server's log ends:\n{log}")

    bench.log("dashboards: counting the statements of one page of each kind ...")
    counted = bench.measure([bench.python, *script, "step", "queries", json.dumps(made)], database).json()

    health = phases["health"]
    rows = [
        ("demo trust", f"`--scale {sizes.scale}`: {made['pupils']:,} pupils, {made['schools']} schools"),
        (
            "observations frame",
            f"{frame['rows']:,} judgements x {frame['columns']} columns ({frame['mb']:.0f} MB)",
        ),
        (
            "frame: cold build (8 queries + Polars)",
            f"**{frame['cold_seconds']:.2f} s** (peak {frame_run.peak_rss_mb:.0f} MB)",
        ),
        ("frame: warm (data version only)", f"**{_ms(frame['warm_seconds'])}**"),
        ("frame: another worker, from the shared Parquet file", f"{_ms(frame['shared_seconds'])}"),
        ("frame: the data version query alone", f"{_ms(frame['version_seconds'])}"),
        ("simulated users", f"{sizes.users} (threads, one keep-alive connection and session each)"),
        ("server", f"gunicorn {WORKERS} workers x {THREADS} threads on 127.0.0.1, SQLite (WAL), DEBUG off"),
        ("baseline: health check p50 / p95", _p(health)),
        (f"cold start: {sizes.users} users at once on empty caches, p50 / p95", _p(phases["cold"])),
    ]
    labels = {
        "trust": "trust dashboard `/dashboards/trust/`",
        "school": "school dashboard `/dashboards/schools/<urn>/`",
        "api_attainment": "API attainment by school, subject and disadvantaged",
        "api_attention": "API pupils needing attention at a school",
    }
    figures = {
        "dashboard_frame_rows": float(frame["rows"]),
        "dashboard_frame_cold_s": frame["cold_seconds"],
        "dashboard_frame_warm_ms": frame["warm_seconds"] * 1000,
        "dashboard_frame_shared_ms": frame["shared_seconds"] * 1000,
        "dashboard_cold_start_p95_ms": phases["cold"].percentile(95) * 1000,
    }
    for kind, label in labels.items():
        if kind in phases:
            phase = phases[kind]
            cut = " (stopped at the time limit)" if phase.timed_out else ""
            rows.append(
                (
                    f"{label}: p50 / p95",
                    f"{_p(phase)} ({phase.count} requests, {phase.throughput:.1f}/s){cut}",
                )
            )
            figures[f"dashboard_{kind}_p50_ms"] = phase.percentile(50) * 1000
            figures[f"dashboard_{kind}_p95_ms"] = phase.percentile(95) * 1000
    statements = ", ".join(f"{labels[k].split(' `')[0].split(':')[0]} {v}" for k, v in counted.items())
    rows.append(("SQL statements of one warm request", statements))
    if observations_out:
        notes.append(
            f"The frame was written to `{observations_out}` for `bench/analytics.py --observations`."
        )
    return rows, figures, notes


def section(bench: Bench) -> Section:
    """The benchmark inside ``bench/run.py``."""
    sizes = QUICK if bench.sizes.demo_scale != "large" else FULL
    try:
        rows, figures, notes = measure(bench, sizes)
    except LoadError as error:
        raise BenchError(str(error)) from error
    table = "\n".join(f"| {label} | {figure} |" for label, figure in rows)
    extra = "\n".join(f"- {note}" for note in notes)
    markdown = f"""The dashboards of the demo trust (`strides demo-data --seed 1 --scale {sizes.scale}`) under
{sizes.users} simulated users at once, against a real server on loopback: each user a thread with its
own keep-alive connection and session, all starting each phase together, every answer checked.
The trust page is opened by the trust analyst and the director in turn (the director's tables are
suppressed), the school page by the heads of {sizes.users} schools. Before the pages, the
observations frame every dashboard reads is timed on its own: built on an empty cache, then warm,
then as another worker process finds it (the shared Parquet file). The cold start has every user
open the trust page at once on a server with no frame anywhere: one build, the others wait for it.

| measure | value |
|---|---|
{table}

{extra}

The client threads run on the same machine as the server and take some of its CPU, so the figures
are an upper bound on what the users would see.
"""
    return Section(f"Dashboards, {sizes.users} concurrent users", markdown, figures)


def run(quick: bool, observations_out: Path | None) -> tuple[list[tuple[str, str]], list[str]]:
    with bench_alone(quick, "dashboards") as bench:
        rows, _, notes = measure(bench, QUICK if quick else FULL, observations_out)
    return rows, notes


# --- the steps, each in its own process (they need Django) -------------------------------------


def _django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()


def step_frame(out: str, repeats: int) -> dict[str, Any]:
    _django()
    from strides.dashboards import frames
    from strides.organisations.models import Trust

    trust = Trust.objects.order_by("pk").first()
    if trust is None:
        raise LoadError("the database has no trust")
    shutil.rmtree(frames.cache_dir() or "/nonexistent", ignore_errors=True)
    frames.forget_observations()
    started = time.perf_counter()
    frame = frames.observations(trust.pk)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        frames.observations(trust.pk)
        warm.append(time.perf_counter() - started)
    shared = []
    for _ in range(repeats):
        frames.forget_observations()  # as another worker: memory empty, the file on disk
        started = time.perf_counter()
        frames.observations(trust.pk)
        shared.append(time.perf_counter() - started)
    versions = []
    for _ in range(repeats):
        started = time.perf_counter()
        frames.data_version(trust.pk)
        versions.append(time.perf_counter() - started)
    if out != "-":
        frame.write_parquet(out)
    return {
        "rows": frame.height,
        "columns": frame.width,
        "mb": frame.estimated_size("mb"),
        "cold_seconds": cold,
        "warm_seconds": sorted(warm)[len(warm) // 2],
        "shared_seconds": sorted(shared)[len(shared) // 2],
        "version_seconds": sorted(versions)[len(versions) // 2],
    }


def step_setup(users: int) -> dict[str, Any]:
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import NoReverseMatch, resolve, reverse
    from django.urls.exceptions import Resolver404

    from strides.accounts.models import Membership, User
    from strides.accounts.roles import Role
    from strides.organisations.models import School, Trust
    from strides.pupils.models import Enrolment

    trust = Trust.objects.order_by("pk").first()
    if trust is None:
        raise LoadError("the database has no trust")
    analyst = User.objects.get(username="analyst")
    director = User.objects.get(username="director")
    heads = list(
        Membership.objects.filter(trust=trust, role=Role.HEADTEACHER, school__isnull=False)
        .select_related("user", "school")
        .order_by("school__name")[:users]
    )
    if not heads:
        raise LoadError("the demo trust has no headteachers")

    def session(user: Any) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def served(name: str, **kwargs: Any) -> str | None:
        try:
            path = reverse(name, kwargs=kwargs)
            resolve(path)
        except (NoReverseMatch, Resolver404):
            return None
        return path

    missing = []
    trust_page = served("dashboards:trust")
    if trust_page is None:
        missing.append("/dashboards/trust/")
    if served("dashboards:school", urn=heads[0].school.urn) is None:
        missing.append("/dashboards/schools/<urn>/")
    made = []
    for n in range(users):
        head = heads[n % len(heads)]
        viewer = analyst if n % 2 == 0 else director
        paths = {
            "api_attainment": "/api/v1/analytics/attainment/?group=disadvantaged",
            "api_attention": f"/api/v1/analytics/attention/?school={head.school.urn}",
        }
        if trust_page:
            paths["trust"] = trust_page
        school_page = served("dashboards:school", urn=head.school.urn)
        if school_page:
            paths["school"] = school_page
        # the trust-wide views as the analyst or the director, the school's as its head
        sessions = {"viewer": session(viewer), "head": session(head.user)}
        by_kind = {
            kind: sessions["viewer" if kind in ("trust", "api_attainment") else "head"] for kind in paths
        }
        made.append({"paths": paths, "sessions": by_kind})
    return {
        "users": made,
        "missing": missing,
        "pupils": Enrolment.objects.filter(school__trust=trust).values("pupil_id").distinct().count(),
        "schools": School.objects.filter(trust=trust).count(),
    }


def step_queries(made: dict[str, Any]) -> dict[str, int]:
    _django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}
    user = made["users"][0]
    for kind, path in user["paths"].items():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = user["sessions"][kind]
        client.get(path)  # fills this process's cache: the count is a warm request's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise LoadError(f"{path} answered {response.status_code}")
        counts[kind] = len(queries.captured_queries)
    return counts


def main(argv: list[str]) -> int:
    if argv[:2] == ["step", "frame"]:
        print(json.dumps(step_frame(argv[2], int(argv[3]) if len(argv) > 3 else 3)))
        return 0
    if argv[:2] == ["step", "setup"]:
        print(json.dumps(step_setup(int(argv[2]))))
        return 0
    if argv[:2] == ["step", "queries"]:
        print(json.dumps(step_queries(json.loads(argv[2]))))
        return 0
    quick = "--quick" in argv
    out = None
    if "--observations-out" in argv:
        out = Path(argv[argv.index("--observations-out") + 1]).resolve()
    rows, notes = run(quick=quick, observations_out=out)
    print(f"## Dashboards ({'quick' if quick else 'full'})\n\n| measure | value |\n|---|---|")
    for label, figure in rows:
        print(f"| {label} | {figure} |")
    for note in notes:
        print(f"\n- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
