"""Transitional: the old name of :mod:`strides.web.home_figures`. Nothing imports it any more;
delete it together with its entry in strides/access/tests/known_direct_reads.py (and KNOWN_TOTAL
one lower) and the pyproject ignore_imports line that names it. Things live now in
:mod:`strides.pupils.roll` (on-roll lists and counts), :mod:`strides.small_groups` (the threshold
and the one suppression rule), :mod:`strides.classes.queries` (``staff_with_users``) and
:mod:`strides.web.home_figures` (the home and school pages' figures).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from strides.classes.queries import staff_with_users
from strides.pupils.models import Enrolment, Pupil
from strides.pupils.roll import (
    _with_details,
    attach_current,
    disadvantaged,
    on_roll_totals,
    period_as_at,
    school_summary,
    today,
)
from strides.small_groups import small_group_threshold
from strides.web.home_figures import current_academic_year, school_cards, sees_named_pupils_at, summary_view

__all__ = [
    "attach_current",
    "current_academic_year",
    "disadvantaged",
    "on_roll_totals",
    "period_as_at",
    "school_cards",
    "school_summary",
    "sees_named_pupils_at",
    "small_group_threshold",
    "staff_with_users",
    "summary_view",
    "today",
    "with_current_details",
]


def with_current_details(pupils: QuerySet[Pupil], day: dt.date) -> QuerySet[Pupil]:
    """The old form without the user: every school a listed pupil is on roll at, gate or not.
    Callers move to ``strides.pupils.roll.with_current_details(user, pupils, day)``."""
    return _with_details(pupils, day, Enrolment.objects.all())
