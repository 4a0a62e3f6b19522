"""Working on an uploaded :class:`ImportBatch`: the check (a dry run), then the commit, both by
:func:`strides.imports.importer.import_file`, so the preview and the import are the same code.
Small files are worked on during the request; large ones by the background tasks in
:mod:`strides.imports.tasks`, which write their progress on the batch for the page to poll.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from strides.access.gate import can
from strides.accounts.roles import Capability
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.imports.importer import detect_kind, import_file
from strides.imports.models import ImportBatch
from strides.imports.records import ImportReport, RowError

logger = logging.getLogger(__name__)
# Files with more rows than this are worked on in the background with a progress bar.
BACKGROUND_ROWS = 2000
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


@transaction.atomic
def create_batch(user: Any, school: Any, filename: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file for its check and import; the upload is audited (never the bytes)."""
    kind = kind_of(filename, content)
    batch = ImportBatch.objects.create(
        school=school,
        uploaded_by=user,
        kind=kind,
        filename=filename[:255],
        size=len(content),
        content=content,
        estimated_rows=estimate_rows(kind, content),
        status=Status.CHECKING,
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
    """Whether the uploader still holds IMPORT_PUPILS at the batch's school: a role can be taken
    away between the upload and a background check or import."""
    user = batch.uploaded_by
    return user is not None and user.is_active and can(user, Capability.IMPORT_PUPILS, batch.school_id)


def runs_in_background(batch: ImportBatch) -> bool:
    return batch.estimated_rows > BACKGROUND_ROWS


def start_check(batch: ImportBatch) -> None:
    if runs_in_background(batch):
        from strides.imports.tasks import check_batch

        transaction.on_commit(lambda: check_batch.enqueue(batch.pk))
    else:
        run(batch, commit=False)


def start_import(batch: ImportBatch) -> bool:
    """Begin importing a checked batch; False when it is not (or no longer) ready. The status
    is changed with a conditional update, so a double-click imports once."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=Status.READY).update(
        status=Status.IMPORTING, progress_stage="", progress_done=0, progress_total=0
    )
    if not claimed:
        return False
    batch.status = Status.IMPORTING
    if runs_in_background(batch):
        from strides.imports.tasks import import_batch

        transaction.on_commit(lambda: import_batch.enqueue(batch.pk))
    else:
        run(batch, commit=True)
    return True


def run(batch: ImportBatch, *, commit: bool) -> ImportReport:
    """Check (``commit=False``) or import the batch and store the report on it. Refused, with
    nothing read or written, when the uploader may no longer import at the school. An import's
    outcome is audited."""
    last: dict[str, Any] = {"stage": None, "done": -1}
    if not uploader_may_import(batch):
        report = ImportReport(
            school_id=batch.school_id,
            errors=[
                RowError(
                    None,
                    "file",
                    batch.filename,
                    f"The person who uploaded this file may no longer import pupils at {batch.school.name}; "
                    "nothing was written.",
                )
            ],
        )
        _finish(batch, Status.REFUSED, report, commit=commit)
        return report

    def progress(stage: str, done: int, total: int) -> None:
        # a write per 500 rows or new stage: enough for the bar, cheap for the import
        if stage != last["stage"] or done - last["done"] >= 500 or done == total:
            last.update(stage=stage, done=done)
            ImportBatch.objects.filter(pk=batch.pk).update(
                progress_stage=stage, progress_done=done, progress_total=total
            )

    try:
        report = import_file(
            bytes(batch.content),
            kind=batch.kind,
            school=batch.school,
            actor=batch.uploaded_by,
            reason=f"import {batch.filename}",
            filename=batch.filename,
            dry_run=not commit,
            progress=progress,
        )
    except Exception:
        logger.exception("Import batch %s failed", batch.pk)
        report = ImportReport(
            school_id=batch.school_id,
            errors=[
                RowError(
                    None,
                    "file",
                    batch.filename,
                    "Something went wrong while importing; nothing was written. The error has been logged.",
                )
            ],
        )
        _finish(batch, Status.FAILED, report, commit=commit)
        return report
    if report.errors:
        status = Status.REFUSED
    elif commit:
        status = Status.IMPORTED
    else:
        status = Status.READY
    _finish(batch, status, report, commit=commit)
    return report


def _finish(batch: ImportBatch, status: str, report: ImportReport, *, commit: bool) -> None:
    before = batch.status
    batch.status = status
    batch.report = report.to_json()
    fields = ["status", "report", "updated_at"]
    if status == Status.IMPORTED:
        batch.imported_at = timezone.now()
        batch.content = b""  # the pupils are in Strides now; keep no second copy of the file
        fields += ["imported_at", "content"]
    batch.save(update_fields=fields)
    if commit:
        record(
            batch.uploaded_by,
            AuditAction.UPDATE,
            batch,
            before={"status": before},
            after={
                "status": status,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "refused_rows": report.refused_rows,
                "errors": len(report.errors),
            },
            school_id=batch.school_id,
            reason=f"pupil import {status}",
        )
