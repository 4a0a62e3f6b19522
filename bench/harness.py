"""The benchmarks' harness: throwaway SQLite databases, measured processes, the sizes of a run and
the section a benchmark returns (bench/engines.py adds PostgreSQL for the latency sections).
``bench/run.py`` runs the sections and writes the report; every benchmark module imports this,
never ``run`` (so no benchmark imports another's runner).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TASKS = REPO / "bench" / "tasks.py"


@dataclass(frozen=True)
class Sizes:
    demo_scale: str
    import_rows: int
    import_repeats: int
    floor_repeats: int
    startup_repeats: int


FULL = Sizes(demo_scale="large", import_rows=10_000, import_repeats=3, floor_repeats=5, startup_repeats=5)
QUICK = Sizes(demo_scale="small", import_rows=300, import_repeats=1, floor_repeats=1, startup_repeats=1)


@dataclass(frozen=True)
class Run:
    """One measured process."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        """The last line of output that is a JSON object."""
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise BenchError(f"no JSON in the output:\n{self.stdout[-2000:]}")


@dataclass
class Section:
    title: str
    markdown: str
    figures: dict[str, float] = field(default_factory=dict)


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Database:
    """A throwaway database a measured process is given as its DATABASE_URL. A bare ``Path`` is
    still accepted wherever a database is (a SQLite file), so the SQLite-only sections stay as
    they were; bench/engines.py makes these for both engines."""

    engine: str  # "SQLite" or "PostgreSQL", as the report names it
    url: str
    path: Path | None = None  # the file, on SQLite


class Bench:
    """Throwaway databases, measured processes and the sizes chosen for this run."""

    def __init__(
        self, workdir: Path, sizes: Sizes, log: Callable[[str], None], engines: Sequence[Any] = ()
    ) -> None:
        self.workdir = workdir
        self.sizes = sizes
        self.log = log
        self.python = sys.executable
        # bench/engines.py's engines the latency sections run on (SQLite alone when none given)
        self.engines = list(engines)

    def env(self, database: Path | Database) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "STRIDES_"))
        }
        env.update(
            DATABASE_URL=database.url if isinstance(database, Database) else f"sqlite:///{database}",
            STRIDES_MODE="development",
            STRIDES_VAR_DIR=str(self.workdir / "var"),
            STRIDES_LOG_LEVEL="WARNING",
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    def measure(self, args: Sequence[str], database: Path | Database, *, check: bool = True) -> Run:
        """Run ``args`` in its own process; wall time and that process's peak memory."""
        out_path, err_path = self.workdir / "stdout.txt", self.workdir / "stderr.txt"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.Popen(list(args), stdout=out, stderr=err, env=self.env(database), cwd=REPO)
            try:
                _, status, usage = os.wait4(process.pid, 0)
            except BaseException:  # Ctrl-C or SIGTERM: leave no step running against a removed database
                process.kill()
                process.wait()
                raise
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
        run = Run(
            seconds=seconds,
            peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            returncode=process.returncode,
            stdout=out_path.read_text(errors="replace"),
            stderr=err_path.read_text(errors="replace"),
        )
        if check and run.returncode != 0:
            raise BenchError(
                f"{' '.join(args)} exited {run.returncode}:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
            )
        return run

    def strides(self, *args: str) -> list[str]:
        return [self.python, "-m", "strides", *args]

    def task(self, *args: str) -> list[str]:
        return [self.python, str(TASKS), *args]

    def fresh_database(self, name: str) -> Path:
        """A new SQLite file with every migration applied."""
        database = self.workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        self.measure(self.strides("migrate", "--noinput", "-v", "0"), database)
        return database

    def copy_database(self, template: Path, name: str) -> Path:
        """A copy of ``template``, with its write-ahead log folded in first."""
        with sqlite3.connect(template) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = self.workdir / f"{name}.sqlite3"
        for suffix in ("-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, copy)
        return copy


def table_counts(database: Path, tables: Sequence[str]) -> dict[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return {t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


def database_megabytes(database: Path) -> float:
    files = [Path(f"{database}{suffix}") for suffix in ("", "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1024 / 1024


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def all_runs(runs: Sequence[Run]) -> str:
    return ", ".join(fmt_seconds(r.seconds) for r in runs)


def log(message: str) -> None:
    """Progress, to stderr: stdout is the report's (or a step's JSON)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@contextmanager
def bench_alone(quick: bool, name: str) -> Iterator[Bench]:
    """A Bench for one benchmark run on its own (``python -m bench.NAME``), in a throwaway folder."""
    with tempfile.TemporaryDirectory(prefix=f"strides-bench-{name}-") as workdir:
        yield Bench(Path(workdir), QUICK if quick else FULL, log)
