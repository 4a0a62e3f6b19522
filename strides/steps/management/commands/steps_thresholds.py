"""``manage.py steps_thresholds [--trust SLUG] [--year 2026] [--term autumn]``: compare a term's
small-step progress with every school's personal thresholds and raise the conversations (what the
trust's assessment team does from /steps/thresholds/; for a schedule at the end of each term).
Defaults: every trust, the current academic year and term. Safe to run again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from strides.organisations.models import AcademicYear, Trust
from strides.steps.queries import TERMS, current_term
from strides.steps.services.conversations import run_thresholds


class Command(BaseCommand):
    help = "Raise the term's personal-threshold conversations for small-step pupils."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--trust", metavar="SLUG", help="One trust (default: every trust).")
        parser.add_argument(
            "--year", type=int, metavar="START", help="The academic year's first calendar year."
        )
        parser.add_argument("--term", choices=TERMS, help="Default: the term now.")

    def handle(self, *args: Any, **options: Any) -> None:
        trusts = Trust.objects.order_by("name")
        if options["trust"]:
            trusts = trusts.filter(slug=options["trust"])
            if not trusts.exists():
                raise CommandError(f"There is no trust called {options['trust']!r}.", returncode=1)
        today = timezone.localdate()
        for trust in trusts:
            years = AcademicYear.objects.filter(trust=trust)
            year = (
                years.filter(start_year=options["year"]).first()
                if options["year"]
                else years.filter(starts_on__lte=today, ends_on__gte=today).first()
            )
            if year is None:
                self.stderr.write(f"{trust.name}: no academic year {options['year'] or 'now'}; skipped.")
                continue
            term = options["term"] or current_term(year, today)
            started = time.perf_counter()
            result = run_thresholds(None, trust, year, term)
            self.stdout.write(
                f"{trust.name}, {term} {year.label}: {result.compared} pupil-areas compared, "
                f"{result.raised} conversations raised ({result.already} raised before), "
                f"{time.perf_counter() - started:.1f} s."
            )
