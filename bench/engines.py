"""The two database engines the latency benchmarks run on, and the server they measure.

- **SQLite**, the embedded default: a file in the run's temporary folder, with the settings
  strides/settings.py gives it (WAL, ``synchronous=NORMAL``, ``BEGIN IMMEDIATE``).
- **PostgreSQL**, the production engine: a throwaway cluster the bench starts itself, as
  scripts/with-postgres.sh does for the tests (same ``initdb`` options, a role ``strides`` with a
  random password, 127.0.0.1 on a free port plus a unix socket in the cluster's folder, the
  ``postgres`` system user when run as root), and stops and deletes at the end however the run
  ends. Unlike the tests' cluster it keeps PostgreSQL's durable defaults (``fsync``,
  ``synchronous_commit`` and ``full_page_writes`` on): a save is measured as production would
  commit it. Everything else is the packaged default (``shared_buffers`` 128 MB,
  ``max_connections`` 100), since a production server's tuning is not known here. The server
  processes reach it over TCP on loopback with the password, as a deployment would.

The server is gunicorn as docs/deployment.md runs it (3 workers x 2 threads, DEBUG off, persistent
database connections) on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import os
import pwd
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.harness import REPO, Bench, BenchError, Database
from bench.load import LoadError, Measure, engine_table, goals_summary, request

WORKERS, THREADS = 3, 2  # docs/deployment.md
CONN_MAX_AGE = "600"  # strides/settings.py's default, pinned so the figures say what they measured
ENGINE_NAMES = ("postgresql", "sqlite")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SQLite ------------------------------------------------------------------------------------


class SQLiteEngine:
    name = "SQLite"

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}, WAL, `synchronous=NORMAL`"

    def fresh_database(self, bench: Bench, name: str) -> Database:
        path = bench.fresh_database(name)
        return Database(self.name, f"sqlite:///{path}", path)

    def count(self, database: Database, sql: str) -> int:
        with sqlite3.connect(f"file:{database.path}?mode=ro", uri=True) as connection:
            return int(connection.execute(sql).fetchone()[0])


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The newest server Debian installed (scripts/lib.sh's postgres_bindir), or initdb on PATH."""
    found = sorted(
        (d for d in Path("/usr/lib/postgresql").glob("*/bin") if (d / "initdb").exists()),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A cluster of the bench's own in a temporary folder; ``stop`` removes it."""

    def __init__(self, log: Callable[[str], None]) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise BenchError(
                "no PostgreSQL server under /usr/lib/postgresql/*/bin: run `make install` (Debian "
                "package postgresql), or pass --engine sqlite"
            )
        self.bindir = bindir
        self.log = log
        self.dir = Path(tempfile.mkdtemp(prefix="strides-bench-pg-"))
        self.password = secrets.token_hex(16)
        self.port = 0
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: as with-postgres.sh, the postgres system user
            owner = "postgres"
            try:
                pwd.getpwnam(owner)
            except KeyError:
                owner = "strides-pg"
                try:
                    pwd.getpwnam(owner)
                except KeyError:
                    subprocess.run(
                        ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                         "--shell", "/usr/sbin/nologin", owner],
                        check=True,
                    )  # fmt: skip
            shutil.chown(self.dir, owner)
            self.as_owner = ["runuser", "-u", owner, "--"]
        self.dir.chmod(0o700)

    def _run(self, args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess:
        # the owner may not be allowed into the caller's working directory: work from the cluster's
        return subprocess.run(
            [*self.as_owner, *args], cwd=self.dir, capture_output=True, text=True, check=False, **kwargs
        )  # type: ignore[call-overload]

    def start(self) -> None:
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if self.as_owner:
            shutil.chown(pwfile, self.as_owner[2])
        made = self._run(
            [str(self.bindir / "initdb"), f"--pgdata={self.dir / 'data'}", "--username=postgres",
             f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        )  # fmt: skip
        if made.returncode != 0:
            raise BenchError(f"initdb failed:\n{made.stdout[-2000:]}{made.stderr[-2000:]}")
        for _ in range(3):  # a free port can be taken between finding it and binding it
            self.port = free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='{self.dir}'"
            started = self._run(
                [str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"),
                 "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o", options, "start"],
                start_new_session=True,  # Ctrl-C reaches the bench, which then stops the cluster in order
            )  # fmt: skip
            if started.returncode == 0:
                break
        else:
            log = (self.dir / "server.log").read_text(errors="replace")[-3000:]
            raise BenchError(f"the throwaway PostgreSQL cluster did not start:\n{log}")
        self.psql("postgres", f"CREATE ROLE strides LOGIN CREATEDB PASSWORD '{self.password}'")
        self.log(f"throwaway PostgreSQL {self.version()} on 127.0.0.1:{self.port} ({self.dir})")

    def psql(self, database: str, sql: str) -> str:
        """Run ``sql`` as the superuser over the cluster's unix socket; its output, unaligned."""
        done = subprocess.run(
            [str(self.bindir / "psql"), "--quiet", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "-tA",
             f"--host={self.dir}", f"--port={self.port}", "--username=postgres", f"--dbname={database}",
             "-c", sql],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BenchError(f"psql failed: {sql[:200]}\n{done.stderr[-2000:]}")
        return done.stdout.strip()

    def version(self) -> str:
        done = subprocess.run(
            [str(self.bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
        )
        words = done.stdout.split()  # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        return words[2] if len(words) > 2 else "unknown"

    def stop(self) -> None:
        pid = self.dir / "data" / "postmaster.pid"
        if pid.exists():
            pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-w"]
            if self._run([*pg_ctl, "-m", "fast", "stop"]).returncode != 0:
                self._run([*pg_ctl, "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresEngine:
    name = "PostgreSQL"

    def __init__(self, cluster: PostgresCluster) -> None:
        self.cluster = cluster

    def describe(self) -> str:
        return (
            f"PostgreSQL {self.cluster.version()}, a throwaway cluster with the durable defaults "
            "(`fsync`, `synchronous_commit` on), over TCP on loopback"
        )

    def fresh_database(self, bench: Bench, name: str) -> Database:
        """A new database owned by ``strides`` with every migration applied."""
        dbname = name.replace("-", "_")
        self.cluster.psql("postgres", f'DROP DATABASE IF EXISTS "{dbname}"')
        self.cluster.psql("postgres", f'CREATE DATABASE "{dbname}" OWNER strides')
        url = f"postgres://strides:{self.cluster.password}@127.0.0.1:{self.cluster.port}/{dbname}"
        database = Database(self.name, url)
        bench.measure(bench.strides("migrate", "--noinput", "-v", "0"), database)
        return database

    def count(self, database: Database, sql: str) -> int:
        return int(self.cluster.psql(database.url.rsplit("/", 1)[1], sql))


Engine = SQLiteEngine | PostgresEngine


@contextmanager
def engines_for(names: Sequence[str], log: Callable[[str], None]) -> Iterator[list[Engine]]:
    """The engines asked for, in the order given; a PostgreSQL cluster is started for the length
    of the block and stopped and removed at its end, an error or Ctrl-C included."""
    cluster = PostgresCluster(log) if "postgresql" in names else None
    try:
        if cluster is not None:
            cluster.start()
        engines: list[Engine] = []
        for name in names:
            engines.append(PostgresEngine(cluster) if name == "postgresql" and cluster else SQLiteEngine())
        yield engines
    finally:
        if cluster is not None:
            cluster.stop()
            log("throwaway PostgreSQL cluster stopped and removed")


def engine_names(choice: str) -> list[str]:
    """``--engine`` to the engines run: ``both`` is PostgreSQL (production) then SQLite."""
    return list(ENGINE_NAMES) if choice == "both" else [choice]


def each_engine(
    bench: Bench, measure_one: Callable[[Engine], tuple[list[Measure], dict[str, float], list[str]]]
) -> tuple[str, dict[str, float], list[str]]:
    """``measure_one`` on every engine of ``bench`` (SQLite alone when none was chosen): one goal
    table, the figures and the notes. An engine that fails is shown failed, with its error, and
    the others still run: a long run loses one column, not the report (``failed_<engine>`` in
    the figures tells bench/run.py to exit non-zero)."""
    results: dict[str, list[Measure]] = {}
    figures: dict[str, float] = {}
    notes: list[str] = []
    for engine in bench.engines or [SQLiteEngine()]:
        try:
            rows, engine_figures, engine_notes = measure_one(engine)
        except (BenchError, LoadError) as error:
            lines = str(error).strip().splitlines() or ["(no message)"]
            bench.log(f"{engine.name} failed: {lines[-1]}")
            rows = [Measure("failed", "**failed**: " + lines[-1][:200].replace("|", "\\|"))]
            engine_figures = {f"failed_{engine.name.lower()}": 1.0}
            tail = "\n".join(f"  {line}" for line in lines[-15:])
            engine_notes = [f"{engine.name} failed:\n\n  ```\n{tail}\n  ```"]
        results[engine.name] = rows
        figures.update(engine_figures)
        notes.extend(engine_notes)
    return f"{goals_summary(results)}.\n\n{engine_table(results)}", figures, notes


# --- the server --------------------------------------------------------------------------------


def server_env(bench: Bench, database: Database) -> dict[str, str]:
    return {**bench.env(database), "STRIDES_DEBUG": "0", "STRIDES_DB_CONN_MAX_AGE": CONN_MAX_AGE}


def server_label(engine: Engine) -> str:
    return f"gunicorn {WORKERS} workers x {THREADS} threads on 127.0.0.1, DEBUG off; {engine.describe()}"


@contextmanager
def serve(bench: Bench, database: Database, log_path: Path) -> Iterator[int]:
    """gunicorn on a free loopback port for the block; yields the port once /health/ answers."""
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [bench.python, "-m", "gunicorn", "strides.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(WORKERS), "--threads", str(THREADS), "--timeout", "120", "--backlog", "256"],
            cwd=REPO, env=server_env(bench, database), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_ready(server, port, log_path)
        yield port
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


def _wait_ready(server: subprocess.Popen, port: int, log_path: Path) -> None:
    ready_by = time.monotonic() + 60
    while time.monotonic() < ready_by:
        if server.poll() is not None:
            raise LoadError(f"gunicorn exited {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status, _, _ = request(connection, "GET", "/health/", None, {})
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise LoadError(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")
