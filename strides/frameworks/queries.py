"""Reads of frameworks: which framework a pupil is assessed on, and the expected point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from strides.frameworks.models import CommonScale, ExpectedPoint, Framework, FrameworkAssignment, Subject

DEFAULT_FRAMEWORK_CODE = "nc-bands"


class FrameworkChooser:
    """Answers "which framework for this pupil, subject and day?" for many pupils of one school
    with one query: a pupil's own choice, else their year group's, else the school's, else the
    national-curriculum bands."""

    def __init__(self, school_id: int, subjects: Iterable[Subject], day: dt.date) -> None:
        self.day = day
        rows = (
            FrameworkAssignment.objects.filter(
                school_id=school_id, subject__in=list(subjects), valid_from__lte=day
            )
            .select_related("framework")
            .order_by("valid_from")
        )
        self._pupil: dict[tuple[int, int], Framework] = {}
        self._year: dict[tuple[int, int], Framework] = {}
        self._school: dict[int, Framework] = {}
        # subject -> frameworks the school has chosen for anyone in it (codes.CodeBook.others)
        self.chosen: dict[int, set[int]] = {}
        for row in rows:  # later valid_from overwrites earlier
            self.chosen.setdefault(row.subject_id, set()).add(row.framework_id)
            if row.pupil_id is not None:
                self._pupil[(row.pupil_id, row.subject_id)] = row.framework
            elif row.nc_year is not None:
                self._year[(row.nc_year, row.subject_id)] = row.framework
            else:
                self._school[row.subject_id] = row.framework
        self._default = Framework.objects.filter(code=DEFAULT_FRAMEWORK_CODE, trust=None).first()

    def framework_for(self, pupil_id: int, subject_id: int, nc_year: int | None) -> Framework | None:
        return (
            self._pupil.get((pupil_id, subject_id))
            or (self._year.get((nc_year, subject_id)) if nc_year is not None else None)
            or self._school.get(subject_id)
            or self._default
        )


def expected_point_values(scale: CommonScale) -> dict[tuple[int, str], int]:
    """(NC year, term) -> expected point value."""
    return {
        (row.nc_year, row.term): row.point.value
        for row in ExpectedPoint.objects.filter(scale=scale).select_related("point")
    }


def frameworks_available(trust_id: int, school_id: int | None = None):
    from django.db.models import Q

    available = Framework.objects.filter(Q(trust__isnull=True) | Q(trust_id=trust_id))
    if school_id is None:
        return available.filter(school__isnull=True)
    return available.filter(Q(school__isnull=True) | Q(school_id=school_id))
