"""``strides restore IN``: replace the whole database with a backup made by ``strides backup``.

Before anything is touched the backup is checked: it must be a Strides backup, from the same kind
of database (a PostgreSQL dump cannot go into SQLite, nor the reverse), made by this version of
Strides or an older one (an older one then needs ``strides migrate``), with its checksum intact.
Then it asks for confirmation, unless ``--yes`` (or ``--noinput``) is given.

- SQLite: the snapshot is copied into the live database with SQLite's backup API, in one step.
- PostgreSQL: ``pg_restore --clean --if-exists --no-owner`` turns the dump into SQL that ``psql``
  runs in a single transaction, after dropping tables the backup does not have (made by later
  migrations): it all applies, or nothing does.
Stop the web server and the worker first (docs/deployment.md, "Restore drill").
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from strides.web.management.commands.backup import (
    ENGINE_LABELS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_NAME,
    PAYLOAD_NAMES,
    describe_database,
    engine_of,
    pg_conninfo,
    pg_environment,
    pg_tool,
    sha256_of,
)


def open_archive(source: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(source, mode="r:*")
    except (tarfile.TarError, OSError, EOFError):
        raise CommandError(f"{source} is not a Strides backup (made by `strides backup`).") from None


def read_manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    not_a_backup = CommandError(f"{source} is not a Strides backup (made by `strides backup`).")
    try:
        member = archive.getmember(MANIFEST_NAME)
    except KeyError:
        raise not_a_backup from None
    stream = archive.extractfile(member) if member.isfile() else None
    if stream is None:
        raise not_a_backup
    try:
        manifest = json.loads(stream.read(1_000_000))
    except ValueError:
        raise not_a_backup from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise not_a_backup
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise CommandError(
            f"{source} was written by a newer Strides (backup format {manifest.get('format_version')}); "
            "upgrade Strides to restore it."
        )
    for key in ("engine", "payload", "migrations", "created_at"):
        if key not in manifest:
            raise CommandError(f"{source} is damaged: its manifest has no {key!r}.")
    return manifest


def check_engine(manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> None:
    here = engine_of(connection)
    there = manifest["engine"]
    if there != here:
        raise CommandError(
            f"This backup was taken from a {ENGINE_LABELS.get(there, there)} database, but this Strides "
            f"uses {ENGINE_LABELS[here]} ({describe_database(connection)}). A backup restores only "
            f"into the same kind of database: point DATABASE_URL at a {ENGINE_LABELS.get(there, there)} "
            "database to restore it (docs/configuration.md)."
        )


def check_migrations(manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> list[str]:
    """Refuse a backup from a newer Strides; return the migrations the backup still needs."""
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {tuple(item) for item in manifest["migrations"]}
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - on_disk)
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise CommandError(
            "This backup was made by a newer version of Strides: it has migrations this version "
            f"does not know ({shown}). Upgrade Strides first, then restore."
        )
    return sorted(f"{app}.{name}" for app, name in on_disk - in_backup)


def extract_payload(archive: tarfile.TarFile, manifest: dict[str, Any], workdir: Path, source: Path) -> Path:
    """Copy the snapshot out of the archive (by its exact name: no path from the archive is
    trusted) and check its size and checksum."""
    expected = PAYLOAD_NAMES[manifest["engine"]]
    details = manifest["payload"]
    if not isinstance(details, dict) or details.get("name") != expected:
        raise CommandError(f"{source} is damaged: its manifest names no {expected}.")
    try:
        member = archive.getmember(expected)
    except KeyError:
        raise CommandError(f"{source} is damaged: it has no {expected}.") from None
    stream = archive.extractfile(member) if member.isfile() else None
    if stream is None:
        raise CommandError(f"{source} is damaged: {expected} is not a file.")
    payload = workdir / expected
    try:
        with payload.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise CommandError(f"{source} is damaged or cut short: {exc}") from exc
    if payload.stat().st_size != details.get("bytes") or sha256_of(payload) != details.get("sha256"):
        raise CommandError(
            f"{source} is damaged: {expected} does not match its checksum. Nothing was changed."
        )
    return payload


def restore_sqlite(connection: BaseDatabaseWrapper, payload: Path) -> None:
    source = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise CommandError(f"The snapshot in the backup failed its integrity check: {check}")
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise CommandError("Cannot restore inside a transaction.")
        # One step (pages=-1): the live database changes from old to new at once.
        source.backup(connection.connection)
    finally:
        source.close()


def restore_postgres(connection: BaseDatabaseWrapper, payload: Path, backup_tables: list[str]) -> None:
    settings_dict = connection.settings_dict
    later_tables = sorted(set(connection.introspection.table_names()) - set(backup_tables))
    connection.close()
    restore_sql = subprocess.Popen(  # noqa: S603 - fixed program and arguments, no shell
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--file=-",
            str(payload),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    psql = [
        pg_tool("psql"),
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={pg_conninfo(settings_dict)}",
    ]
    if later_tables:
        quoted = ", ".join(connection.ops.quote_name(name) for name in later_tables)
        psql.append(f"--command=DROP TABLE IF EXISTS {quoted} CASCADE")
    psql.append("--file=-")
    applied = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
        psql,
        stdin=restore_sql.stdout,
        env=pg_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    assert restore_sql.stdout is not None
    restore_sql.stdout.close()
    reader_errors = restore_sql.stderr.read().decode(errors="replace") if restore_sql.stderr else ""
    reader_status = restore_sql.wait()
    if reader_status != 0:
        raise CommandError(
            f"pg_restore could not read the dump: {reader_errors.strip()}. Nothing was changed."
        )
    if applied.returncode != 0:
        detail = (applied.stderr or applied.stdout).strip()
        raise CommandError(f"The restore was rolled back, nothing was changed: {detail}")


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `strides backup`. Asks for confirmation "
        "unless --yes is given. Stop the web server and worker first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="IN", help="the backup file to restore")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation (for scripts and CI)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=f"default: {DEFAULT_DB_ALIAS}")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        if not source.is_file():
            raise CommandError(f"{source} does not exist or is not a file.")
        connection = connections[options["database"]]
        workdir = Path(tempfile.mkdtemp(prefix="strides-restore-"))
        try:
            with open_archive(source) as archive:
                manifest = read_manifest(archive, source)
                check_engine(manifest, connection)
                pending = check_migrations(manifest, connection)
                payload = extract_payload(archive, manifest, workdir, source)
            if options["interactive"] and not self.confirmed(manifest, connection):
                raise CommandError("Restore cancelled: nothing was changed.")
            if manifest["engine"] == "sqlite":
                restore_sqlite(connection, payload)
            else:
                restore_postgres(connection, payload, manifest.get("tables", []))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {describe_database(connection)} from {source} (taken {manifest['created_at']})."
            )
        )
        if pending:
            self.stdout.write(
                f"The backup is from an older Strides: {len(pending)} migration(s) to apply. "
                "Run `strides migrate` now."
            )

    def confirmed(self, manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> bool:
        counts = ", ".join(
            f"{n} {key.replace('_', ' ')}" for key, n in (manifest.get("counts") or {}).items()
        )
        self.stdout.write(
            f"This replaces everything in the {describe_database(connection)} with the backup taken "
            f"{manifest['created_at']} from the {manifest.get('database', 'database')}"
            + (f" ({counts})" if counts else "")
            + ". Changes made since then are lost."
        )
        try:
            answer = input("Type 'yes' to restore: ")
        except EOFError:
            raise CommandError(
                "No answer (no terminal): run `strides restore IN --yes` to restore without asking."
            ) from None
        return answer.strip().lower() == "yes"
