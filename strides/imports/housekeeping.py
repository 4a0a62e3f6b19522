"""Housekeeping of uploaded imports: the bytes of a file that was never imported are not kept
for ever (``strides prune-import-batches``). The report of its check stays, as the record of what
was uploaded and why it was not imported.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.imports.models import UploadBatch

Status = UploadBatch.Status

# A batch whose file is still waiting for something to be done with it becomes "expired" when its
# file is dropped; a refused or failed batch keeps its status (its report says why).
EXPIRES = {Status.CHECKING, Status.READY, Status.IMPORTING}


def upload_batch_models() -> list[type[UploadBatch]]:
    """Every kind of uploaded batch (pupil imports, drop imports), by label."""
    found = [m for m in apps.get_models() if issubclass(m, UploadBatch)]
    return sorted(found, key=lambda m: m._meta.label)


def prune_stale_files(*, older_than_days: int, actor: Actor | None = None) -> dict[type[UploadBatch], int]:
    """Empty the file (and whatever else only its import needed) of every batch uploaded more than
    ``older_than_days`` days ago and never imported; the report of its check stays. Each batch's
    change is audited. Answers how many batches of each kind lost their file.

    Each batch is changed by an update conditional on the status it was read with, so a batch
    whose import starts meanwhile keeps its file."""
    if older_than_days < 1:
        raise ValueError(f"The age must be at least 1 day, not {older_than_days}.")
    now = timezone.now()
    cutoff = now - dt.timedelta(days=older_than_days)
    pruned: dict[type[UploadBatch], int] = {}
    for model in upload_batch_models():
        stale = list(
            model.objects.filter(created_at__lt=cutoff)
            .exclude(status=Status.IMPORTED)
            .exclude(content=b"")
            .defer("report", *model.import_only_fields())
            .order_by("pk")
        )
        pruned[model] = 0
        for batch in stale:
            status = Status.EXPIRED if batch.status in EXPIRES else batch.status
            with transaction.atomic():
                emptied = model.objects.filter(pk=batch.pk, status=batch.status).update(
                    **model.import_only_fields(), status=status, updated_at=now
                )
                if not emptied:
                    continue
                record(
                    actor,
                    AuditAction.UPDATE,
                    batch,
                    before={"status": batch.status, "filename": batch.filename, "size": batch.size},
                    after={"status": status, "file": "removed"},
                    school_id=batch.school_for_audit(),
                    reason=f"file never imported, older than {older_than_days} days: removed",
                )
            pruned[model] += 1
    return pruned
