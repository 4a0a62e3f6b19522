"""The gate's rule for small steps (docs/adr/0016-small-steps.md): which achievement records,
engagement observations, framework assignments and threshold conversations a user may read, who
may record in an area, and which frameworks they may use.

**Records and observations** follow the pupil's school, like judgements made there (ADR 11):

- trust-wide roles read every record of the pupils they see;
- a school's staff (school or assigned-officer reach) read the records their school made for the
  pupils they see; a teacher or teaching assistant those of their own classes' pupils, made at
  their school;
- a parent or carer reads their own child's records made at a school that has shared the child's
  progress page with them (:class:`~strides.steps.models.ProgressShare`), and nothing else;
- nobody else (aggregate roles, placing-school contacts) reads a record.

**Recording** needs ``RECORD_ASSESSMENT`` at the school, asked as staff (``as_staff``: never as a
parent), for a pupil the user sees there. A teaching assistant records only in the areas a
teacher of the pupil's class has delegated to them (:class:`~strides.steps.models.Delegation`).

**Conversations** are for the class teacher and the SENCO: the school's staff with school reach
and the teachers of the pupil's classes read them (not teaching assistants); a parent reads, of
their child's shared page, the conversations that were held (what was agreed, never who met).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from strides.access.actor import Viewer
from strides.access.gate import as_staff, can, frozen, scope_for, visible_pupils, visible_schools
from strides.accounts.roles import Capability, Role

if TYPE_CHECKING:
    from strides.organisations.models import School
    from strides.pupils.models import Pupil
    from strides.steps.models import (
        AchievementRecord,
        Conversation,
        Delegation,
        EngagementObservation,
        StepArea,
        StepAssignment,
        StepFramework,
    )


def _class_pupils_at(
    user_id: int, school_ids: frozenset[int], day: dt.date, *, teachers_only: bool
) -> QuerySet:
    from strides.classes.models import GroupMembership, StaffRole

    links = Q(group__staff_links__user_id=user_id)
    if teachers_only:
        links &= Q(group__staff_links__role=StaffRole.TEACHER)
    return GroupMembership.objects.filter(
        links,
        group__academic_year__starts_on__lte=day,
        group__academic_year__ends_on__gte=day,
        group__school_id__in=school_ids,
    )


def _school_rows(user: Viewer, day: dt.date, *, teachers_only: bool = False) -> Q:
    """Rows (with ``pupil_id`` and ``school_id``) the user reads as their school's own."""
    scope = scope_for(user)
    condition = Q(pk__in=[])
    if scope.trust_wide_pupils:
        return Q(pk__isnull=False)
    if scope.pupil_school_ids:
        condition |= Q(school_id__in=scope.pupil_school_ids)
    if scope.class_reach_school_ids and scope.user_id is not None:
        taught = _class_pupils_at(
            scope.user_id, scope.class_reach_school_ids, day, teachers_only=teachers_only
        )
        condition |= Q(
            Exists(taught.filter(pupil_id=OuterRef("pupil_id"), group__school_id=OuterRef("school_id")))
        )
    return condition


def _shared_with_parent(user: Viewer) -> Q:
    from strides.steps.models import ProgressShare

    scope = scope_for(user)
    if not scope.parent or scope.user_id is None:
        return Q(pk__in=[])
    from strides.accounts.models import ParentLink

    children = ParentLink.objects.filter(user_id=scope.user_id).values("pupil_id")
    shared = ProgressShare.objects.filter(
        pupil_id=OuterRef("pupil_id"), school_id=OuterRef("school_id"), pupil_id__in=children
    )
    return Q(Exists(shared))


def _details_flag(user: Viewer, day: dt.date, *, teachers_only: bool = False) -> Case:
    """``shows_details`` on every row: whether the user reads it as its school's staff (who recorded
    it, who met, the outcome), asked as staff (``as_staff``), so a member of staff who is also a
    parent reads their own child's rows elsewhere as a parent does. Decided row by row; a reader
    that finds no flag shows no details."""
    staff = as_staff(user)
    return Case(
        When(_school_rows(staff, day, teachers_only=teachers_only), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _readable(user: Viewer, manager: QuerySet, on: dt.date | None) -> QuerySet:
    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return manager.none()
    day = on or dt.date.today()
    rows = manager.filter(pupil_id__in=frozen(visible_pupils(user, day).values("pk")))
    return rows.filter(_school_rows(user, day) | _shared_with_parent(user)).annotate(
        shows_details=_details_flag(user, day)
    )


def shows_details(row: object) -> bool:
    """Whether a row of these readers may show staff details (fails closed without the flag)."""
    return bool(getattr(row, "shows_details", False))


def visible_achievement_records(user: Viewer, on: dt.date | None = None) -> QuerySet[AchievementRecord]:
    """The achievement records the user may read (module docstring)."""
    from strides.steps.models import AchievementRecord

    return _readable(user, AchievementRecord.objects.all(), on)


def visible_engagement_observations(
    user: Viewer, on: dt.date | None = None
) -> QuerySet[EngagementObservation]:
    """The engagement-model observations the user may read: the same rule as records."""
    from strides.steps.models import EngagementObservation

    return _readable(user, EngagementObservation.objects.all(), on)


def visible_step_assignments(user: Viewer, on: dt.date | None = None) -> QuerySet[StepAssignment]:
    """Which framework each pupil follows, for the pupils whose records the user may read."""
    from strides.steps.models import StepAssignment

    return _readable(user, StepAssignment.objects.all(), on)


def visible_conversations(user: Viewer, on: dt.date | None = None) -> QuerySet[Conversation]:
    """Threshold conversations for the school's staff with school reach and the pupil's class
    teachers (not teaching assistants); for a parent, the held ones of their child's shared page."""
    from strides.steps.models import Conversation

    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return Conversation.objects.none()
    day = on or dt.date.today()
    rows = Conversation.objects.filter(pupil_id__in=frozen(visible_pupils(user, day).values("pk")))
    parent = _shared_with_parent(user) & Q(held_on__isnull=False)
    return rows.filter(_school_rows(user, day, teachers_only=True) | parent).annotate(
        shows_details=_details_flag(user, day, teachers_only=True)
    )


def visible_delegations(user: Viewer) -> QuerySet[Delegation]:
    """Delegations of the classes the user may open."""
    from strides.access.gate import visible_classes
    from strides.steps.models import Delegation

    return Delegation.objects.filter(group__in=visible_classes(user))


def usable_step_frameworks(user: Viewer) -> QuerySet[StepFramework]:
    """Frameworks the user may read and use: the shipped examples, their trusts' shared frameworks
    (and, for trust-wide roles, the trust's drafts), and the own frameworks of schools they open."""
    from strides.steps.models import StepFramework

    scope = scope_for(user)
    if not scope.trust_ids:
        return StepFramework.objects.filter(trust__isnull=True, archived_at__isnull=True)
    trust_level = Q(trust_id__in=scope.trust_ids, school__isnull=True)
    if not (scope.trust_wide_pupils or scope.trust_wide_aggregates):
        trust_level &= Q(shared=True)
    return StepFramework.objects.filter(
        Q(trust__isnull=True) | trust_level | Q(school__in=visible_schools(user))
    ).distinct()


def on_roll_at(school: School | int, day: dt.date) -> Q:
    """Pupils on ``school``'s roll on ``day`` (a filter on pupils): only they are recorded for
    there, so a school never writes for its leaver, nor learns what their next school recorded."""
    return Q(
        Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=day),
        enrolments__school=school,
        enrolments__start_date__lte=day,
    )


def records_for(user: Viewer, school: School) -> bool:
    """Whether the user records small steps at ``school`` at all (as staff)."""
    return can(as_staff(user), Capability.RECORD_ASSESSMENT, school)


def needs_delegation(user: Viewer, school: School | int) -> bool:
    """Whether the user records at ``school`` only as a teaching assistant: then only in the areas
    delegated to them."""
    from strides.accounts.models import Membership

    scope = scope_for(user)
    if scope.trust_wide_pupils or Role.TEACHING_ASSISTANT not in scope.roles or scope.user_id is None:
        return False
    school_id = school if isinstance(school, int) else school.pk
    roles = set(
        Membership.objects.filter(user_id=scope.user_id, school_id=school_id).values_list("role", flat=True)
    )
    return roles <= {Role.TEACHING_ASSISTANT}


def delegated_areas(user: Viewer, pupil: Pupil, on: dt.date | None = None) -> QuerySet[StepArea]:
    """The areas teachers of ``pupil``'s classes (this year) delegated to the user."""
    from strides.steps.models import Delegation, StepArea

    scope = scope_for(user)
    if scope.user_id is None:
        return StepArea.objects.none()
    day = on or dt.date.today()
    delegations = Delegation.objects.filter(
        assistant_id=scope.user_id,
        group__memberships__pupil=pupil,
        group__academic_year__starts_on__lte=day,
        group__academic_year__ends_on__gte=day,
    )
    return StepArea.objects.filter(pk__in=delegations.values("area_id"))


def may_record(user: Viewer, school: School, pupil: Pupil, area: StepArea, on: dt.date | None = None) -> bool:
    """Whether the user may record ``pupil``'s small steps in ``area`` at ``school`` (module
    docstring): the capability there as staff, the pupil in their staff reach, and, for a teaching
    assistant, the area delegated to them."""
    staff = as_staff(user)
    if not can(staff, Capability.RECORD_ASSESSMENT, school):
        return False
    day = on or dt.date.today()
    if not visible_pupils(staff, day).filter(on_roll_at(school, day), pk=pupil.pk).exists():
        return False
    if needs_delegation(user, school):
        return delegated_areas(user, pupil, on).filter(pk=area.pk).exists()
    return True


def progress_page_shared(pupil: Pupil, school: School | None = None) -> bool:
    """Whether a school (``school``, or any) has shared ``pupil``'s progress page with parents."""
    from strides.steps.models import ProgressShare

    shares = ProgressShare.objects.filter(pupil=pupil)
    return (shares.filter(school=school) if school is not None else shares).exists()


# --- the trust's small-steps analytics (as strides/access/aggregates.py: by trust, never wider) ---
# Personal thresholds, similar learners and group analysis compare each pupil with the trust's
# pupils on the same framework and step: these readers feed that pool. Nobody is shown their rows:
# ``strides.steps.analysis`` narrows what it works out to the schools of a user's aggregate reach
# (and suppresses small groups) or to the pupils they see by name before a page shows anything.


def trust_records_for_analytics(trust_id: int) -> QuerySet[AchievementRecord]:
    from strides.steps.models import AchievementRecord

    return AchievementRecord.objects.filter(school__trust_id=trust_id)


def trust_assignments_for_analytics(trust_id: int) -> QuerySet[StepAssignment]:
    from strides.steps.models import StepAssignment

    return StepAssignment.objects.filter(school__trust_id=trust_id)


def trust_class_memberships_for_analytics(trust_id: int, year_id: int) -> QuerySet:
    """Who was in which class of the year, for grouping the trust's small-steps figures by class."""
    from strides.classes.models import GroupMembership

    return GroupMembership.objects.filter(group__school__trust_id=trust_id, group__academic_year_id=year_id)
