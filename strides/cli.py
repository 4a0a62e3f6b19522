"""The ``strides`` console script: everything ``manage.py`` does, with hyphenated command names.

``strides import-pupils FILE`` runs the management command ``import_pupils``.

A command that cannot start because of its configuration (no ``STRIDES_SECRET_KEY`` in production
mode, which is the default; an unknown ``STRIDES_MODE``) says what to set in one line on standard
error and exits with status 2; a database that refuses (not migrated yet, not there) gets one line
and status 1. ``--traceback`` shows the whole traceback instead, as Django's own command errors do.
Production still refuses to start without its secret key: only the way it says so changes.
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured

# What to do instead, said wherever the settings stop a command outside demo, development and test
# mode: on a fresh checkout production is the default, so a first command would otherwise seem
# simply broken.
DEMO_HINT = "for the demo on this checkout run `export STRIDES_MODE=demo`"
SERVER_HINT = "for a server see docs/deployment.md"
CONFIGURATION_STATUS = 2
DATABASE_STATUS = 1


def _say(message: str) -> None:
    # One line, whatever the exception's text holds.
    sys.stderr.write("strides: " + " ".join(message.split()) + "\n")
    sys.stderr.flush()


def _hint() -> str:
    """What to set, by the mode the settings were read in; empty in the modes that need nothing."""
    raw = os.environ.get("STRIDES_MODE")
    mode = (raw or "production").strip().lower()
    if mode in {"demo", "development", "test"}:
        return ""
    if mode != "production":
        return f"{DEMO_HINT[0].upper()}{DEMO_HINT[1:]}."
    why = "STRIDES_MODE is not set, so this is production" if raw is None else "STRIDES_MODE is production"
    return f"{why}: {DEMO_HINT}; {SERVER_HINT}."


def configuration_message(problem: BaseException) -> str:
    """One line saying what is wrong with the configuration and what to set."""
    text = str(problem).strip() or type(problem).__name__
    if not isinstance(problem, ImproperlyConfigured):
        # not one of the settings' own refusals (a bad number, a missing module): no mode advice
        module = os.environ.get("DJANGO_SETTINGS_MODULE", "strides.settings")
        return f"the settings ({module}) cannot load: {type(problem).__name__}: {text}"
    text = _sentence(text)
    hint = _hint()
    return f"{text} {hint}" if hint else text


def database_message(problem: BaseException) -> str:
    """One line for a database that refused, with the likeliest cause."""
    text = _sentence(str(problem).strip() or type(problem).__name__)
    if "no such table" in text or "does not exist" in text:
        advice = "If the database is new, run `strides migrate` first"
    else:
        advice = "Check DATABASE_URL or STRIDES_VAR_DIR (docs/configuration.md)"
    return f"the database refused: {text} {advice}; add --traceback to see where."


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _load_settings() -> None:
    """Import the settings module now: Django reads it lazily, deep inside whichever command
    first needs a setting, where a missing secret key would surface as a traceback."""
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - the access is what loads the module


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    wants_traceback = "--traceback" in args[1:]

    try:
        _load_settings()
    except Exception as problem:  # any failure here is the configuration's
        if wants_traceback:
            raise
        _say(configuration_message(problem))
        raise SystemExit(CONFIGURATION_STATUS) from None

    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as problem:  # raised while the apps load (django.setup())
        if wants_traceback:
            raise
        _say(configuration_message(problem))
        raise SystemExit(CONFIGURATION_STATUS) from None
    except DatabaseError as problem:
        if wants_traceback:
            raise
        _say(database_message(problem))
        raise SystemExit(DATABASE_STATUS) from None


if __name__ == "__main__":
    main()
