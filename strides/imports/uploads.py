"""Working on an uploaded batch (:class:`~strides.imports.models.UploadBatch`), whatever it
imports: keep the file, check it (a dry run) into a report, then import it with the same code, so
the preview and the import cannot disagree. Small files are worked on during the request; larger
ones by background tasks, which write their progress on the batch for the page to poll.

Each kind of import subclasses :class:`BatchRunner` with what reading and writing its rows takes:
:mod:`strides.imports.batches` (pupils) and :mod:`strides.assessment.sheets.batches` (drop levels).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from strides.access.actor import Actor
from strides.access.gate import forget_scope
from strides.audit.models import AuditAction
from strides.audit.services import record
from strides.imports.models import UploadBatch
from strides.imports.records import Report, RowError

logger = logging.getLogger(__name__)
# Files with more rows than this are worked on in the background with a progress bar.
BACKGROUND_ROWS = 2000
# A progress write per this many rows (or a new stage): enough for the bar, cheap for the import.
PROGRESS_STEP = 500
FAILED_MESSAGE = "Something went wrong while importing; nothing was written. The error has been logged."
Status = UploadBatch.Status
Progress = Callable[[str, int, int], None]


BatchT = TypeVar("BatchT", bound=UploadBatch)
ReportT = TypeVar("ReportT", bound=Report)


class BatchRunner(Generic[BatchT, ReportT]):
    """The life of one kind of batch: create, check, import, with progress and all-or-nothing.

    A subclass names its ``model`` and its two background tasks (dotted paths, imported only when
    a large file needs them, since the task modules import the runner) and says how to do the work
    (:meth:`work`) and how to report a problem with the whole file (:meth:`refused_report`).
    """

    model: type[BatchT]
    check_task: str
    import_task: str
    # fields that :meth:`work` may change on the batch, saved with its status and report
    saved_fields: tuple[str, ...] = ()

    # --- what a kind of import provides -------------------------------------------------------

    def runs_in_background(self, batch: BatchT) -> bool:
        return batch.estimated_rows > BACKGROUND_ROWS

    def work(self, batch: BatchT, *, commit: bool, progress: Progress) -> ReportT:
        """Check (``commit=False``) or import the batch's file and return the report."""
        raise NotImplementedError

    def refused_report(self, batch: BatchT, errors: list[RowError]) -> ReportT:
        """A report of nothing done, for ``errors``."""
        raise NotImplementedError

    def refusal(self, batch: BatchT) -> str | None:
        """Why the batch may not be worked on any more (None: it may), checked before each run."""
        return None

    def finished(self, batch: BatchT, before: str, report: ReportT, *, commit: bool) -> None:
        """Called once the outcome of a run is saved (``before``: the status it ran from)."""

    # --- the shared life of a batch -----------------------------------------------------------

    def create(
        self, user: Actor, filename: str, content: bytes, *, estimated_rows: int, **owner: Any
    ) -> BatchT:
        """Keep an uploaded file for its check and import; ``owner`` names the kind's own fields."""
        return self.model.objects.create(
            uploaded_by=user,
            filename=filename[:255],
            size=len(content),
            content=content,
            estimated_rows=estimated_rows,
            status=Status.CHECKING,
            **owner,
        )

    def start_check(self, batch: BatchT) -> None:
        if self.runs_in_background(batch):
            self._enqueue(self.check_task, batch)
        else:
            self.run(batch, commit=False)

    def start_import(self, batch: BatchT) -> bool:
        """Begin importing a checked batch; False when it is not (or no longer) ready. The status
        is changed with a conditional update, so a double-click imports once."""
        claimed = self.model.objects.filter(pk=batch.pk, status=Status.READY).update(
            status=Status.IMPORTING, progress_stage="", progress_done=0, progress_total=0
        )
        if not claimed:
            return False
        batch.status = Status.IMPORTING
        if self.runs_in_background(batch):
            self._enqueue(self.import_task, batch)
        else:
            self.run(batch, commit=True)
        return True

    def run(self, batch: BatchT, *, commit: bool) -> ReportT:
        """Check (``commit=False``) or import the batch and store the report and status on it."""
        refusal = self.refusal(batch)
        if refusal is not None:
            return self.refuse(batch, refusal, commit=commit)
        try:
            report = self.work(batch, commit=commit, progress=self._progress_writer(batch))
        except Exception:
            logger.exception("%s %s failed", self.model.__name__, batch.pk)
            report = self._file_report(batch, FAILED_MESSAGE)
            self._finish(batch, Status.FAILED, report, commit=commit)
            return report
        if report.errors:
            status = Status.REFUSED
        elif commit:
            status = Status.IMPORTED
        else:
            status = Status.READY
        self._finish(batch, status, report, commit=commit)
        return report

    def refuse(self, batch: BatchT, message: str, *, commit: bool) -> ReportT:
        """Refuse the whole batch, reading nothing of it: ``message`` says why, on its page."""
        report = self._file_report(batch, message)
        self._finish(batch, Status.REFUSED, report, commit=commit)
        return report

    def _file_report(self, batch: BatchT, message: str) -> ReportT:
        return self.refused_report(batch, [RowError(None, "file", batch.filename, message)])

    def _enqueue(self, task_path: str, batch: BatchT) -> None:
        task = import_string(task_path)
        transaction.on_commit(lambda: task.enqueue(batch.pk))

    def _progress_writer(self, batch: BatchT) -> Progress:
        last: dict[str, Any] = {"stage": None, "done": -1}

        def progress(stage: str, done: int, total: int) -> None:
            if stage != last["stage"] or done - last["done"] >= PROGRESS_STEP or done >= total:
                last.update(stage=stage, done=done)
                self.model.objects.filter(pk=batch.pk).update(
                    progress_stage=stage, progress_done=done, progress_total=total
                )

        return progress

    def _finish(self, batch: BatchT, status: str, report: ReportT, *, commit: bool) -> None:
        before = batch.status
        batch.status = status
        batch.report = report.to_json()
        fields = ["status", "report", "updated_at", *self.saved_fields]
        if status == Status.IMPORTED:
            batch.imported_at = timezone.now()
            # the rows are in Strides now: keep no second copy of the file
            emptied = batch.import_only_fields()
            for name, empty in emptied.items():
                setattr(batch, name, empty)
            fields += ["imported_at", *emptied]
        batch.save(update_fields=fields)
        self.finished(batch, before, report, commit=commit)


# Why a background task will not work for the person who uploaded the file any more.
NO_UPLOADER = "The account of the person who uploaded this file has been deleted; nothing was written."
UPLOADER_OFF = "The account of the person who uploaded this file is switched off; nothing was written."
Rights = Callable[[Any, Any], "str | None"]


def uploader_refusal(batch: Any, rights: Rights | None = None) -> str | None:
    """Re-enter the scope of the person who uploaded ``batch`` (an upload of any kind), read
    afresh (never a scope cached earlier on the user object), and say why they may no longer have
    it worked on: account deleted or switched off, or ``rights(user, batch)`` (a kind's own check,
    through the gate: ``can``, ``schools_with``). None: they still may."""
    user = batch.uploaded_by
    if user is None:
        return NO_UPLOADER
    user.refresh_from_db(fields=["is_active"])
    forget_scope(user)
    if not user.is_active:
        return UPLOADER_OFF
    return rights(user, batch) if rights is not None else None


def run_task(
    runner: BatchRunner[Any, Any],
    batch_id: int,
    *,
    commit: bool,
    related: tuple[str, ...],
    rights: Rights | None = None,
) -> str:
    """The body of a background check (``commit=False``) or import: run the batch if it is still
    waiting for that, and answer its status. A task runs later than the upload, as nobody in
    particular: it re-enters the uploader's scope and re-checks their rights
    (:func:`uploader_refusal`, then the runner's :meth:`~BatchRunner.refusal`) before anything is
    read. A refusal is stored on the batch for its page, and audited."""
    batch = runner.model.objects.select_related(*related).get(pk=batch_id)
    before = batch.status
    if before != (Status.IMPORTING if commit else Status.CHECKING):
        return batch.status
    why = uploader_refusal(batch, rights) or runner.refusal(batch)
    if why is None:
        runner.run(batch, commit=commit)
        return batch.status
    with transaction.atomic():
        runner.refuse(batch, why, commit=commit)
        record(
            batch.uploaded_by,
            AuditAction.UPDATE,
            batch,
            before={"status": before},
            after={"status": batch.status, "why": why},
            school_id=getattr(batch, "school_id", None),
            reason="background work refused",
        )
    return batch.status
