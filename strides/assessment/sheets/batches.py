"""Working on an uploaded :class:`~strides.assessment.models.DropImportBatch`: the check (a dry
run, which records the version of every judgement it saw), then the commit, which reads the same
file again and refuses any judgement whose version moved since. Both are
:func:`~strides.assessment.sheets.importer.import_drop_file`, so the preview and the import are the
same code. The life of a batch (background work, progress, all or nothing) is the shared
:class:`strides.imports.uploads.BatchRunner`; a file of more than :data:`BACKGROUND_ROWS` rows is
worked on by the tasks in :mod:`strides.assessment.sheets.tasks`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from strides.access.actor import Actor, Viewer
from strides.access.readers import visible_uploads
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
from strides.imports.uploads import BatchRunner, Progress

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv")
Status = DropImportBatch.Status
__all__ = ["BACKGROUND_ROWS", "create_batch", "run", "start_check", "start_import", "visible_batches"]


def visible_batches(user: Viewer) -> QuerySet[DropImportBatch]:
    """The user's own uploads, for drops of their trust, while they may still import somewhere."""
    return visible_uploads(user, DropImportBatch).select_related("drop", "drop__academic_year")


class DropBatchRunner(BatchRunner[DropImportBatch, DropImportReport]):
    model = DropImportBatch
    check_task = "strides.assessment.sheets.tasks.check_drop_batch"
    import_task = "strides.assessment.sheets.tasks.import_drop_batch"
    saved_fields = ("versions",)

    def runs_in_background(self, batch: DropImportBatch) -> bool:
        return batch.estimated_rows > BACKGROUND_ROWS  # this module's, which tests may lower

    def work(self, batch: DropImportBatch, *, commit: bool, progress: Progress) -> DropImportReport:
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
        if not commit and not report.errors:  # the versions the import will expect
            batch.versions = versions_to_json(versions)
        return report

    def refused_report(self, batch: DropImportBatch, errors: list[RowError]) -> DropImportReport:
        return DropImportReport(drop=batch.drop.name, errors=errors)


RUNNER = DropBatchRunner()


def create_batch(user: Actor, drop: DataDrop, filename: str, content: bytes) -> DropImportBatch:
    return RUNNER.create(user, filename, content, estimated_rows=estimate_rows(content), drop=drop)


# what the pages, commands and tests call
runs_in_background = RUNNER.runs_in_background
start_check = RUNNER.start_check
start_import = RUNNER.start_import  # False when the batch is not (or no longer) ready
run = RUNNER.run
