"""The demo history's framework choices and first judgements, written set-based.

:func:`write_framework_choices` writes what ``frameworks.services.assign_framework`` writes for
each choice. :func:`write_first_judgements` writes what
:func:`strides.assessment.services.bulk_judgements.record_judgements` writes when every row is a
first judgement (the demo's case: each pupil is judged once in each drop), without a model
instance and a value-by-value preparation per row:

- one :class:`~strides.assessment.models.Judgement` per row at version 1, with the point of the
  crosswalk in force on the drop's date, recorded by the actor;
- its first :class:`~strides.assessment.models.JudgementRevision`, copied from the judgement in the
  database (by the service's own ``write_first_revisions``);
- the school's part of the drop, if not started, now in progress; one audit entry for the school
  with the counts, as the service's ``finish`` makes it.

:func:`sign_off` writes what ``assessment.services.transition`` writes when every head submits and
the analyst locks a past drop.

The demo draws the levels the way the service checks them (``FrameworkChooser`` for the pupil on
the drop's date), and ``strides/demo/tests/test_bulk_paths.py`` compares a history written this
way with one written through the service, row by row. The judgement service stays the one path
for real users.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import can
from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement
from strides.assessment.services import TRANSITIONS, AssessmentError
from strides.assessment.services.bulk_judgements import write_first_revisions
from strides.audit.models import AuditAction, AuditEntry
from strides.demo.bulk import AUDIT_FIELDS, AuditRows, db_datetime, insert, next_id, reset_sequences
from strides.frameworks.models import Framework, FrameworkAssignment, Subject
from strides.frameworks.services import FrameworkError
from strides.organisations.models import School

JUDGEMENT_FIELDS = (
    "pupil", "subject", "drop", "school", "level", "point", "crosswalk", "note", "version",
    "recorded_by", "recorded_at", "withdrawn_at", "withdrawn_by", "withdrawn_reason",
)  # fmt: skip


class FirstJudgement(NamedTuple):
    pupil_id: int
    subject_id: int
    level_id: int
    note: str


def write_first_judgements(
    actor: Actor,
    drop: DataDrop,
    school_id: int,
    rows: Sequence[FirstJudgement],
    *,
    crosswalk_id: int | None,
    points: dict[int, int],
    reason: str,
) -> int:
    """Record ``rows`` (none of them judged yet in ``drop``) at the school; returns how many."""
    if not rows:
        return 0
    part = DropSchool.objects.select_related("school").get(drop=drop, school_id=school_id)
    if not part.teachers_may_edit:  # the service would refuse every row
        raise RuntimeError(f"{part.school} in {drop} is {part.status}: the demo cannot record there.")
    part.drop = drop
    now = timezone.now()
    at = db_datetime(now)
    user_id = actor.pk if getattr(actor, "pk", None) else None
    first_id = next_id(Judgement)
    made = (
        (pupil_id, subject_id, drop.pk, school_id, level_id, points.get(level_id), crosswalk_id, note,
         1, user_id, at, None, None, "")
        for pupil_id, subject_id, level_id, note in rows
    )  # fmt: skip
    insert(Judgement, JUDGEMENT_FIELDS, made)
    write_first_revisions(drop.pk, first_id, actor, now, reason[:120])
    before = part.status
    after: Any = part.status
    if part.status == DropStatus.NOT_STARTED:
        DropSchool.objects.filter(pk=part.pk).update(status=DropStatus.IN_PROGRESS, changed_at=now)
        after = DropStatus.IN_PROGRESS
    audit = AuditRows(actor, now)
    audit.add(
        AuditAction.UPDATE,
        DropSchool._meta.label,
        part.pk,
        str(part),
        school_id,
        {"status": before},
        {
            "status": after,
            "judgements_created": len(rows),
            "judgements_updated": 0,
            "judgements_unchanged": 0,
            "judgements_withdrawn": 0,
        },
        reason,
    )
    audit.write()
    return len(rows)


class Choice(NamedTuple):
    actor: Actor
    school: School
    subject: Subject
    framework: Framework
    valid_from: dt.date
    nc_year: int | None
    pupil_id: int | None


def write_framework_choices(choices: Sequence[Choice]) -> int:
    """What ``frameworks.services.assign_framework`` writes for each choice, in order: the
    assignment (a second choice with the same school, subject, year group, pupil and date changes
    the first one's framework, as ``update_or_create`` does) and its audit entry."""
    made: dict[tuple[Any, ...], FrameworkAssignment] = {}
    first = next_id(FrameworkAssignment)
    now = timezone.now()
    audits: list[AuditRows] = []
    for choice in choices:
        school, framework = choice.school, choice.framework
        if framework.trust_id not in (None, school.trust_id) or framework.school_id not in (None, school.pk):
            raise FrameworkError(f"{framework.name} is not available to {school.name}.")
        key = (school.pk, choice.subject.pk, choice.nc_year, choice.pupil_id, choice.valid_from)
        assignment = made.get(key)
        if assignment is None:
            assignment = FrameworkAssignment(
                id=first + len(made), school=school, subject=choice.subject, nc_year=choice.nc_year,
                pupil_id=choice.pupil_id, valid_from=choice.valid_from,
            )  # fmt: skip
            made[key] = assignment
        assignment.framework = framework
        assignment.created_by = choice.actor if getattr(choice.actor, "pk", None) else None
        audit = AuditRows(choice.actor, now)
        audit.add(
            AuditAction.CREATE,
            FrameworkAssignment._meta.label,
            assignment.pk,
            str(assignment),
            school.pk,
            None,
            {
                "subject": choice.subject.code,
                "framework": framework.code,
                "nc_year": choice.nc_year,
                "pupil": choice.pupil_id,
                "valid_from": choice.valid_from.isoformat(),
            },
            "",
        )
        audits.append(audit)
    FrameworkAssignment.objects.bulk_create(list(made.values()), batch_size=1000)
    insert(AuditEntry, AUDIT_FIELDS, [row for audit in audits for row in audit.rows])
    reset_sequences([FrameworkAssignment])
    return len(choices)


def sign_off(drop: DataDrop, heads: dict[int, Actor], analyst: Actor) -> None:
    """What ``assessment.services.transition`` writes when each school's head submits its part
    of ``drop`` and the trust analyst then locks it (checked as the service checks: the
    capability through the gate and the status each move is allowed from), in the order the demo
    made them: head, analyst, school by school."""
    parts = list(DropSchool.objects.filter(drop=drop).select_related("school"))  # by school name
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for part in parts:
        part.drop = drop
        status = part.status
        for actor, to in ((heads[part.school_id], DropStatus.SUBMITTED), (analyst, DropStatus.LOCKED)):
            allowed_from, capability = TRANSITIONS[to]
            if not can(actor, capability, part.school):
                raise PermissionError(f"{actor} cannot make {part.school}'s drop {to}.")
            if status not in allowed_from:
                raise AssessmentError(f"{part.school}'s {drop} is {status}: it cannot become {to}.")
            audit = AuditRows(actor, now)
            audit.add(
                AuditAction.UPDATE, DropSchool._meta.label, part.pk, str(part), part.school_id,
                {"status": status}, {"status": to}, f"drop {drop.slug}",
            )  # fmt: skip
            rows += audit.rows
            status = to
    if parts:
        DropSchool.objects.filter(pk__in=[p.pk for p in parts]).update(
            status=DropStatus.LOCKED,
            changed_by=analyst if getattr(analyst, "pk", None) else None,
            changed_at=now,
        )
    insert(AuditEntry, AUDIT_FIELDS, rows)
