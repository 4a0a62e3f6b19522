"""Background tasks for large data-drop imports (django-tasks; immediate in the test suite)."""

from __future__ import annotations

from django_tasks import task

from strides.assessment.models import DropImportBatch
from strides.assessment.sheets import batches


def _batch(batch_id: int) -> DropImportBatch:
    return DropImportBatch.objects.select_related("drop", "drop__trust", "uploaded_by").get(pk=batch_id)


@task()
def check_drop_batch(batch_id: int) -> str:
    batch = _batch(batch_id)
    if batch.status != DropImportBatch.Status.CHECKING:
        return batch.status
    batches.run(batch, commit=False)
    return batch.status


@task()
def import_drop_batch(batch_id: int) -> str:
    batch = _batch(batch_id)
    if batch.status != DropImportBatch.Status.IMPORTING:
        return batch.status
    batches.run(batch, commit=True)
    return batch.status
