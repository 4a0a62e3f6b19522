"""Background tasks for large imports (django-tasks; immediate in the test suite).

A task runs later than the upload, as nobody in particular: it re-enters the uploader's scope and
checks again that they may still import pupils at the school before it reads or writes anything
(:func:`strides.imports.uploads.run_task`, then ``PupilBatchRunner.refusal``).
"""

from __future__ import annotations

from django_tasks import task

from strides.imports.batches import RUNNER
from strides.imports.uploads import run_task

RELATED = ("school", "uploaded_by")


@task()
def check_batch(batch_id: int) -> str:
    return run_task(RUNNER, batch_id, commit=False, related=RELATED)


@task()
def import_batch(batch_id: int) -> str:
    return run_task(RUNNER, batch_id, commit=True, related=RELATED)
