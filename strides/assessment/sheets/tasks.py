"""Background tasks for large data-drop imports (django-tasks; immediate in the test suite)."""

from __future__ import annotations

from django_tasks import task

from strides.assessment.sheets.batches import RUNNER
from strides.imports.uploads import run_task

RELATED = ("drop", "drop__trust", "uploaded_by")


@task()
def check_drop_batch(batch_id: int) -> str:
    return run_task(RUNNER, batch_id, commit=False, related=RELATED)


@task()
def import_drop_batch(batch_id: int) -> str:
    return run_task(RUNNER, batch_id, commit=True, related=RELATED)
