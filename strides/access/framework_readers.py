"""The framework choices that decide which framework a pupil is assessed on (ADR 12), read past
one user's scope on purpose, and why.

:func:`framework_choices_in_force` feeds ``strides.frameworks.queries.FrameworkChooser``, which
answers "which framework for this pupil, subject and day?" for the pupils its caller already
holds: the grid's and a spreadsheet's pupils (read through the gate), a judgement being recorded
(by a service). A pupil's own choice is one of the school's rules for that pupil, so the chooser
reads the school's choices whole, whoever asks; it hands back a framework for a pupil id the
caller gives, never a list of the pupils with a choice. A page that lists choices reads them
through :func:`strides.access.readers.visible_framework_assignments`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

if TYPE_CHECKING:
    from strides.frameworks.models import FrameworkAssignment, Subject


def framework_choices_in_force(
    school_id: int, subjects: Iterable[Subject], day: dt.date
) -> QuerySet[FrameworkAssignment]:
    """The school's framework choices for ``subjects`` made by ``day`` (whole school, year groups
    and single pupils), oldest first, each with its framework: for a framework chooser only (see
    the module's docstring)."""
    from strides.frameworks.models import FrameworkAssignment

    return (
        FrameworkAssignment.objects.filter(
            school_id=school_id, subject__in=list(subjects), valid_from__lte=day
        )
        .select_related("framework")
        .order_by("valid_from")
    )
