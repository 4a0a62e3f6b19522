"""``strides export-drop --drop SLUG --out FILE``: a drop's judgements for analysts, as XLSX or CSV
(chosen by the file's extension, or ``--format``). Text a spreadsheet would run as a formula is
neutralised (see docs/importing-drops.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strides.assessment.models import DataDrop
from strides.assessment.sheets.export import export_rows, write_csv, write_xlsx


class Command(BaseCommand):
    help = "Export a drop's judgements (every school) to XLSX or CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--drop", required=True, metavar="SLUG", help="The drop's slug.")
        parser.add_argument(
            "--out", required=True, metavar="FILE", help="Where to write the file (.xlsx or .csv)."
        )
        parser.add_argument("--format", choices=["xlsx", "csv"], help="Default: from the file's extension.")

    def handle(self, *args: Any, **options: Any) -> None:
        drop = DataDrop.objects.filter(slug=options["drop"]).select_related("trust").first()
        if drop is None:
            raise CommandError(f"There is no drop called {options['drop']!r}.", returncode=1)
        out = Path(options["out"])
        kind = options["format"] or out.suffix.lower().lstrip(".")
        if kind not in ("xlsx", "csv"):
            raise CommandError("Name the file .xlsx or .csv, or give --format.", returncode=1)
        try:
            if kind == "csv":
                with out.open("w", encoding="utf-8-sig", newline="") as handle:
                    count = write_csv(export_rows(drop), handle)
            else:
                with out.open("wb") as handle:
                    count = write_xlsx(export_rows(drop), handle)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.", returncode=1) from exc
        self.stdout.write(f"Wrote {out}: {count} judgement{'s' if count != 1 else ''} of {drop.name}.")
