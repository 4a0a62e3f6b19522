from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from strides.access.gate import can
from strides.accounts.models import User
from strides.accounts.roles import Capability
from strides.audit.models import AuditEntry
from strides.organisations.models import Trust

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-2026\n"


def run(*args):
    out = io.StringIO()
    call_command("create_trust", *args, stdout=out)
    return out.getvalue()


def test_creates_the_trust_and_a_trust_admin_who_can_sign_in(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD))
    output = run("Example Academy Trust", "--admin", "j.smith", "--password-stdin")
    trust = Trust.objects.get()
    assert trust.slug == "example-academy-trust"
    admin = User.objects.get(username="j.smith")
    assert admin.check_password(PASSWORD.strip())
    assert can(admin, Capability.MANAGE_SCHOOLS)
    assert "Created Example Academy Trust" in output
    assert AuditEntry.objects.filter(object_type="organisations.Trust").exists()


def test_a_weak_password_writes_nothing(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError, match="Password refused"):
        run("Example Academy Trust", "--admin", "j.smith", "--password-stdin")
    assert not Trust.objects.exists() and not User.objects.exists()


def test_a_taken_short_name_is_refused_and_nothing_is_half_written(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD))
    run("Example Academy Trust", "--admin", "j.smith", "--password-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD))
    with pytest.raises(CommandError, match="already exists"):
        run("Example Academy Trust", "--admin", "k.jones", "--password-stdin")
    assert not User.objects.filter(username="k.jones").exists()


def test_no_terminal_and_no_stdin_flag_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--password-stdin"):
        run("Example Academy Trust", "--admin", "j.smith")
