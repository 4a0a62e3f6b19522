"""Working on an uploaded :class:`ImportBatch`: the check (a dry run), then the commit, both by
:func:`strides.imports.services.import_file`, so the preview and the import are the same code.
The life of a batch (background work, progress, all or nothing) is the shared
:class:`strides.imports.uploads.BatchRunner`; large files are worked on by the tasks in
:mod:`strides.imports.tasks`.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.db import transaction

from strides.access.actor import Actor
from strides.access.gate import can
from strides.accounts.roles import Capability
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.imports.models import ImportBatch
from strides.imports.records import ImportReport, RowError
from strides.imports.services import detect_kind, import_file
from strides.imports.uploads import BACKGROUND_ROWS, BatchRunner, Progress

SPREADSHEET_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")
CTF_EXTENSIONS = (".xml",)
Status = ImportBatch.Status


def kind_of(filename: str, content: bytes) -> str:
    if filename.lower().endswith(CTF_EXTENSIONS):
        return ImportBatch.Kind.CTF
    return ImportBatch.Kind.CTF if detect_kind(content) == "ctf" else ImportBatch.Kind.SPREADSHEET


def estimate_rows(kind: str, content: bytes) -> int:
    """About how many pupils the file holds, cheaply, to decide whether to work in the background."""
    if kind == ImportBatch.Kind.CTF:
        return len(re.findall(rb"<(?:\w+:)?Pupil[\s>]", content))
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        from python_calamine import CalamineWorkbook

        try:
            return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).height
        except Exception:  # an unreadable workbook: the check itself reports why, quickly
            return 0
    return content.count(b"\n")


class PupilBatchRunner(BatchRunner[ImportBatch, ImportReport]):
    model = ImportBatch
    check_task = "strides.imports.tasks.check_batch"
    import_task = "strides.imports.tasks.import_batch"

    def runs_in_background(self, batch: ImportBatch) -> bool:
        return batch.estimated_rows > BACKGROUND_ROWS  # this module's, which tests may lower

    def refusal(self, batch: ImportBatch) -> str | None:
        """A role can be taken away between the upload and a background check or import: then
        nothing is read or written."""
        if uploader_may_import(batch):
            return None
        return (
            f"The person who uploaded this file may no longer import pupils at {batch.school.name}; "
            "nothing was written."
        )

    def work(self, batch: ImportBatch, *, commit: bool, progress: Progress) -> ImportReport:
        return import_file(
            bytes(batch.content),
            kind=batch.kind,
            school=batch.school,
            actor=batch.uploaded_by,
            reason=f"import {batch.filename}",
            filename=batch.filename,
            dry_run=not commit,
            progress=progress,
            batch=batch,
        )

    def refused_report(self, batch: ImportBatch, errors: list[RowError]) -> ImportReport:
        return ImportReport(school_id=batch.school_id, errors=errors)

    def finished(self, batch: ImportBatch, before: str, report: ImportReport, *, commit: bool) -> None:
        """An import's outcome is audited (a check's is not: it wrote nothing)."""
        if not commit:
            return
        record(
            batch.uploaded_by,
            AuditAction.UPDATE,
            batch,
            before={"status": before},
            after={
                "status": batch.status,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "refused_rows": report.refused_rows,
                "errors": len(report.errors),
            },
            school_id=batch.school_id,
            reason=f"pupil import {batch.status}",
        )


RUNNER = PupilBatchRunner()


@transaction.atomic
def create_batch(user: Actor, school: Any, filename: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file for its check and import; the upload is audited (never the bytes)."""
    kind = kind_of(filename, content)
    batch = RUNNER.create(
        user, filename, content, estimated_rows=estimate_rows(kind, content), school=school, kind=kind
    )
    record(
        user,
        AuditAction.CREATE,
        batch,
        after={"filename": batch.filename, "kind": kind, "size": batch.size, "school": school.urn},
        school_id=school.pk,
        reason="pupil import uploaded",
    )
    return batch


def uploader_may_import(batch: ImportBatch) -> bool:
    """Whether the uploader still holds IMPORT_PUPILS at the batch's school."""
    user = batch.uploaded_by
    return user is not None and user.is_active and can(user, Capability.IMPORT_PUPILS, batch.school_id)


# what the pages, commands and tests call
runs_in_background = RUNNER.runs_in_background
start_check = RUNNER.start_check
start_import = RUNNER.start_import  # False when the batch is not (or no longer) ready
run = RUNNER.run
