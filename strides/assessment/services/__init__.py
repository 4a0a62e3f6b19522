"""Writes of data drops and judgements. Atomic and audited; the one path used by the class grid,
the API, spreadsheet imports, the demo and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from strides.access.actor import Actor
from strides.access.gate import can
from strides.accounts.roles import Capability
from strides.assessment.models import (
    DataDrop,
    DropKind,
    DropSchool,
    DropStatus,
    Judgement,
    JudgementRevision,
)
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many
from strides.frameworks.models import Level, Subject
from strides.frameworks.queries import subjects_for
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale, point_map
from strides.organisations.models import AcademicYear, School, Trust


class AssessmentError(ValueError):
    """A refused change; the message is for the user."""


class DropClosed(AssessmentError):
    pass


class HeldElsewhere(PermissionError):
    """The judgement belongs to the school that recorded it (ADR 11): another school on whose
    roll the pupil also is may not overwrite or withdraw it. Names the pupil, the subject and the
    school holding it (when the user may know it), never the staff behind it."""

    def __init__(self, actor: Actor | None, judgement: Judgement, subject: Subject | None = None) -> None:
        from strides.access.judgements import holder_name

        holder = holder_name(actor, judgement)
        subject_name = (subject or judgement.subject).name
        pupil = judgement.pupil.display_name
        super().__init__(
            f"{pupil}'s {subject_name} in this drop is held by {holder}, which recorded it: "
            f"only {holder} can change or withdraw it."
        )


def check_holder(
    actor: Actor | None, judgement: Judgement, school: School | int, subject: Subject | None = None
) -> None:
    """Refuse (:class:`HeldElsewhere`) a change to ``judgement`` made at a school other than the
    one that recorded it: ADR 11, the judgement belongs to the school that recorded it."""
    school_id = school if isinstance(school, int) else school.pk
    if judgement.school_id != school_id:
        raise HeldElsewhere(actor, judgement, subject)


@dataclass
class StaleJudgement(AssessmentError):
    """Someone else saved this judgement after the version the user was looking at."""

    current: Judgement | None
    attempted: Level | None

    def __str__(self) -> str:
        if self.current is None:
            return "This judgement has changed since you loaded it. Reload and try again."
        who = self.current.recorded_by or "someone"
        changed = (
            f"{who} changed this to {self.current.level.code} at "
            f"{timezone.localtime(self.current.recorded_at):%H:%M on %d/%m/%Y} while you were editing."
        )
        if self.attempted is None:  # a withdrawal
            return f"{changed} Keep {self.current.level.code}, or withdraw it as it is now."
        return f"{changed} Keep {self.current.level.code}, or save {self.attempted.code} over it."


def _user(actor: Actor | None) -> Actor | None:
    return actor if getattr(actor, "pk", None) else None


# --- the calendar ----------------------------------------------------------------------------


@transaction.atomic
def create_drop(
    actor: Actor | None,
    trust: Trust,
    year: AcademicYear,
    *,
    name: str,
    term: str,
    opens_on: dt.date,
    deadline: dt.date,
    assessed_on: dt.date | None = None,
    subjects: Iterable[Subject] = (),
    schools: Iterable[School] = (),
    nc_years: Sequence[int] = (),
    kind: str = DropKind.TERMLY,
    slug: str = "",
) -> DataDrop:
    if deadline < opens_on:
        raise AssessmentError(
            f"The deadline {deadline:%d/%m/%Y} is before the drop opens ({opens_on:%d/%m/%Y})."
        )
    slug = slugify(slug or f"{year.label.replace('/', '-')}-{name}")[:60]
    if DataDrop.objects.filter(slug=slug).exists():
        raise AssessmentError(f"A drop called {slug!r} already exists.")
    # The scale first: it installs the shipped subjects and frameworks where they are missing.
    ensure_common_scale(trust, actor)
    offered = subjects_for(trust, every_school=True)  # the trust's active subjects
    subjects = list(subjects) or [
        s for s in offered if s.shipped and s.code in ("reading", "writing", "maths")
    ]  # the calendar's default: the core subjects the trust has not archived
    if not subjects:
        raise AssessmentError("A drop needs at least one subject.")
    refused = [s for s in subjects if s.pk not in {o.pk for o in offered}]
    if refused:
        raise AssessmentError(
            f"{', '.join(s.name for s in refused)}: not an active subject of {trust.name}, "
            "so a new drop cannot collect it."
        )
    schools = list(schools) or list(School.objects.filter(trust=trust))
    if any(s.trust_id != trust.pk for s in schools):
        raise AssessmentError("A drop can only include the trust's own schools.")
    drop = DataDrop.objects.create(
        trust=trust,
        academic_year=year,
        slug=slug,
        name=name,
        kind=kind,
        term=term,
        opens_on=opens_on,
        deadline=deadline,
        assessed_on=assessed_on or deadline,
        nc_years=sorted(set(nc_years)),
    )
    drop.subjects.set(subjects)
    DropSchool.objects.bulk_create(DropSchool(drop=drop, school=school) for school in schools)
    record(
        actor,
        AuditAction.CREATE,
        drop,
        after={
            "name": name,
            "term": term,
            "deadline": deadline.isoformat(),
            "subjects": [s.code for s in subjects],
            "schools": [s.urn for s in schools],
            "nc_years": list(nc_years),
        },
    )
    return drop


# --- drop status -----------------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[set[str], Capability]] = {
    # to: (from, capability needed at the school)
    DropStatus.SUBMITTED: (
        {DropStatus.NOT_STARTED, DropStatus.IN_PROGRESS, DropStatus.REOPENED},
        Capability.SUBMIT_DROP,
    ),
    DropStatus.LOCKED: (
        {DropStatus.NOT_STARTED, DropStatus.IN_PROGRESS, DropStatus.SUBMITTED, DropStatus.REOPENED},
        Capability.MANAGE_DROPS,
    ),
    DropStatus.REOPENED: ({DropStatus.SUBMITTED, DropStatus.LOCKED}, Capability.MANAGE_DROPS),
}


@transaction.atomic
def transition(actor: Actor, part: DropSchool, to: str, *, reason: str = "") -> DropSchool:
    """Move one school's part of a drop: submit (head), lock or reopen (trust). Audited."""
    part = DropSchool.objects.select_for_update().select_related("drop", "school").get(pk=part.pk)
    if to not in TRANSITIONS:
        raise AssessmentError(f"{to!r} is not a status a person sets.")
    allowed_from, capability = TRANSITIONS[to]
    if not can(actor, capability, part.school):
        raise PermissionError(f"You cannot make {part.school}'s drop {DropStatus(to).label.lower()}.")
    if part.status not in allowed_from:
        raise AssessmentError(
            f"{part.school}'s {part.drop} is {part.get_status_display().lower()}: "
            f"it cannot become {DropStatus(to).label.lower()}."
        )
    if to == DropStatus.REOPENED and not reason.strip():
        raise AssessmentError("Say why the drop is being reopened: the school sees the reason.")
    before = {"status": part.status}
    part.status = to
    part.changed_by = _user(actor)
    if to == DropStatus.REOPENED:
        part.reopen_reason = reason.strip()[:300]
    part.save()
    record(
        actor,
        AuditAction.UPDATE,
        part,
        before=before,
        after={"status": to, **({"reason": part.reopen_reason} if to == DropStatus.REOPENED else {})},
        school_id=part.school_id,
        reason=f"drop {part.drop.slug}",
    )
    return part


# --- judgements ------------------------------------------------------------------------------


def _closed(part: DropSchool, drop: DataDrop, school: School) -> DropClosed:
    return DropClosed(
        f"{school}'s {drop} is {part.get_status_display().lower()}: judgements can no longer be "
        "changed. Ask the trust to reopen it."
    )


def still_open(part: DropSchool | None, drop: DataDrop, school: School) -> DropSchool:
    """``part`` (the school's part of the drop, as just read), refused if missing or closed."""
    if part is None:
        raise AssessmentError(f"{school} is not part of {drop}.")
    if not part.teachers_may_edit:
        raise _closed(part, drop, school)
    part.drop, part.school = drop, school  # for messages and the audit entry, without a query
    return part


# --- crosswalk versions ----------------------------------------------------------------------


@dataclass(frozen=True)
class PointChange:
    judgement_id: int
    pupil_id: int
    subject: str
    level: str
    point_before: str | None
    point_after: str | None


def crosswalk_differences(drop: DataDrop) -> tuple[Any, list[PointChange]]:
    """The crosswalk in force for the drop and every judgement whose point it would change."""
    scale = ensure_common_scale(drop.trust)
    crosswalk = crosswalk_in_force(scale, drop.assessed_on)
    if crosswalk is None:
        return None, []
    mapping = point_map(crosswalk)
    points: dict[int | None, str] = dict(scale.points.values_list("pk", "code"))  # no point: None
    changes = []
    for j in (
        Judgement.objects.filter(drop=drop)
        .exclude(crosswalk=crosswalk)
        .select_related("subject", "level")
        .order_by("pk")
    ):
        new_point = mapping.get(j.level_id)
        if new_point != j.point_id:
            changes.append(
                PointChange(
                    j.pk,
                    j.pupil_id,
                    j.subject.code,
                    j.level.code,
                    points.get(j.point_id),
                    points.get(new_point),
                )
            )
    return crosswalk, changes


@transaction.atomic
def apply_crosswalk(actor: Actor | None, drop: DataDrop) -> int:
    """Re-derive the drop's common points from the crosswalk in force, explicitly and audited.
    Judgements whose point does not change just record the crosswalk version they now follow."""
    crosswalk, changes = crosswalk_differences(drop)
    if crosswalk is None:
        return 0
    mapping = point_map(crosswalk)
    changed_ids = {c.judgement_id for c in changes}
    judgements = list(Judgement.objects.select_for_update().filter(drop=drop).exclude(crosswalk=crosswalk))
    revisions = []
    for j in judgements:
        j.crosswalk = crosswalk
        if j.pk in changed_ids:
            j.point_id = mapping.get(j.level_id)
            j.version += 1
            revisions.append(
                JudgementRevision(
                    judgement=j,
                    version=j.version,
                    level_before=j.level,
                    level_after=j.level,
                    point_after_id=j.point_id,
                    note=j.note,
                    changed_by=_user(actor),
                    reason=f"crosswalk v{crosswalk.version} applied",
                )
            )
    Judgement.objects.bulk_update(judgements, ["crosswalk", "point", "version"], batch_size=2000)
    JudgementRevision.objects.bulk_create(revisions, batch_size=2000)
    record_many(
        actor,
        [
            Change(
                AuditAction.UPDATE,
                drop,
                {"crosswalk": "older versions"},
                {"crosswalk": crosswalk.version, "points_changed": len(changes)},
            )
        ],
        reason="crosswalk applied",
    )
    return len(changes)


# record_judgement lives in recording.py (one judgement's checks, lock and write); it is imported
# here, after everything it uses from this module, so callers keep one place to import it from.
from strides.assessment.services.recording import record_judgement as record_judgement  # noqa: E402
