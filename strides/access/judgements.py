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
(the ``shows_history`` flag on every row, :func:`reads_history`); anyone else gets the level, its
point and its drop's date.

:func:`judgement_reach` is the same rule as rows, for the dashboards' frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from strides.access.actor import Viewer
from strides.access.gate import (
    Scope,
    frozen,
    kept_per_scope,
    leaver_window,
    scope_for,
    visible_enrolments,
    visible_pupils,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from strides.assessment.models import Judgement, JudgementRevision


class HistoryFlag(TypedDict):
    """What :func:`visible_judgements` adds to each row."""

    shows_history: bool


# A school's part of a drop that people outside the school may read: signed off by its head or
# locked by the trust (``DropStatus.SUBMITTED`` and ``LOCKED``). Anything else is still a draft.
RELEASED = ("submitted", "locked")


def _day(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


def _class_members(scope: Scope, day: dt.date) -> QuerySet:
    """Memberships of the classes a teacher or TA teaches this year (class reach)."""
    from strides.classes.models import GroupMembership

    if scope.user_id is None:  # no one signed in teaches no class
        return GroupMembership.objects.none()
    return GroupMembership.objects.filter(
        group__staff_links__user_id=scope.user_id,
        group__academic_year__starts_on__lte=day,
        group__academic_year__ends_on__gte=day,
        group__school_id__in=scope.class_reach_school_ids,
    )


def _made_here(user: Viewer, scope: Scope, day: dt.date) -> Q:
    """Judgements the user reads as their school's own: made at a school where they are staff
    (school or assigned reach: a pupil on its roll or a leaver within the window) or, for a
    teacher or TA, made at their school for a pupil of their classes."""
    condition = Q(pk__in=[])
    if scope.pupil_school_ids:
        staff_reach = (
            visible_enrolments(user, day)
            .order_by()
            .filter(school_id__in=scope.pupil_school_ids)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=leaver_window(day)))
        )
        condition |= Q(
            Exists(staff_reach.filter(pupil_id=OuterRef("pupil_id"), school_id=OuterRef("school_id")))
        )
    if scope.class_reach_school_ids:
        taught = _class_members(scope, day).filter(
            pupil_id=OuterRef("pupil_id"), group__school_id=OuterRef("school_id")
        )
        condition |= Q(Exists(taught))
    return condition


@kept_per_scope
def visible_judgements(
    user: Viewer, on: dt.date | None = None
) -> QuerySet[WithAnnotations[Judgement, HistoryFlag]]:
    """The judgements (in force) the user may read, by the rule in the module docstring, each
    annotated ``shows_history``: whether the user may read who recorded it, its note and its
    revisions. A serializer that finds no such flag shows none of them."""
    from strides.assessment.models import DropSchool, Judgement

    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return Judgement.objects.none().annotate(shows_history=Value(False, output_field=BooleanField()))
    day = _day(on)
    judgements = Judgement.objects.filter(pupil_id__in=frozen(visible_pupils(user, day).values("pk")))
    if scope.trust_wide_pupils:
        return judgements.annotate(shows_history=Value(True, output_field=BooleanField()))
    made_here = _made_here(user, scope, day)
    released = DropSchool.objects.filter(
        drop_id=OuterRef("drop_id"), school_id=OuterRef("school_id"), status__in=RELEASED
    )
    while_with_them = (
        visible_enrolments(user, day)
        .order_by()
        .filter(pupil_id=OuterRef("pupil_id"))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("drop__assessed_on")))
    )
    prior = Q(Exists(released)) & Q(Exists(while_with_them))
    shows_history = Case(When(made_here, then=Value(True)), default=Value(False), output_field=BooleanField())
    return judgements.filter(made_here | prior).annotate(shows_history=shows_history)


def visible_revisions(user: Viewer, on: dt.date | None = None) -> QuerySet[JudgementRevision]:
    """The revisions the user may read: those of :func:`visible_judgements` whose history they
    read (``shows_history``): trust-wide roles and the staff of the school that made the judgement."""
    from strides.assessment.models import JudgementRevision

    if not scope_for(user).sees_named_pupils:
        return JudgementRevision.objects.none()
    readable = visible_judgements(user, on).filter(shows_history=True).order_by().values("pk")
    return JudgementRevision.objects.filter(judgement_id__in=readable)


@kept_per_scope
def visible_judgement_history(user: Viewer, on: dt.date | None = None) -> QuerySet[Judgement]:
    """Every judgement row the user may read, withdrawn ones too (``Judgement.history``): those of
    :func:`visible_judgements`, and the withdrawn rows of judgements they read as their school's
    own (trust-wide roles: every one). The class grid reads its school's cells with it: an empty
    cell still carries its version, for the lost-update check. Not annotated."""
    from strides.assessment.models import Judgement

    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return Judgement.history.none()
    day = _day(on)
    rows = Judgement.history.filter(pupil_id__in=frozen(visible_pupils(user, day).values("pk")))
    if scope.trust_wide_pupils:
        return rows
    readable = visible_judgements(user, day).order_by().values("pk")
    return rows.filter(_made_here(user, scope, day) | Q(pk__in=readable))


def reads_history(user: Viewer, judgement: Judgement) -> bool:
    """Whether the user may read who recorded ``judgement``, its note and its revisions."""
    flag = getattr(judgement, "shows_history", None)
    if flag is not None:
        return bool(flag)
    return visible_judgements(user).filter(pk=judgement.pk, shows_history=True).exists()


@dataclass(frozen=True)
class JudgementReach:
    """The same rule as rows, for readers that filter a frame of judgements instead of a queryset
    (the dashboards' analytics frames, ``strides.dashboards.queries``). A judgement of pupil *p*
    made at school *s* in a drop dated *d*, whose part at *s* has status *t*, is readable when
    ``everything``, or ``(p, s)`` is in ``own`` (drafts included, history shown), or *p* is in
    ``until`` with ``until[p]`` None or on or after *d*, and *t* is in :data:`RELEASED`."""

    everything: bool = False
    own: frozenset[tuple[int, int]] = frozenset()
    until: dict[int, dt.date | None] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.until


def judgement_reach(
    user: Viewer, on: dt.date | None = None, *, pupil_ids: Iterable[int] | None = None
) -> JudgementReach:
    """:func:`visible_judgements`'s rule for the user as rows (optionally only ``pupil_ids``):
    one query (after the scope)."""
    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return JudgementReach()
    if scope.trust_wide_pupils:
        return JudgementReach(everything=True)
    day = _day(on)
    enrolments = visible_enrolments(user, day).order_by()
    if pupil_ids is not None:
        enrolments = enrolments.filter(pupil_id__in=list(pupil_ids))
    if scope.class_reach_school_ids:  # taught here: the pupil's enrolment at a school they teach
        taught = _class_members(scope, day).filter(
            pupil_id=OuterRef("pupil_id"), group__school_id=OuterRef("school_id")
        )
        enrolments = enrolments.annotate(taught=Exists(taught))
    else:
        enrolments = enrolments.annotate(taught=Value(False, output_field=BooleanField()))
    until: dict[int, dt.date | None] = {}
    own: set[tuple[int, int]] = set()
    window = leaver_window(day)
    rows = enrolments.values_list("pupil_id", "school_id", "end_date", "taught")
    for pupil_id, school_id, end, taught in rows:
        if pupil_id not in until or (until[pupil_id] is not None and (end is None or end > until[pupil_id])):
            until[pupil_id] = end
        staff = school_id in scope.pupil_school_ids and (end is None or end >= window)
        if staff or taught:
            own.add((pupil_id, school_id))
    return JudgementReach(own=frozenset(own), until=until)


def holder_name(user: Viewer | None, judgement: Judgement) -> str:
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
