"""The one rule for reading judgements (docs/adr/0011-judgements-across-rolls.md).

Every reader of judgements (the assessment API, the class grid and its "was" column, the drop
template and export, the analytics frames behind the dashboards) asks this module, built on the
scoping gate (:mod:`strides.access.gate`), which judgements a user may read and whether they may
read the people and the history behind one.

**Which judgements.** Of the pupils the user sees (``visible_pupils``):

- trust-wide roles read every judgement;
- a school's own staff (school and assigned-officer reach, a teacher or TA for their classes)
  read the judgements their school made, drafts included;
- anyone else who sees the pupil (a receiving school reading a newcomer's record, a dual
  registration's other school, a placing-school contact, a parent) reads another school's
  judgement as *prior attainment*: once that school's part of the drop is released (submitted by
  its head or locked by the trust), and only for drops dated while the pupil was with them (not
  ended before the drop's date), so a school never reads what the pupil's next school recorded.

**Who and history.** Staff names (``recorded_by``, ``withdrawn_by``), the note and the revisions
behind a judgement are read only by trust-wide roles and by the staff of the school that made it
(:func:`reads_history`); anyone else gets the level, its point and its drop's date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from strides.access.gate import scope_for, visible_enrolments, visible_pupils

if TYPE_CHECKING:
    from strides.assessment.models import Judgement

# A school's part of a drop that people outside the school may read: signed off by its head or
# locked by the trust (``DropStatus.SUBMITTED`` and ``LOCKED``). Anything else is still a draft.
RELEASED = ("submitted", "locked")


def history_school_ids(user: Any) -> frozenset[int] | None:
    """Schools whose judgements the user reads in full (staff, note, history); None: every school."""
    scope = scope_for(user)
    if scope.trust_wide_pupils:
        return None
    return scope.pupil_school_ids | scope.class_reach_school_ids


def reads_history(user: Any, judgement: Judgement) -> bool:
    """Whether the user may read who recorded ``judgement``, its note and its revisions."""
    schools = history_school_ids(user)
    return schools is None or judgement.school_id in schools


def visible_judgements(user: Any, on: dt.date | None = None) -> QuerySet[Judgement]:
    """The judgements (in force) the user may read, by the rule in the module docstring, each
    annotated ``shows_history``: whether the user may read who recorded it, its note and its
    revisions (:func:`reads_history`). A serializer that finds no such flag shows none of them."""
    from strides.assessment.models import DropSchool, Judgement

    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return Judgement.objects.none()
    judgements = Judgement.objects.filter(pupil_id__in=visible_pupils(user, on).values("pk"))
    if scope.trust_wide_pupils:
        return judgements.annotate(shows_history=Value(True, output_field=BooleanField()))
    enrolments = visible_enrolments(user, on).order_by()
    own_schools = sorted(history_school_ids(user) or ())
    made_here = Q(school_id__in=own_schools) & Q(
        Exists(enrolments.filter(pupil_id=OuterRef("pupil_id"), school_id=OuterRef("school_id")))
    )
    released = DropSchool.objects.filter(
        drop_id=OuterRef("drop_id"), school_id=OuterRef("school_id"), status__in=RELEASED
    )
    while_with_them = enrolments.filter(pupil_id=OuterRef("pupil_id")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("drop__assessed_on"))
    )
    prior = Q(Exists(released)) & Q(Exists(while_with_them))
    shows_history = Case(
        When(school_id__in=own_schools, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return judgements.filter(made_here | prior).annotate(shows_history=shows_history)


def holder_name(user: Any, judgement: Judgement) -> str:
    """How a refusal names the school holding ``judgement``: by name for trust-wide roles and the
    command line, for someone who sees the pupil there, and when the pupil is on both schools'
    rolls on the drop's date (dual registration, a placement: each school knows the other); else
    "another school", so a school never learns where its leaver went next."""
    from strides.pupils.models import Enrolment

    named = str(judgement.school)
    if user is None or scope_for(user).trust_wide_pupils:
        return named
    day = judgement.drop.assessed_on
    current = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    mine = visible_enrolments(user, day).filter(pupil_id=judgement.pupil_id)
    if mine.filter(school_id=judgement.school_id).exists():
        return named
    theirs = Enrolment.objects.filter(current, pupil_id=judgement.pupil_id, school_id=judgement.school_id)
    if theirs.exists() and mine.filter(current).exists():
        return named
    return "another school"
