"""What ``strides import-pupils`` and ``strides import-ctf`` share: where the pupils go and running
the pupil import. Arguments, exit status and the printed report are every import command's
(:class:`strides.imports.report.FileImportCommand`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strides.imports.fields import CHANGE_LABELS, describe_value
from strides.imports.records import ImportReport, RowError, RowResult
from strides.imports.report import FileImportCommand, ReportLayout, read_file
from strides.imports.services import DestinationProblem, Kind, import_file, trust_school_by_urn


def _change(row: RowResult) -> str:
    detail = row.name
    if row.changes:
        detail += ": " + "; ".join(
            f"{CHANGE_LABELS.get(name, name)} {describe_value(name, old)} → {describe_value(name, new)}"
            for name, (old, new) in row.changes.items()
        )
    return f"{row.upn:<13}  {detail}"


PUPIL_LAYOUT = ReportLayout(
    count_width=6,
    field_heading="Field",
    field_width=20,
    change_heading=f"{'UPN':<13}  Name and changes",
    change=_change,
)


class ImportCommand(FileImportCommand):
    kind: Kind
    school_required: bool
    layout = PUPIL_LAYOUT

    def add_target_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--school",
            required=self.school_required,
            metavar="URN",
            help="URN of the trust school to import into."
            + ("" if self.school_required else " Default: the file's destination school (DestSchool)."),
        )
        parser.add_argument(
            "--stage-sen",
            action="store_true",
            help="Stage SEN changes for the school's SENCO or head to confirm, instead of applying them "
            "(for a routine MIS import by the data team).",
        )

    def run_import(self, path: str, options: dict[str, Any]) -> ImportReport:
        data = read_file(path)
        if isinstance(data, RowError):
            return ImportReport(errors=[data])
        school = None
        urn = options["school"]
        if urn is not None:
            try:
                school = trust_school_by_urn(urn)
            except DestinationProblem as problem:
                return ImportReport(errors=[RowError(None, "school", urn, str(problem))])
        return import_file(
            data,
            kind=self.kind,
            school=school,
            actor=None,
            reason=f"import {path}",
            filename=Path(path).name,
            dry_run=options["dry_run"],
            stage_sen=options["stage_sen"],
        )
