"""Benchmark: class-grid saves under concurrent simulated teachers, against a real server on
loopback, with the health check measured the same way in the same run as the baseline.

    python -m bench.grid_load [--quick]        this benchmark alone, printed as Markdown
    python -m bench.run --only grid            the same inside the benchmark report

A generated trust (five schools; one class of 30 pupils and one teacher per simulated user; an
autumn drop of reading, writing and maths) is made through the real services on a fresh SQLite
database. gunicorn serves it as docs/deployment.md runs it (3 workers x 2 threads, DEBUG off) on
127.0.0.1. Each simulated teacher is one thread with its own keep-alive connection and a signed-in
session. All of them start each phase together:

1. **health**: GET /health/ (the whole middleware stack and one ``SELECT 1``): the baseline;
2. **grid page**: GET their class's grid (30 pupils x 3 subjects), which also hands over the
   CSRF token the saves need, as the browser's meta tag does;
3. **saves**: POST one cell after another to the grid's save endpoint, as grid.js does (a typed
   code, the version the cell was loaded with), each answer checked to be ``saved``.

Bounded in count (users x requests each) and in time (a phase stops at its time limit and says
so). The client threads share the machine with the server: on a small machine they take some of
its CPU, so the figures are an upper bound on what a school's teachers would see.

After the load, one process counts the SQL statements of one grid page, one save of a new cell and
one change of a saved cell, made as one of the teachers through Django's test client against the
same database (``CaptureQueriesContext``; a save's ``BEGIN IMMEDIATE`` and ``COMMIT`` count as
statements too).

The setup and the count run in processes of their own (they need Django against the throwaway
database):

    python -m bench.grid_load step setup USERS     prints the users' sessions and cells as JSON
    python -m bench.grid_load step queries JSON    prints the statement counts as JSON
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import grid_batch
from bench.harness import Bench, Section, bench_alone

REPO = Path(__file__).resolve().parent.parent

PUPILS_PER_CLASS = 30
SUBJECTS = ("reading", "writing", "maths")
SCHOOLS = 5
WORKERS, THREADS = 3, 2  # docs/deployment.md


@dataclass(frozen=True)
class LoadSizes:
    users: int
    health_each: int
    pages_each: int
    saves_each: int
    phase_seconds: float


FULL = LoadSizes(users=50, health_each=40, pages_each=2, saves_each=40, phase_seconds=180)
QUICK = LoadSizes(users=10, health_each=5, pages_each=1, saves_each=5, phase_seconds=60)


class LoadError(RuntimeError):
    pass


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

    def cookies(self) -> str:
        jar = f"sessionid={self.session}"
        return f"{jar}; csrftoken={self.csrf_cookie}" if self.csrf_cookie else jar


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    timed_out: bool = False

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float:
        return self.count / self.wall if self.wall else 0.0


def _typed_code(n: int, nc_year: int | None) -> str:
    """What a teacher types: mostly the pupil's own band, sometimes the long form, any case."""
    band = ("EXS", "WTS", "GDS")[n % 3]
    if nc_year is None or nc_year < 1:
        return "PK4" if n % 2 else "pk 3"
    return [band[0].lower(), band[0], f"y{nc_year} {band.lower()}", f"{nc_year}{band[:2]}"][n % 4]


def _request(
    connection: http.client.HTTPConnection, method: str, path: str, body: str | None, headers: dict
) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(), response


def _run_phase(
    name: str,
    teachers: list[Teacher],
    port: int,
    each: int,
    limit: float,
    step: Callable[[http.client.HTTPConnection, Teacher, int], str | None],
) -> Phase:
    """Every teacher's thread runs ``step`` ``each`` times (a failure message or None), all
    starting together; the phase stops early at ``limit`` seconds."""
    phase = Phase(name)
    lock = threading.Lock()
    start = threading.Barrier(len(teachers) + 1)
    deadline = [0.0]

    def worker(teacher: Teacher) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        try:
            for n in range(each):
                if time.perf_counter() > deadline[0]:
                    with lock:
                        phase.timed_out = True
                    return
                began = time.perf_counter()
                try:
                    problem = step(connection, teacher, n)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    problem = f"{type(error).__name__}: {error}"
                took = time.perf_counter() - began
                with lock:
                    if problem is None:
                        phase.latencies.append(took)
                    else:
                        phase.failures.append(problem)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in teachers]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + limit
    start.wait()
    for thread in threads:
        thread.join(limit + 90)
    phase.wall = time.perf_counter() - began
    return phase


def _health(connection: http.client.HTTPConnection, teacher: Teacher, n: int) -> str | None:
    status, body, _ = _request(connection, "GET", "/health/", None, {})
    return None if status == 200 and b'"ok"' in body else f"health answered {status}"


_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


def _page(connection: http.client.HTTPConnection, teacher: Teacher, n: int) -> str | None:
    status, body, response = _request(
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
    return None


def _save(connection: http.client.HTTPConnection, teacher: Teacher, n: int) -> str | None:
    pupil, subject, nc_year = teacher.cells[n % len(teacher.cells)]
    version = teacher.versions.get((pupil, subject), 0)
    body = urllib.parse.urlencode(
        {"pupil": pupil, "subject": subject, "value": _typed_code(n, nc_year), "version": version}
    )
    headers = {
        "Cookie": teacher.cookies(),
        "X-CSRFToken": teacher.csrf_token,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    status, raw, _ = _request(connection, "POST", teacher.save_path, body, headers)
    try:
        answer = json.loads(raw)
    except ValueError:
        return f"save answered {status} without JSON"
    if status != 200 or answer.get("status") != "saved":
        return f"save answered {status}: {answer.get('message', '')[:120]}"
    teacher.versions[(pupil, subject)] = answer["version"]
    return None


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(python: str, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    log = log_path.open("wb")
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "strides.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--timeout",
            "120",
            "--backlog",
            "256",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    ready_by = time.monotonic() + 60
    while time.monotonic() < ready_by:
        if server.poll() is not None:
            raise LoadError(f"gunicorn exited {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status, _, _ = _request(connection, "GET", "/health/", None, {})
            connection.close()
            if status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.2)
    _stop_server(server)
    raise LoadError(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


def _stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


# --- the measurement ---------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def measure(bench: Any, sizes: LoadSizes) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Rows of (label, figure) and the figures by name. ``bench`` is bench/run.py's Bench
    (work directory, throwaway databases, the environment of a measured process)."""
    database = bench.fresh_database("grid-load")
    bench.log(f"grid: a trust with {sizes.users} classes of {PUPILS_PER_CLASS} and their teachers ...")
    made = bench.measure(
        [bench.python, "-m", "bench.grid_load", "step", "setup", str(sizes.users)], database
    ).json()
    teachers = [
        Teacher(u["session"], u["grid"], u["save"], [tuple(cell) for cell in u["cells"]])
        for u in made["users"]
    ]
    env = {**bench.env(database), "STRIDES_DEBUG": "0"}
    server, port = _start_server(bench.python, env, bench.workdir / "gunicorn.log")
    limit = sizes.phase_seconds
    try:
        # warm-up, not measured: every worker has imported everything and every teacher holds
        # the CSRF token their grid page hands over
        warm = _run_phase("warm-up", teachers, port, 1, limit, _page)
        if any(not t.csrf_token for t in teachers):
            raise LoadError(f"a grid page gave no CSRF token: {warm.failures[:3]}")
        bench.log(f"grid: {sizes.users} users x {sizes.health_each} health checks ...")
        health = _run_phase("health", teachers, port, sizes.health_each, limit, _health)
        bench.log(f"grid: {sizes.users} users x {sizes.pages_each} grid pages ...")
        pages = _run_phase("pages", teachers, port, sizes.pages_each, limit, _page)
        bench.log(f"grid: one teacher alone x {sizes.saves_each} saves ...")
        alone = _run_phase("alone", teachers[:1], port, sizes.saves_each, limit, _save)
        bench.log(f"grid: {grid_batch.CELLS} cells one by one, then {grid_batch.CELLS} in one batch ...")
        batch_rows, batch_figures = grid_batch.compare(port, teachers[1], teachers[2], _typed_code)
        bench.log(f"grid: {sizes.users} users x {sizes.saves_each} saves ...")
        # the lone teacher carries on where they stopped: their next cells are new ones
        for teacher in teachers[:1]:
            teacher.cells = teacher.cells[sizes.saves_each :] + teacher.cells[: sizes.saves_each]
        saves = _run_phase("saves", teachers, port, sizes.saves_each, limit, _save)
    finally:
        _stop_server(server)
    if saves.failures or alone.failures:
        failed = saves.failures + alone.failures
        log = (bench.workdir / "gunicorn.log").read_text(errors="replace")[-4000:]
        raise LoadError(f"{len(failed)} saves failed, e.g. {failed[:3]}; the server's log ends:\n{log}")
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        saved = connection.execute("SELECT COUNT(*) FROM assessment_judgementrevision").fetchone()[0]
    answered = saves.count + alone.count + 2 * grid_batch.CELLS
    if saved != answered:
        raise LoadError(f"{answered} saves answered 'saved' but {saved} revisions exist")
    bench.log("grid: counting the statements of one page, one new cell and one change ...")
    counted = _count_queries(bench, database, teachers[-1])

    ratio50 = saves.percentile(50) / health.percentile(50)
    ratio95 = saves.percentile(95) / health.percentile(95)
    cut = " (stopped at the time limit)" if saves.timed_out or health.timed_out else ""
    rows = [
        ("simulated teachers (threads, one keep-alive connection each)", f"{sizes.users}"),
        ("server", f"gunicorn {WORKERS} workers x {THREADS} threads on 127.0.0.1, SQLite (WAL), DEBUG off"),
        ("grid saves", f"{saves.count:,} saved, {len(saves.failures)} failed{cut}"),
        ("save latency p50 / p95", f"**{_ms(saves.percentile(50))}** / **{_ms(saves.percentile(95))}**"),
        ("save throughput", f"**{saves.throughput:,.0f} saves/s** ({saves.count:,} in {saves.wall:.1f} s)"),
        ("one teacher alone: save p50 / p95", f"{_ms(alone.percentile(50))} / {_ms(alone.percentile(95))}"),
        ("baseline: health check p50 / p95", f"{_ms(health.percentile(50))} / {_ms(health.percentile(95))}"),
        ("baseline: health check throughput", f"{health.throughput:,.0f} requests/s ({health.count:,})"),
        ("ratio save / health check, p50 / p95", f"**{ratio50:.1f}×** / **{ratio95:.1f}×**"),
        (
            f"grid page ({PUPILS_PER_CLASS} pupils x {len(SUBJECTS)} subjects) p50 / p95",
            f"{_ms(pages.percentile(50))} / {_ms(pages.percentile(95))} ({pages.count} pages)",
        ),
        (
            "SQL statements: change a saved cell / save a new cell / grid page",
            f"**{counted['change']}** / {counted['new']} / {counted['page']}",
        ),
        *batch_rows,
    ]
    figures = {
        "grid_save_p50_ms": saves.percentile(50) * 1000,
        "grid_save_p95_ms": saves.percentile(95) * 1000,
        "grid_save_alone_p50_ms": alone.percentile(50) * 1000,
        "grid_saves_per_second": saves.throughput,
        "grid_health_p50_ms": health.percentile(50) * 1000,
        "grid_save_health_ratio_p50": ratio50,
        "grid_save_queries": counted["change"],
        "grid_page_queries": counted["page"],
        **batch_figures,
    }
    return rows, figures


def _count_queries(bench: Any, database: Path, teacher: Teacher) -> dict[str, int]:
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
    args = [bench.python, "-m", "bench.grid_load", "step", "queries", json.dumps(plan)]
    run = bench.measure(args, database, check=False)
    if run.returncode != 0:
        raise LoadError(f"counting the statements failed:\n{run.stderr[-3000:]}")
    return run.json()


def section(bench: Bench) -> Section:
    """The benchmark inside ``bench/run.py``."""
    sizes = QUICK if bench.sizes.demo_scale != "large" else FULL
    rows, figures = measure(bench, sizes)
    table = "\n".join(f"| {label} | {figure} |" for label, figure in rows)
    markdown = f"""{sizes.users} simulated teachers record their class grids at once against a real
server on loopback: each a thread with its own keep-alive connection and session, saving one cell
after another as grid.js does (a typed code such as `e` or `y3 exs` and the version the cell was
loaded with), each answer checked to be `saved` and every save checked to have written its
revision. The baseline is the health check (the whole middleware stack and `SELECT 1`) under the
same load in the same run. A generated trust of {SCHOOLS} schools, one class of {PUPILS_PER_CLASS}
pupils per teacher, on a fresh SQLite database.

| measure | value |
|---|---|
{table}

The client threads run on the same machine as the server and take some of its CPU; on SQLite
every save waits its turn for the one writer, which PostgreSQL does not make it do.

The last rows compare, in the same run with nobody else saving, a class's {grid_batch.CELLS} cells
saved one request each (as grid.js did) with the same cells sent in one request to the batch
endpoint (as grid.js now sends whatever queued while a save was on its way): each cell still has
its own lost-update check and answer (bench/grid_batch.py).
"""
    return Section(f"Class grid saves, {sizes.users} concurrent teachers", markdown, figures)


def run(quick: bool) -> list[tuple[str, str]]:
    """This benchmark on its own: rows of (label, figure)."""
    with bench_alone(quick, "grid") as bench:
        rows, _ = measure(bench, QUICK if quick else FULL)
    return rows


# --- the setup, run in its own process (needs Django) ------------------------------------------


def step_setup(users: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from strides.accounts import services as accounts
    from strides.accounts.roles import Role
    from strides.assessment.services import create_drop
    from strides.classes import services as classes
    from strides.frameworks.services import ensure_common_scale
    from strides.organisations import services as organisations
    from strides.organisations.models import AcademicYear
    from strides.pupils.models import Pupil
    from strides.pupils.services import PupilRecord, upsert_pupils
    from strides.pupils.upn import make_upn

    today = dt.date.today()
    trust = organisations.create_trust(None, "Grid Load Trust", "grid-load")
    year = organisations.ensure_academic_year(None, trust, AcademicYear.start_year_for(today))
    schools = [
        organisations.create_school(
            None,
            trust,
            name=f"Grid Load Primary {n}",
            urn=f"99810{n}",
            la_code="801",
            establishment_number=f"{2100 + n}",
            school_type="primary",
            phase="primary",
            joined_trust_on=dt.date(2018, 9, 1),
        )
        for n in range(1, SCHOOLS + 1)
    ]
    ensure_common_scale(trust)
    drop = create_drop(
        None,
        trust,
        year,
        name="Autumn",
        term="autumn",
        opens_on=year.starts_on,
        deadline=year.starts_on + dt.timedelta(days=110),
        schools=schools,
    )
    made = []
    for n in range(users):
        school = schools[n % SCHOOLS]
        nc_year = 1 + n % 6
        records = [
            PupilRecord(
                upn=make_upn(
                    801, int(school.establishment_number), 22, (n // SCHOOLS) * PUPILS_PER_CLASS + k
                ),
                legal_forename=f"Child{k:02d}",
                legal_surname=f"Class{n:02d}",
                date_of_birth=dt.date(today.year - 5 - nc_year, 3, 1),
                sex="F" if k % 2 else "M",
                characteristics={"nc_year": nc_year},
                enrolment_start=year.starts_on,
            )
            for k in range(PUPILS_PER_CLASS)
        ]
        upsert_pupils(None, school, records, effective=year.starts_on)
        pupils = list(Pupil.objects.filter(legal_surname=f"Class{n:02d}").order_by("pk"))
        group = classes.create_group(None, school, year, f"{nc_year}-{n:02d}", nc_year=nc_year)
        classes.set_pupils(None, group, pupils)
        teacher = accounts.create_user(None, f"grid-teacher-{n:02d}", validate=False)
        accounts.grant_role(None, teacher, Role.TEACHER, trust, school)
        classes.assign_staff(None, group, teacher)
        session = SessionStore()
        session[SESSION_KEY] = str(teacher.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = teacher.get_session_auth_hash()
        session.create()
        kwargs = {"drop_slug": drop.slug, "group_id": group.pk}
        made.append(
            {
                "session": session.session_key,
                "grid": reverse("assessment:grid", kwargs=kwargs),
                "save": reverse("assessment:grid_save", kwargs=kwargs),
                # column by column, as a teacher fills the grid
                "cells": [[p.pk, subject, nc_year] for subject in SUBJECTS for p in pupils],
            }
        )
    return {"drop": drop.slug, "users": made}


def step_queries(plan: dict[str, Any]) -> dict[str, int]:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from strides.assessment.models import Judgement

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = plan["session"]
    counts: dict[str, int] = {}
    with CaptureQueriesContext(connection) as page:
        response = client.get(plan["grid"])
    if response.status_code != 200:
        raise LoadError(f"the grid page answered {response.status_code}")
    counts["page"] = len(page.captured_queries)
    for name in ("new", "change"):
        pupil, subject, version, nc_year = plan[name]
        # the bench's database holds one drop
        saved = Judgement.objects.filter(pupil_id=pupil, subject__code=subject)
        saved_code = saved.values_list("level__code", flat=True).first()
        # a level other than the one saved, so the change really writes
        value = f"Y{nc_year} WTS" if saved_code == f"Y{nc_year} GDS" else f"Y{nc_year} GDS"
        with CaptureQueriesContext(connection) as save:
            response = client.post(
                plan["save"], {"pupil": pupil, "subject": subject, "value": value, "version": version}
            )
        if response.status_code != 200 or response.json().get("status") != "saved":
            raise LoadError(f"the {name} save answered {response.status_code}: {response.content[:300]!r}")
        counts[name] = len(save.captured_queries)
    return counts


def main(argv: list[str]) -> int:
    if argv[:2] == ["step", "setup"]:
        print(json.dumps(step_setup(int(argv[2]))))
        return 0
    if argv[:2] == ["step", "queries"]:
        print(json.dumps(step_queries(json.loads(argv[2]))))
        return 0
    quick = "--quick" in argv
    print(f"## Class grid saves ({'quick' if quick else 'full'})\n\n| measure | value |\n|---|---|")
    for label, figure in run(quick=quick):
        print(f"| {label} | {figure} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
