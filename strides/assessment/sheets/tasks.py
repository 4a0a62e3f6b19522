"""Background tasks for large data-drop imports (django-tasks; immediate in the test suite).

A task runs later than the upload, as nobody in particular: it re-enters the uploader's scope and
checks again that they may still import levels into a school of the drop before it reads or
writes anything (:func:`strides.imports.uploads.run_task`).
"""

from __future__ import annotations

from django_tasks import task

from strides.access.actor import Actor
from strides.access.gate import schools_with
from strides.accounts.roles import Capability
from strides.assessment.models import DropImportBatch
from strides.assessment.sheets.batches import RUNNER
from strides.imports.uploads import run_task

RELATED = ("drop", "drop__trust", "uploaded_by")


def uploader_may_import(user: Actor | None, batch: DropImportBatch) -> str | None:
    """None while the uploader may import levels into one of the drop's schools; else why not."""
    schools = schools_with(user, Capability.IMPORT_ASSESSMENT).filter(drop_parts__drop_id=batch.drop_id)
    if schools.exists():
        return None
    return (
        f"The person who uploaded this file may no longer import levels into {batch.drop.name}; "
        "nothing was written."
    )


@task()
def check_drop_batch(batch_id: int) -> str:
    return run_task(RUNNER, batch_id, commit=False, related=RELATED, rights=uploader_may_import)


@task()
def import_drop_batch(batch_id: int) -> str:
    return run_task(RUNNER, batch_id, commit=True, related=RELATED, rights=uploader_may_import)
