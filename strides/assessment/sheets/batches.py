"""Working on an uploaded :class:`~strides.assessment.models.DropImportBatch`: the check (a dry
run, which records the version of every judgement it saw), then the commit, which reads the same
file again and refuses any judgement whose version moved since. Both are
:func:`~strides.assessment.sheets.importer.import_drop_file`, so the preview and the import are the
same code. A file of more than :data:`BACKGROUND_ROWS` rows is worked on by the background tasks
in :mod:`strides.assessment.sheets.tasks`, which write their progress on the batch for the page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from strides.access.gate import schools_with, scope_for
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop, DropImportBatch
from strides.assessment.sheets.importer import (
    DropImportReport,
    import_drop_file,
    versions_from_json,
    versions_to_json,
)
from strides.assessment.sheets.reader import estimate_rows
from strides.imports.batches import BACKGROUND_ROWS
from strides.imports.records import RowError

logger = logging.getLogger(__name__)
EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv")
Status = DropImportBatch.Status
__all__ = ["BACKGROUND_ROWS", "create_batch", "run", "start_check", "start_import", "visible_batches"]


def visible_batches(user: Any) -> QuerySet[DropImportBatch]:
    """The user's own uploads, for drops of their trust, while they may still import somewhere."""
    if not schools_with(user, Capability.IMPORT_ASSESSMENT).exists():
        return DropImportBatch.objects.none()
    return DropImportBatch.objects.filter(
        uploaded_by=user, drop__trust_id__in=scope_for(user).trust_ids
    ).select_related("drop", "drop__academic_year")


def create_batch(user: Any, drop: DataDrop, filename: str, content: bytes) -> DropImportBatch:
    return DropImportBatch.objects.create(
        drop=drop,
        uploaded_by=user,
        filename=filename[:255],
        size=len(content),
        content=content,
        estimated_rows=estimate_rows(content),
        status=Status.CHECKING,
    )


def runs_in_background(batch: DropImportBatch) -> bool:
    return batch.estimated_rows > BACKGROUND_ROWS


def start_check(batch: DropImportBatch) -> None:
    if runs_in_background(batch):
        from strides.assessment.sheets.tasks import check_drop_batch

        transaction.on_commit(lambda: check_drop_batch.enqueue(batch.pk))
    else:
        run(batch, commit=False)


def start_import(batch: DropImportBatch) -> bool:
    """Begin importing a checked batch; False when it is not (or no longer) ready. The status is
    changed with a conditional update, so a double-click imports once."""
    claimed = DropImportBatch.objects.filter(pk=batch.pk, status=Status.READY).update(
        status=Status.IMPORTING, progress_stage="", progress_done=0, progress_total=0
    )
    if not claimed:
        return False
    batch.status = Status.IMPORTING
    if runs_in_background(batch):
        from strides.assessment.sheets.tasks import import_drop_batch

        transaction.on_commit(lambda: import_drop_batch.enqueue(batch.pk))
    else:
        run(batch, commit=True)
    return True


def run(batch: DropImportBatch, *, commit: bool) -> DropImportReport:
    """Check (``commit=False``) or import the batch and store the report on it."""
    last: dict[str, Any] = {"stage": None, "done": -1}

    def progress(stage: str, done: int, total: int) -> None:
        # a write per 500 rows or new stage: enough for the bar, cheap for the import
        if stage != last["stage"] or done - last["done"] >= 500 or done >= total:
            last.update(stage=stage, done=done)
            DropImportBatch.objects.filter(pk=batch.pk).update(
                progress_stage=stage, progress_done=done, progress_total=total
            )

    try:
        report, versions = import_drop_file(
            bytes(batch.content),
            drop=batch.drop,
            actor=batch.uploaded_by,
            filename=batch.filename,
            reason=f"import {batch.filename}",
            dry_run=not commit,
            expected_versions=versions_from_json(batch.versions) if commit else None,
            progress=progress,
            total_rows=batch.estimated_rows,
        )
    except Exception:
        logger.exception("Drop import batch %s failed", batch.pk)
        report = DropImportReport(
            drop=batch.drop.name,
            errors=[
                RowError(
                    None,
                    "file",
                    batch.filename,
                    "Something went wrong while importing; nothing was written. The error has been logged.",
                )
            ],
        )
        _finish(batch, Status.FAILED, report)
        return report
    if report.errors:
        status = Status.REFUSED
    elif commit:
        status = Status.IMPORTED
    else:
        status = Status.READY
        batch.versions = versions_to_json(versions)
    _finish(batch, status, report)
    return report


def _finish(batch: DropImportBatch, status: str, report: DropImportReport) -> None:
    batch.status = status
    batch.report = report.to_json()
    fields = ["status", "report", "versions", "updated_at"]
    if status == Status.IMPORTED:
        batch.imported_at = timezone.now()
        batch.content = b""  # the levels are in Strides now; keep no second copy of the file
        batch.versions = {}
        fields += ["imported_at", "content"]
    batch.save(update_fields=fields)
