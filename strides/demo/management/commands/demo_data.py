"""``strides demo-data``: load the invented demo trust."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from strides.demo.benchmark import load as load_invented_benchmark
from strides.demo.builder import DEMO_PASSWORD, build, demo_logins
from strides.demo.generator import SCALES, generate
from strides.demo.history import write_history
from strides.demo.history_plan import prepare
from strides.demo.reset import clear_strides_data
from strides.demo.small_steps import write_small_steps
from strides.organisations.models import AcademicYear, Trust


class Command(BaseCommand):
    help = (
        "Load the demo trust: invented schools, pupils, classes and one login per role, built "
        "through the same services as real data and the same for the same --seed. "
        "Scales: small = a primary, a secondary, a special school and a small AP unit (about "
        "600 pupils); trust = 25 schools (about 8,000 pupils); large = 100 schools (about "
        "40,000 pupils). Refuses a database that already has a trust unless --flush is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--scale", choices=list(SCALES), default="small", help="How big a trust (default small)."
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--flush",
            action="store_true",
            help="First delete every trust, school, pupil, class, user and audit entry.",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has a trust.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Trust.objects.order_by("pk").first()
        if existing is not None:
            if options["if_empty"]:
                self.stdout.write(f"{existing.name} is already loaded; nothing to do.")
                self._print_logins()
                return
            if not options["flush"]:
                raise CommandError(
                    f"This database already has a trust ({existing.name}). Use --flush to delete "
                    "all Strides data and load the demo in its place."
                )
        if options["flush"]:
            if settings.PRODUCTION:
                raise CommandError(
                    "--flush deletes every pupil, user and audit entry; it is refused in production "
                    "mode (STRIDES_MODE=production)."
                )
            deleted = clear_strides_data()
            self.stderr.write(f"Deleted {sum(deleted.values())} rows of Strides data.")

        today = dt.date.today()
        start_year = AcademicYear.start_year_for(today)
        # prepare: the school that joined the trust this September, for the assessment history
        plan = prepare(generate(options["seed"], options["scale"], start_year))
        with transaction.atomic():
            summary = build(plan, progress=self._progress)
            history = write_history(plan, today, progress=self._progress)
            steps = write_small_steps(plan, today, progress=self._progress)
            load_invented_benchmark(summary.trust)  # one school per phase: compare with pupils elsewhere
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {summary.trust.name} ({options['scale']}, seed {options['seed']}): "
                f"{summary.schools} schools, {summary.pupils} pupils, {summary.classes} classes, "
                f"{summary.users} people in {summary.seconds:.1f}s; {history.drops} data drops with "
                f"{history.judgements:,} judgements in {history.seconds:.1f}s; small steps for "
                f"{steps.pupils} pupils with {steps.records:,} records and {steps.conversations} "
                f"conversations in {steps.seconds:.1f}s."
            )
        )
        self._print_logins()

    def _progress(self, message: str) -> None:
        self.stderr.write(message)
        sys.stderr.flush()

    def _print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        role_width = max(len(login.role) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<{role_width}}  {login.where}")
