"""``strides backup`` / ``strides restore``: round trips on the engine under test, and refusals.

The round trips run on the test database itself, whichever engine this run uses (SQLite in memory,
or PostgreSQL in `make test`'s second run). One more test runs the real command line against a
SQLite file in WAL mode while another connection is writing, as on a live server.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from strides.accounts import services as accounts
from strides.audit.models import AuditEntry
from strides.organisations import services as organisations
from strides.organisations.models import School
from strides.pupils import services as pupils
from strides.pupils.models import Pupil
from strides.web.management.commands.backup import MANIFEST_NAME, PAYLOAD_NAMES

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_ENGINE = {"sqlite": "postgresql", "postgresql": "sqlite"}


def back_up(path: Path) -> Path:
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def restore(path: Path, **options) -> str:
    out = io.StringIO()
    call_command("restore", str(path), stdout=out, **options)
    return out.getvalue()


def read_archive(path: Path) -> tuple[dict, bytes]:
    with tarfile.open(path, "r:*") as archive:
        manifest = json.loads(archive.extractfile(MANIFEST_NAME).read())
        payload = archive.extractfile(manifest["payload"]["name"]).read()
    return manifest, payload


def write_archive(path: Path, manifest: dict, payload: bytes) -> Path:
    with tarfile.open(path, "w") as archive:
        for name, data in (
            (MANIFEST_NAME, json.dumps(manifest).encode()),
            (manifest["payload"]["name"], payload),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def make_later_changes(cast) -> None:
    """Everything a school might do after the backup was taken."""
    pupils.update_pupil_details(cast.admin, cast.ava, legal_forename="Changed")
    organisations.create_school(
        cast.admin,
        cast.trust,
        name="Later School",
        urn="100099",
        la_code="801",
        establishment_number="2099",
        school_type=cast.north.school_type,
        phase=cast.north.phase,
    )
    accounts.create_user(cast.admin, "later_user", password=cast.password, validate=False)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE later_feature (id integer PRIMARY KEY)")


def test_round_trip_brings_the_database_back(cast, tmp_path):
    audit_entries_then = AuditEntry.objects.count()
    backup = back_up(tmp_path / "strides.backup")
    assert backup.stat().st_mode & 0o077 == 0, "a backup holds pupil data: owner-only permissions"

    make_later_changes(cast)
    assert AuditEntry.objects.count() > audit_entries_then

    output = restore(backup, interactive=False)

    assert "Restored" in output
    assert Pupil.objects.get(pk=cast.ava.pk).legal_forename == "Ava"
    assert not School.objects.filter(urn="100099").exists()
    assert set(School.objects.values_list("urn", flat=True)) == {
        "100001",
        "100002",
        "100003",
        "100004",
        "100009",
    }
    assert not cast.admin.__class__.objects.filter(username="later_user").exists()
    assert cast.admin.__class__.objects.filter(username="teacher").exists()
    # the append-only audit log is replaced with the rest: entries made after the backup are gone
    assert AuditEntry.objects.count() == audit_entries_then
    assert "later_feature" not in connection.introspection.table_names()
    # and the restored database is fully usable: services write and audit again
    pupils.update_pupil_details(cast.admin, Pupil.objects.get(pk=cast.ava.pk), legal_forename="Again")
    assert AuditEntry.objects.count() == audit_entries_then + 1


def test_manifest_describes_the_backup(cast, tmp_path):
    manifest, payload = read_archive(back_up(tmp_path / "strides.backup"))
    assert manifest["format"] == "strides-backup"
    assert manifest["engine"] == connection.vendor
    assert manifest["payload"]["name"] == PAYLOAD_NAMES[connection.vendor]
    assert manifest["payload"]["bytes"] == len(payload)
    assert manifest["counts"]["pupils"] == 6
    assert manifest["counts"]["schools"] == 5
    assert ["pupils", "0001_initial"] in manifest["migrations"]
    assert "pupils_pupil" in manifest["tables"]


def test_backup_refuses_to_overwrite_unless_asked(cast, tmp_path):
    target = tmp_path / "strides.backup"
    target.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(target))
    assert target.read_bytes() == b"an older backup"
    call_command("backup", str(target), overwrite=True, stdout=io.StringIO())
    assert read_archive(target)[0]["engine"] == connection.vendor


def test_restore_refuses_a_backup_from_the_other_engine(cast, tmp_path):
    manifest, payload = read_archive(back_up(tmp_path / "strides.backup"))
    other = OTHER_ENGINE[connection.vendor]
    manifest["engine"] = other
    manifest["payload"]["name"] = PAYLOAD_NAMES[other]
    foreign = write_archive(tmp_path / "foreign.backup", manifest, payload)
    pupils.update_pupil_details(cast.admin, cast.ava, legal_forename="Kept")

    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    with pytest.raises(
        CommandError, match=f"taken from a {label[other]} database.*uses {label[connection.vendor]}"
    ):
        restore(foreign, interactive=False)
    assert Pupil.objects.get(pk=cast.ava.pk).legal_forename == "Kept"


@pytest.mark.parametrize(
    "content",
    [b"", b"not a backup at all", b"SQLite format 3\x00" + b"\x00" * 200],
    ids=["empty", "text", "bare-sqlite-header"],
)
def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path, content):
    path = tmp_path / "random.bin"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="is not a Strides backup"):
        restore(path, interactive=False)


def test_restore_refuses_a_tar_without_a_manifest(db, tmp_path):
    path = tmp_path / "other.tar"
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("notes.txt")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match="is not a Strides backup"):
        restore(path, interactive=False)


def test_restore_refuses_a_damaged_snapshot(cast, tmp_path):
    manifest, payload = read_archive(back_up(tmp_path / "strides.backup"))
    damaged = bytearray(payload)
    damaged[len(damaged) // 2] ^= 0xFF
    path = write_archive(tmp_path / "damaged.backup", manifest, bytes(damaged))
    pupils.update_pupil_details(cast.admin, cast.ava, legal_forename="Kept")

    with pytest.raises(CommandError, match="does not match its checksum"):
        restore(path, interactive=False)
    assert Pupil.objects.get(pk=cast.ava.pk).legal_forename == "Kept"


def test_restore_refuses_a_backup_from_a_newer_strides(cast, tmp_path):
    manifest, payload = read_archive(back_up(tmp_path / "strides.backup"))
    manifest["migrations"].append(["pupils", "9999_from_the_future"])
    path = write_archive(tmp_path / "newer.backup", manifest, payload)
    with pytest.raises(CommandError, match=r"newer version of Strides.*pupils\.9999_from_the_future"):
        restore(path, interactive=False)


def test_restore_asks_first_and_changes_nothing_unless_told_yes(cast, tmp_path, monkeypatch):
    backup = back_up(tmp_path / "strides.backup")
    pupils.update_pupil_details(cast.admin, cast.ava, legal_forename="Kept")

    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        restore(backup)
    assert Pupil.objects.get(pk=cast.ava.pk).legal_forename == "Kept"

    def no_terminal(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(CommandError, match="--yes"):
        restore(backup)
    assert Pupil.objects.get(pk=cast.ava.pk).legal_forename == "Kept"

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    output = restore(backup)
    assert "6 pupils" in output, "the question says what the backup holds"
    assert Pupil.objects.get(pk=cast.ava.pk).legal_forename == "Ava"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file round trip runs in the SQLite run")
def test_command_line_round_trip_on_a_live_sqlite_file(tmp_path):
    """`strides backup` while another connection holds an uncommitted write (WAL), then
    `strides restore --yes` with no terminal: the snapshot has only committed data."""
    database = tmp_path / "live.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "strides.settings",
        "STRIDES_MODE": "test",
        "DATABASE_URL": f"sqlite:///{database}",
        "STRIDES_VAR_DIR": str(tmp_path / "var"),
    }

    def strides(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "strides", *args],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=120,
        )

    def ava_name() -> str:
        with sqlite3.connect(database) as reader:
            return reader.execute(
                "SELECT legal_forename FROM pupils_pupil WHERE legal_surname = 'Archer'"
            ).fetchone()[0]

    assert strides("migrate", "-v", "0").returncode == 0
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from strides.testing.cast import build_cast; build_cast()",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr

    server = sqlite3.connect(database, isolation_level=None)
    server.execute("PRAGMA journal_mode=WAL")
    server.execute("BEGIN IMMEDIATE")
    server.execute("UPDATE pupils_pupil SET legal_forename = 'Uncommitted' WHERE legal_surname = 'Archer'")
    backup = strides("backup", str(tmp_path / "live.backup"))
    server.execute("COMMIT")
    server.close()
    assert backup.returncode == 0, backup.stderr
    assert "Backed up the SQLite database" in backup.stdout
    assert ava_name() == "Uncommitted"

    refused = strides("restore", str(tmp_path / "live.backup"))
    assert refused.returncode != 0
    assert "--yes" in refused.stderr
    assert ava_name() == "Uncommitted"

    restored = strides("restore", str(tmp_path / "live.backup"), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert ava_name() == "Ava"
