"""Reads of frameworks: the subjects a trust or school uses, which framework a pupil is assessed
on, and the expected point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Q, Subquery

from strides.access.framework_readers import framework_choices_in_force
from strides.frameworks.models import (
    CommonScale,
    ExpectedPoint,
    Framework,
    Subject,
    SubjectPhase,
    TrustSubject,
)
from strides.organisations.models import Phase, SchoolType

DEFAULT_FRAMEWORK_CODE = "nc-bands"


# --- subjects ----------------------------------------------------------------------------------

# A school's phase -> the subject phase it teaches; middle and all-through schools teach both.
SCHOOL_SUBJECT_PHASE = {
    Phase.NURSERY: SubjectPhase.PRIMARY,
    Phase.PRIMARY: SubjectPhase.PRIMARY,
    Phase.SECONDARY: SubjectPhase.SECONDARY,
    Phase.SIXTEEN_PLUS: SubjectPhase.SECONDARY,
}


def school_subject_phase(school: Any) -> str:
    """The subject phase a school teaches: special schools, all-through and middle schools take
    every phase (pupils of any age, often working below their year group)."""
    if school.school_type == SchoolType.SPECIAL:
        return SubjectPhase.ALL
    return SCHOOL_SUBJECT_PHASE.get(school.phase, SubjectPhase.ALL)


def phase_fits(subject_phase: str, school: Any) -> bool:
    """Whether a trust-wide or shipped subject of ``subject_phase`` is for ``school``."""
    taught = school_subject_phase(school)
    return SubjectPhase.ALL in (subject_phase, taught) or subject_phase == taught


def applies_to(subject: Subject, school: Any) -> bool:
    """The phase rule (docs/frameworks.md, "Subjects"): a school owes a subject of a drop when the
    subject is the school's own addition, or is the trust's or shipped and its phase (as the
    trust gives it) fits the school's. Another school's addition never applies."""
    if subject.school_id is not None:
        return subject.school_id == school.pk
    return phase_fits(subject.phase, school)


def with_trust_settings(subjects: Any, trust_id: int) -> Any:
    """``subjects`` (a Subject queryset) with the trust's settings of shipped subjects annotated:
    its phase for them and when it archived them."""
    settings = TrustSubject.objects.filter(trust_id=trust_id, subject=OuterRef("pk"))
    return subjects.annotate(
        trust_phase=Subquery(settings.values("phase")[:1]),
        trust_archived_at=Subquery(settings.values("archived_at")[:1]),
    )


def as_the_trust_has_it(subject: Subject) -> Subject:
    """A subject read through :func:`with_trust_settings`, with the trust's phase and archive
    date in place of the shipped ones (never saved: services write TrustSubject rows)."""
    if subject.trust_id is None:
        subject.phase = getattr(subject, "trust_phase", None) or subject.phase
        subject.archived_at = getattr(subject, "trust_archived_at", None)
    return subject


def subjects_for(
    trust: Any, school: Any = None, *, include_archived: bool = False, every_school: bool = False
) -> list[Subject]:
    """The subjects a trust uses, by order and name: shipped ones (with the trust's phase and
    archive), the trust's own and, for ``school``, that school's additions, keeping only subjects
    whose phase fits the school; with ``every_school``, every school's additions too (a drop
    may collect them). Archived subjects only with ``include_archived``. The one read behind
    every subject picker and list. One query."""
    trust_id = getattr(trust, "pk", trust)
    mine = Q(trust__isnull=True) | Q(trust_id=trust_id, school__isnull=True)
    if every_school:
        mine |= Q(trust_id=trust_id)
    elif school is not None:
        mine |= Q(trust_id=trust_id, school_id=school.pk)
    rows = with_trust_settings(Subject.objects.filter(mine), trust_id).select_related("school")
    subjects = [as_the_trust_has_it(s) for s in rows.order_by("order", "name", "pk")]
    if not include_archived:
        subjects = [s for s in subjects if s.archived_at is None]
    if school is not None:
        subjects = [s for s in subjects if applies_to(s, school)]
    return subjects


def subjects_owed(drop: Any, schools: Iterable[Any]) -> dict[int, list[Subject]]:
    """School id -> the subjects of ``drop`` that school owes (:func:`applies_to`), by order and
    name. An archived subject a drop already collects is still owed in it. One query."""
    rows = with_trust_settings(drop.subjects.all(), drop.trust_id).order_by("order", "name", "pk")
    subjects = [as_the_trust_has_it(s) for s in rows]
    return {school.pk: [s for s in subjects if applies_to(s, school)] for school in schools}


def subjects_owed_at(drop: Any, school: Any) -> list[Subject]:
    """The subjects of ``drop`` that ``school`` owes (:func:`subjects_owed`)."""
    return subjects_owed(drop, [school])[school.pk]


class FrameworkChooser:
    """Answers "which framework for this pupil, subject and day?" for many pupils of one school
    with one query: a pupil's own choice, else their year group's, else the school's, else the
    national-curriculum bands."""

    def __init__(self, school_id: int, subjects: Iterable[Subject], day: dt.date) -> None:
        self.day = day
        rows = framework_choices_in_force(school_id, subjects, day)
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
