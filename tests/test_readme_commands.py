"""The README's "Everyday commands" work when pasted, in order, into a shell after ``make demo``, and
a command run without configuration says what to set in one line, with no traceback (issue 10).

The block runs in one bash process, as a terminal would run it, in a folder laid out like the
checkout: ``.venv/bin/strides`` is this interpreter's ``strides``; ``var/`` is a copy of what
``make demo`` leaves there (``STRIDES_MODE=demo``, migrated, ``demo-data --seed 1 --scale small``),
built once per session; the checkout's files the block reads are copied in. Nothing is written to
the checkout, and the environment has none of the shell's STRIDES_, DJANGO_ or DATABASE_URL
variables, so ``make demo``'s mode comes only from the block itself.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SECTION = "## Everyday commands"
# The console script installed beside this interpreter, as `.venv/bin/strides` is in a checkout.
STRIDES = Path(sys.executable).parent / "strides"
# Folders of the checkout the block uses that the test provides itself: the virtual environment
# (a link to this one) and var/ (a copy of the demo's state), never the checkout's own.
PROVIDED = {".venv", "var"}
# The 25-school trust takes minutes to build; the test builds it at the small scale. The scale only
# chooses how many schools the same command writes, into the same fresh database.
SCALED_DOWN = ("--scale trust", "--scale small")
# A hang guard, not a timing assertion: the slowest step (demo-data) takes well under a minute.
HANG = 900

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the commands run on SQLite files of their own, as the demo does; once per suite is enough",
)


def readme_commands() -> list[str]:
    """The first ``sh`` block of the README's Everyday commands, one command a line, no comments."""
    section = README.read_text().split(SECTION, 1)[1]
    found = re.search(r"```sh\n(.*?)\n```", section, re.DOTALL)
    assert found, f"README.md has no ```sh block under {SECTION!r}"
    commands = [line.strip() for line in found.group(1).splitlines()]
    commands = [line for line in commands if line and not line.startswith("#")]
    assert not [line for line in commands if line.endswith("\\")], "one command a line, please"
    return commands


def not_run_because(command: str) -> str | None:
    if command.startswith("make "):
        # make bench takes minutes and rewrites docs/performance.md; make lint checks the checkout's
        # code. Neither touches the demo, and `make test` runs both tools anyway.
        return "make runs the project's tools on the checkout, not on the demo"
    return None


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any Strides, Django or database setting, plus ``settings``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("STRIDES_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(settings)
    return env


def strides(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(STRIDES), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=HANG,
    )


@pytest.fixture(scope="session")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ folder as `make demo` leaves it (scripts/demo.sh: migrate, then the small demo)."""
    var = tmp_path_factory.mktemp("demo-var")
    env = clean_environment(STRIDES_MODE="demo", STRIDES_VAR_DIR=str(var))
    for args in (("migrate", "--noinput", "-v", "0"), ("demo-data", "--seed", "1", "--scale", "small")):
        run = strides(*args, env=env, cwd=var)
        assert run.returncode == 0, f"strides {' '.join(args)}:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    return var


def checkout_files(commands: list[str]) -> set[str]:
    """Files of the checkout that the commands name (say, the invented benchmark table)."""
    named = set()
    for command in commands:
        for word in shlex.split(command, comments=True):
            path = Path(word)
            if path.is_absolute() or path.parts[:1] == () or path.parts[0] in PROVIDED:
                continue
            if (REPO / path).is_file():
                named.add(word)
    return named


def shell_script(commands: list[str]) -> str:
    """The commands in order, each followed by a check that stops at the first that fails."""
    lines = []
    for number, command in enumerate(commands, start=1):
        shown = shlex.quote(command)
        reason = not_run_because(command)
        if reason:
            lines.append(f"printf '\\n(not run: %s) %s\\n' {shlex.quote(reason)} {shown}")
            continue
        lines += [
            f"printf '\\n$ %s\\n' {shown}",
            command.replace(*SCALED_DOWN),
            # on a line of its own: a command's trailing comment would swallow it
            "status=$?",
            f"if [ \"$status\" -ne 0 ]; then printf 'README command {number} exited %s: %s\\n' "
            f'"$status" {shown} >&2; exit 1; fi',
        ]
    return "\n".join(lines) + "\n"


def test_the_readme_block_starts_by_choosing_the_demo_mode():
    first = readme_commands()[0]
    assert first.startswith("export STRIDES_MODE=demo"), first


def test_everyday_commands_work_as_typed_after_make_demo(demo_state: Path, tmp_path: Path):
    checkout = tmp_path / "checkout"
    bin_dir = checkout / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "strides").symlink_to(STRIDES)
    shutil.copytree(demo_state, checkout / "var")
    commands = readme_commands()
    for name in checkout_files(commands):
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, checkout / name)
    script = tmp_path / "everyday.sh"
    script.write_text(shell_script(commands))

    run = subprocess.run(
        ["bash", str(script)],
        cwd=checkout,
        # as in the checkout, where var/ is the demo's folder (settings.VAR_DIR's default)
        env=clean_environment(STRIDES_VAR_DIR=str(checkout / "var")),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=HANG,
    )

    output = f"{run.stdout[-6000:]}\n--- stderr ---\n{run.stderr[-6000:]}"
    assert run.returncode == 0, output
    assert "Traceback" not in run.stdout + run.stderr, output
    for command in commands:
        if not not_run_because(command):
            assert f"$ {command}" in run.stdout, f"never ran: {command}\n{output}"


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (None, ["Set STRIDES_SECRET_KEY", "STRIDES_MODE is not set", "export STRIDES_MODE=demo"]),
        ("production", ["Set STRIDES_SECRET_KEY", "docs/deployment.md"]),
        ("demoo", ["STRIDES_MODE must be production, demo, development or test", "'demoo'"]),
    ],
)
def test_a_command_without_configuration_says_what_to_set_in_one_line(tmp_path, mode, says):
    settings = {"STRIDES_VAR_DIR": str(tmp_path / "var")}
    if mode:
        settings["STRIDES_MODE"] = mode
    run = strides("migrate", env=clean_environment(**settings), cwd=tmp_path)

    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("strides: ")
    for words in says:
        assert words in lines[0]
    assert not (tmp_path / "var" / "strides.sqlite3").exists(), "refused before touching a database"


def test_traceback_is_there_when_asked_for(tmp_path):
    run = strides(
        "migrate",
        "--traceback",
        env=clean_environment(STRIDES_VAR_DIR=str(tmp_path / "var")),
        cwd=tmp_path,
    )
    assert run.returncode != 0
    assert "Traceback" in run.stderr
    assert "ImproperlyConfigured: Set STRIDES_SECRET_KEY" in run.stderr


def test_a_database_that_is_not_migrated_gets_one_line(tmp_path):
    run = strides(
        "api-token",
        "admin",
        env=clean_environment(STRIDES_MODE="demo", STRIDES_VAR_DIR=str(tmp_path / "var")),
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        "strides: the database refused: no such table: accounts_user. If the database is new, run "
        "`strides migrate` first; add --traceback to see where."
    ]
