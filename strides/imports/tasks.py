"""Background tasks for large imports (django-tasks; immediate in the test suite).

A task runs later than the upload, as nobody in particular: :func:`batches.run` checks again that
the uploader may still import pupils at the school before it reads or writes anything.
"""

from __future__ import annotations

from django_tasks import task

from strides.imports import batches
from strides.imports.models import ImportBatch


@task()
def check_batch(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("school", "uploaded_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.CHECKING:
        return batch.status
    batches.run(batch, commit=False)
    return batch.status


@task()
def import_batch(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("school", "uploaded_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.IMPORTING:
        return batch.status
    batches.run(batch, commit=True)
    return batch.status
