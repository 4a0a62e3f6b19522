"""``strides prune-import-batches [--older-than DAYS]``: empty the stored file of every upload (pupil
imports and drop imports) older than DAYS (default 30) that was never imported. The report of its
check stays; a batch that was waiting to be imported becomes "expired". Each change is audited.
Run it daily (see docs/deployment.md, housekeeping)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strides.imports.housekeeping import prune_stale_files

DEFAULT_DAYS = 30


class Command(BaseCommand):
    help = "Remove the stored files of uploads never imported, older than --older-than days (default 30)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_DAYS,
            metavar="DAYS",
            help=f"Only uploads older than this many days (at least 1; default {DEFAULT_DAYS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than"]
        if days < 1:
            raise CommandError(f"--older-than must be a whole number of days, at least 1, not {days}.")
        pruned = prune_stale_files(older_than_days=days)
        counts = ", ".join(f"{n} {model.described_as}{'' if n == 1 else 's'}" for model, n in pruned.items())
        age = f"{days} day{'' if days == 1 else 's'}"
        self.stdout.write(f"Removed the files of uploads never imported and older than {age}: {counts}.")
