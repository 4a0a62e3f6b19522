"""``strides import-benchmark FILE [--name NAME] [--source TEXT] [--trust SLUG] [--dry-run]``: put an
external benchmark table (CSV) in use for a trust's similar-learner percentiles, through the same
service as the benchmark page and the API (:func:`strides.dashboards.services.import_benchmark`:
atomic and audited). See docs/dashboards.md.

Exit status 0 when imported (or a clean dry run); 1 when the file is refused, naming its row, field
and value, and then nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from strides.dashboards.services import BenchmarkImportError, import_benchmark
from strides.organisations.models import Trust


class Command(BaseCommand):
    help = (
        "Use an external benchmark table (CSV: subject, phase, start_point, primary_need, gained, pupils) "
        "for a trust's similar-learner percentiles. Exit 1 if the file is refused; nothing is written then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", metavar="FILE", help="The benchmark table (CSV, UTF-8, with a header row)."
        )
        parser.add_argument(
            "--name",
            default="",
            help="What the table is, e.g. 'National 2022-2025' (default: the file's name).",
        )
        parser.add_argument("--source", default="", help="Where it came from, for the record.")
        parser.add_argument(
            "--trust",
            metavar="SLUG",
            default="",
            help="The trust's short name (needed when there are several).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        trust = self._trust(options["trust"])
        limit = settings.STRIDES_MAX_IMPORT_BYTES
        try:
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except OSError as error:
            raise CommandError(f"{path}: cannot be read ({error.strerror or error}).") from None
        try:
            benchmark = import_benchmark(
                None,  # the server's operator, on the command line
                trust,
                filename=path.name,
                data=data,
                name=options["name"] or path.stem,
                source=options["source"],
                dry_run=options["dry_run"],
            )
        except BenchmarkImportError as error:
            raise CommandError(str(error)) from None
        summary = f"{benchmark.name}: {benchmark.cells:,} rows, {benchmark.pupils:,} pupils"
        if options["dry_run"]:
            self.stdout.write(
                f"{path.name} is a good benchmark table ({summary}); dry run, nothing was written."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{trust.name} now compares percentiles with {summary}."))

    @staticmethod
    def _trust(slug: str) -> Trust:
        trusts = Trust.objects.order_by("slug")
        if slug:
            trust = trusts.filter(slug=slug).first()
            if trust is None:
                known = ", ".join(trusts.values_list("slug", flat=True)) or "none"
                raise CommandError(f"There is no trust {slug!r} (trusts: {known}).")
            return trust
        found = list(trusts[:2])
        if len(found) != 1:
            known = ", ".join(trusts.values_list("slug", flat=True)) or "none"
            raise CommandError(f"Say which trust with --trust (trusts: {known}).")
        return found[0]
