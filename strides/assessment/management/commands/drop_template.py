"""``strides drop-template --drop SLUG --school URN --out FILE``: a school's data-drop template
(XLSX): pupils pre-filled, a drop-down of allowed codes in every cell, instructions on a second
sheet (see docs/importing-drops.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from strides.assessment.models import DataDrop
from strides.assessment.sheets.template import TemplateError, build_template, template_pupils
from strides.organisations.models import School


class Command(BaseCommand):
    help = "Write a school's data-drop template (XLSX) with its pupils and the allowed codes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--drop", required=True, metavar="SLUG", help="The drop's slug.")
        parser.add_argument("--school", required=True, metavar="URN", help="URN of a school in the drop.")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write the .xlsx file.")

    def handle(self, *args: Any, **options: Any) -> None:
        drop = DataDrop.objects.filter(slug=options["drop"]).select_related("academic_year").first()
        if drop is None:
            raise CommandError(f"There is no drop called {options['drop']!r}.", returncode=1)
        school = School.objects.filter(urn=options["school"], trust_id=drop.trust_id).first()
        if school is None:
            raise CommandError(
                f"No school with URN {options['school']} is in {drop.name}'s trust.", returncode=1
            )
        try:
            content = build_template(drop, school)
        except TemplateError as problem:
            raise CommandError(str(problem), returncode=1) from problem
        out = Path(options["out"])
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.", returncode=1) from exc
        pupils = len(template_pupils(drop, school))
        self.stdout.write(
            f"Wrote {out}: {drop.name} for {school.name}, {pupils} pupil{'s' if pupils != 1 else ''}."
        )
