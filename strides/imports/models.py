"""Uploaded imports, kept between their preview and their commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from strides.imports.records import ImportReport


class UploadBatch(models.Model):
    """What every uploaded import keeps: the file, checked (a dry run) into ``report``, then
    committed by the same code (:class:`strides.imports.uploads.BatchRunner`).

    The file's bytes are kept only until the import is committed (or, for a file never imported,
    until ``strides prune-import-batches`` drops them); the report stays as the record of what was
    done. ``progress_*`` is written while a large file is worked on in the background.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        READY = "ready", "Ready to import"
        REFUSED = "refused", "Refused"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed"
        # never imported, and its file dropped by ``strides prune-import-batches``
        EXPIRED = "expired", "Expired"

    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content = models.BinaryField(editable=False)
    estimated_rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKING)
    report = models.JSONField(default=dict, blank=True)
    progress_stage = models.CharField(max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]

    # what one of these is, in the plural, for messages: "3 pupil imports"
    described_as = "upload"

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.CHECKING, self.Status.IMPORTING}

    def school_for_audit(self) -> int | None:
        """The school an audit entry about this batch is filed under (None: the trust's)."""
        return None

    @classmethod
    def import_only_fields(cls) -> dict[str, Any]:
        """The fields kept only for the import, each with its empty value: emptied once the batch
        is imported, or when its file is pruned."""
        return {"content": b""}


class ImportBatch(UploadBatch):
    """An uploaded pupil import (a spreadsheet or a Common Transfer File) for one school."""

    class Kind(models.TextChoices):
        SPREADSHEET = "spreadsheet", "Spreadsheet"
        CTF = "ctf", "Common Transfer File"

    school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, related_name="import_batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_batches"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    described_as = "pupil import"

    def __str__(self) -> str:
        return f"{self.filename} → {self.school_id} ({self.status})"

    def school_for_audit(self) -> int | None:
        return self.school_id

    def import_report(self) -> ImportReport:
        return ImportReport.from_json(self.report or {})
