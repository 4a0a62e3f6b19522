"""``strides backup OUT``: a consistent snapshot of the whole database in one file.

The file is a tar archive holding ``manifest.json`` (what was backed up, from which kind of
database, by which migrations, with a checksum) and the snapshot itself:

- SQLite: ``database.sqlite3``, a copy made with SQLite's online backup API, so it is consistent
  even while the web server and worker keep writing (WAL). The archive is gzip-compressed.
- PostgreSQL: ``database.pgdump``, from ``pg_dump --format=custom`` (one transaction, so one
  consistent moment; already compressed).

``strides restore IN`` reads the manifest first and refuses, with a reason, a backup from the
other kind of database, from a newer Strides, or one whose checksum does not match.
The file holds pupil data: it is created readable by its owner only. See docs/deployment.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "strides-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
PAYLOAD_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Counted into the manifest so that a restore can say what it is about to bring back.
COUNTED_MODELS = {
    "schools": "organisations.School",
    "pupils": "pupils.Pupil",
    "users": "accounts.User",
    "audit_entries": "audit.AuditEntry",
}
# libpq connection parameters that may come from DATABASES[...]["OPTIONS"] (sslmode and friends).
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "target_session_attrs",
    "options",
    "service",
    "passfile",
    "channel_binding",
    "gssencmode",
}


def engine_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in PAYLOAD_NAMES:
        raise CommandError(
            f"Strides backs up SQLite and PostgreSQL databases, not {connection.vendor!r} "
            "(see docs/configuration.md)."
        )
    return connection.vendor


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: from PATH, else the newest Debian install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: [int(part) if part.isdigit() else 0 for part in p.parts[-3].split(".")],
    )
    if candidates:
        return str(candidates[-1])
    raise CommandError(
        f"{name} is not installed: install the PostgreSQL client programs "
        "(Debian: apt-get install postgresql-client) in the version of your server or newer."
    )


def pg_conninfo(settings_dict: dict[str, Any]) -> str:
    """A libpq connection string for the database, without the password (that goes by env)."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, Any] = {"dbname": settings_dict["NAME"]}
    if settings_dict.get("HOST"):
        params["host"] = settings_dict["HOST"]
    if settings_dict.get("PORT"):
        params["port"] = str(settings_dict["PORT"])
    if settings_dict.get("USER"):
        params["user"] = settings_dict["USER"]
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS and value not in (None, ""):
            params[key] = str(value)
    return make_conninfo(**params)


def pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def run_pg_tool(args: list[str], settings_dict: dict[str, Any], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
        args,
        env=pg_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise CommandError(f"{what} failed: {detail}")


def snapshot_sqlite(connection: BaseDatabaseWrapper, destination: Path) -> None:
    """Copy the live database with SQLite's online backup API: one consistent moment."""
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        connection.connection.backup(target)
        # A self-contained file: no -wal beside it is needed to read it back.
        target.execute("PRAGMA journal_mode=DELETE")
        check = target.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        target.close()
    if check != "ok":
        raise CommandError(f"The copy of the SQLite database failed its integrity check: {check}")


def snapshot_postgres(connection: BaseDatabaseWrapper, destination: Path) -> None:
    settings_dict = connection.settings_dict
    run_pg_tool(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={destination}",
            f"--dbname={pg_conninfo(settings_dict)}",
        ],
        settings_dict,
        "pg_dump",
    )


def applied_migrations(connection: BaseDatabaseWrapper) -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


def row_counts(using: str) -> dict[str, int]:
    from django.apps import apps

    counts = {}
    for key, label in COUNTED_MODELS.items():
        try:
            counts[key] = apps.get_model(label).objects.using(using).count()
        except DatabaseError:  # a table not yet migrated is simply not counted
            continue
    return counts


def describe_database(connection: BaseDatabaseWrapper) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {settings_dict['NAME']}"
    where = settings_dict.get("HOST") or "local socket"
    if settings_dict.get("PORT"):
        where = f"{where}:{settings_dict['PORT']}"
    return f"PostgreSQL database {settings_dict['NAME']!r} on {where}"


def strides_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("strides")
    except PackageNotFoundError:
        return "unknown"


def write_backup(out: Path, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Snapshot the database ``using`` into ``out`` and return the manifest written."""
    connection = connections[using]
    engine = engine_of(connection)
    out = out.resolve()
    # Work beside the destination so the final rename is atomic on the same file system.
    workdir = Path(tempfile.mkdtemp(prefix=".strides-backup-", dir=out.parent))
    try:
        payload = workdir / PAYLOAD_NAMES[engine]
        created_at = dt.datetime.now(dt.UTC)
        if engine == "sqlite":
            snapshot_sqlite(connection, payload)
        else:
            snapshot_postgres(connection, payload)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": engine,
            "created_at": created_at.isoformat(timespec="seconds"),
            "strides_version": strides_version(),
            "database": describe_database(connection),
            "migrations": applied_migrations(connection),
            "tables": sorted(connection.introspection.table_names()),
            "counts": row_counts(using),
            "payload": {
                "name": payload.name,
                "bytes": payload.stat().st_size,
                "sha256": sha256_of(payload),
            },
        }
        partial = workdir / "backup.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        mode = "w:gz" if engine == "sqlite" else "w"
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode=mode) as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            info.mtime = int(created_at.timestamp())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(payload, arcname=payload.name, recursive=False)
        os.replace(partial, out)
        return manifest
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    for unit in ("KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            break
        value /= 1000
    return f"{value:.1f} {unit}"


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of the whole database (SQLite or PostgreSQL) to OUT. "
        "Safe while Strides is running. Restore it with `strides restore OUT`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", metavar="OUT", help="the backup file to write")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace OUT if it exists (refused otherwise)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=f"default: {DEFAULT_DB_ALIAS}")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.is_dir():
            raise CommandError(f"{out} is a folder: give the name of the backup file to write.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        if out.exists() and not options["overwrite"]:
            raise CommandError(f"{out} already exists: choose another name, or add --overwrite.")
        manifest = write_backup(out, options["database"])
        counts = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in manifest["counts"].items())
        size = human_size(out.stat().st_size)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {manifest['database']} to {out} ({size}"
                + (f"; {counts}" if counts else "")
                + ")."
            )
        )
