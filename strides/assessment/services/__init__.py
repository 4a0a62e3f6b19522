"""Writes of data drops and judgements. Atomic and audited; the one path used by the class grid,
the API, spreadsheet imports, the demo and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.text import slugify

from strides.access.actor import Actor
from strides.access.gate import can, visible_pupils
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
from strides.frameworks.level_codes import not_in_use
from strides.frameworks.models import CommonScale, Crosswalk, CrosswalkEntry, Framework, Level, Subject
from strides.frameworks.queries import FrameworkChooser, frameworks_available, subjects_for
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale, point_map
from strides.organisations.models import AcademicYear, School, Trust
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil


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


def editable_part(drop: DataDrop, school: School, *, lock: bool = False) -> DropSchool:
    # no Meta ordering: it would join (and on PostgreSQL lock) the school's row too
    parts = DropSchool.objects.filter(drop=drop, school=school).order_by("pk")
    if lock:
        parts = parts.select_for_update(of=("self",))
    part = parts.first()
    if part is None:
        raise AssessmentError(f"{school} is not part of {drop}.")
    if not part.teachers_may_edit:
        raise _closed(part, drop, school)
    part.drop, part.school = drop, school  # for messages and the audit entry, without a query
    return part


@dataclass(frozen=True)
class _SaveFacts:
    """What ``record_judgement`` checks before it writes, read in one query."""

    part_status: str | None  # None: the school is not part of the drop
    pupil_visible: bool
    collected: bool
    on_roll: bool
    framework_available: bool
    framework_subjects: bool  # the level's framework names subjects at all
    framework_has_subject: bool
    framework_name: str
    nc_year: int | None  # the pupil's NC year on the drop's date: their framework depends on it
    has_scale: bool
    crosswalk_id: int | None
    point_id: int | None


def _save_facts(
    actor: Actor, pupil: Pupil, subject: Subject, drop: DataDrop, school: School, level: Level
) -> _SaveFacts:
    """Every rule of a save that does not need the write lock, as one row: the pupil seen through
    the gate and on the school's roll, the subject collected in the drop, the level's framework
    usable at the school and for the subject, the school's part of the drop (checked again under
    the lock), and the common point from the crosswalk in force on the drop's date. Read before
    the saving transaction, so an SQLite writer holds the database's one write lock only for the
    lock-and-write statements (a crosswalk published in between is recorded against the version
    that was read, and shows in ``crosswalk_differences`` like any older judgement)."""
    in_force = (
        Crosswalk.objects.filter(scale__trust_id=drop.trust_id, effective_from__lte=drop.assessed_on)
        .order_by("-effective_from", "-version")
        .values("pk")[:1]
    )
    framework_subjects = Framework.subjects.through.objects.filter(framework_id=OuterRef("framework_id"))
    part = DropSchool.objects.filter(drop_id=drop.pk, school_id=school.pk).order_by()
    row = (
        Level.objects.filter(pk=level.pk)
        .annotate(
            part_status=Subquery(part.values("status")[:1]),
            pupil_visible=Exists(visible_pupils(actor).filter(pk=pupil.pk)),
            collected=Exists(
                DataDrop.subjects.through.objects.filter(datadrop_id=drop.pk, subject_id=subject.pk)
            ),
            on_roll=Exists(Enrolment.objects.filter(pupil_id=pupil.pk, school_id=school.pk)),
            framework_available=Exists(
                frameworks_available(drop.trust_id, school.pk).filter(pk=OuterRef("framework_id"))
            ),
            framework_subjects=Exists(framework_subjects),
            framework_has_subject=Exists(framework_subjects.filter(subject_id=subject.pk)),
            framework_name=F("framework__name"),
            nc_year=Subquery(
                CharacteristicsPeriod.objects.filter(pupil_id=pupil.pk, valid_from__lte=drop.assessed_on)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=drop.assessed_on))
                .order_by("-valid_from")
                .values("nc_year")[:1]
            ),
            has_scale=Exists(CommonScale.objects.filter(trust_id=drop.trust_id)),
            crosswalk_id=Subquery(in_force),
            point_id=Subquery(
                CrosswalkEntry.objects.filter(
                    level_id=OuterRef("pk"), crosswalk_id=Subquery(in_force)
                ).values("point_id")[:1]
            ),
        )
        .values(*(f.name for f in fields(_SaveFacts)))
        .first()
    )
    if row is None:
        raise AssessmentError(f"{level.code} is not a level of any framework.")
    return _SaveFacts(**row)


def _check_save(
    actor: Actor,
    pupil: Pupil,
    subject: Subject,
    drop: DataDrop,
    school: School,
    level: Level,
    in_use: Framework | None = None,
) -> _SaveFacts:
    """The rules in the order a person meets them: who may record, the drop still open, then the
    subject, the roll and the level, which must be of the framework the school's assignment gives
    the pupil in the subject (``in_use``, looked up with ``FrameworkChooser`` when not given)."""
    if not can(actor, Capability.RECORD_ASSESSMENT, school):
        raise PermissionError("You cannot record judgements for this pupil.")
    facts = _save_facts(actor, pupil, subject, drop, school, level)
    if not facts.pupil_visible:
        raise PermissionError("You cannot record judgements for this pupil.")
    if facts.part_status is None:
        raise AssessmentError(f"{school} is not part of {drop}.")
    part_as_read = DropSchool(drop=drop, school=school, status=facts.part_status)
    if not part_as_read.teachers_may_edit:
        raise _closed(part_as_read, drop, school)
    if not facts.collected:
        raise AssessmentError(f"{subject.name} is not collected in {drop}.")
    if not facts.on_roll:
        raise AssessmentError(f"{pupil} is not on {school}'s roll.")
    if not facts.framework_available:
        raise AssessmentError(f"{level.code} is not from a framework {school} can use.")
    if facts.framework_subjects and not facts.framework_has_subject:
        raise AssessmentError(f"{facts.framework_name} is not used for {subject.name}.")
    if in_use is None:  # the school's assignment for the pupil decides the framework
        chooser = FrameworkChooser(school.pk, [subject], drop.assessed_on)
        in_use = chooser.framework_for(pupil.pk, subject.pk, facts.nc_year)
    if in_use is not None and in_use.pk != level.framework_id:
        codes = list(Level.objects.filter(framework=in_use).order_by("order").values_list("code", flat=True))
        raise AssessmentError(
            not_in_use(
                level.code, facts.framework_name, in_use.name, codes, facts.nc_year, school.name, subject.name
            )
        )
    return facts


def _crosswalk_point(
    facts: _SaveFacts, drop: DataDrop, actor: Actor, level: Level
) -> tuple[int | None, int | None]:
    """(crosswalk id, point id). A trust without its common scale yet (only a drop made outside
    ``create_drop`` can be one) gets it made here, as before."""
    if facts.has_scale:
        return facts.crosswalk_id, facts.point_id
    crosswalk = crosswalk_in_force(ensure_common_scale(drop.trust, actor), drop.assessed_on)
    if crosswalk is None:
        return None, None
    entries = CrosswalkEntry.objects.filter(crosswalk=crosswalk, level=level)
    point_id = entries.values_list("point_id", flat=True).first()
    return crosswalk.pk, point_id


def record_judgement(
    actor: Actor,
    pupil: Pupil,
    subject: Subject,
    drop: DataDrop,
    school: School,
    level: Level,
    *,
    expected_version: int | None,
    note: str = "",
    reason: str = "grid",
    framework: Framework | None = None,
) -> Judgement:
    """Set a pupil's judgement. ``expected_version`` is the version the user saw (0: none yet);
    a save against an older version raises :class:`StaleJudgement` and changes nothing, unless
    the judgement already holds ``level`` and ``note``: then nothing is lost, and the current
    judgement is returned unchanged (no new version, revision or audit entry), whoever saved it.
    ``level`` must be of the pupil's framework for the subject: ``framework`` when the caller
    has just looked it up by the same rule (the grid's and the API's ``CodeBook`` reading),
    else ``FrameworkChooser``'s (docs/frameworks.md, "Typing a level").

    One query checks every rule that needs no lock (:func:`_save_facts`); then, in one
    transaction, the school's part of the drop is locked and checked again (a head may have
    submitted it meanwhile), the judgement is locked and its version compared (ADR 7), and the
    judgement, its revision and the audit entry are written."""
    facts = _check_save(actor, pupil, subject, drop, school, level, framework)
    crosswalk_id, point_id = _crosswalk_point(facts, drop, actor, level)
    user = _user(actor)
    with transaction.atomic():
        part = editable_part(drop, school, lock=True)
        current = (
            Judgement.history.select_for_update(of=("self",))
            .select_related("level")
            .filter(pupil=pupil, subject=subject, drop=drop)
            .first()
        )
        if current is None:
            if expected_version not in (None, 0):
                raise StaleJudgement(None, level)
            try:
                with transaction.atomic():
                    judgement = Judgement.objects.create(
                        pupil=pupil,
                        subject=subject,
                        drop=drop,
                        school=school,
                        level=level,
                        point_id=point_id,
                        crosswalk_id=crosswalk_id,
                        note=note,
                        recorded_by=user,
                    )
            except IntegrityError as race:
                theirs = (
                    Judgement.history.filter(pupil=pupil, subject=subject, drop=drop)
                    .select_related("level")
                    .first()
                )
                if theirs is not None:
                    check_holder(actor, theirs, school, subject)
                same = theirs is not None and (theirs.level_id, theirs.note) == (level.pk, note)
                if theirs is not None and same and theirs.withdrawn_at is None:
                    return theirs  # the same value saved first by another request: nothing lost
                raise StaleJudgement(theirs, level) from race
            before: dict[str, Any] | None = None
            level_before = None
        else:
            check_holder(actor, current, school, subject)  # before anything of it is compared or told
            withdrawn = current.withdrawn_at is not None
            # a withdrawn judgement is "nothing yet" to whoever saw it gone (0) or withdrawn (its version)
            # the value already saved, whoever saved it and whatever version was seen, is no lost
            # update: nothing to write (a save sent twice, e.g. as a page closed and again on return)
            if not withdrawn and current.level_id == level.pk and current.note == note:
                return current
            seen = {current.version, 0} if withdrawn else {current.version}
            if expected_version is not None and expected_version not in seen:
                raise StaleJudgement(None if withdrawn else current, level)
            before = {"level": current.level.code, "note": current.note, "version": current.version}
            level_before = None if withdrawn else current.level
            if withdrawn:  # re-entering a level reinstates it, as a new version
                before["withdrawn"] = True
                current.withdrawn_at, current.withdrawn_by, current.withdrawn_reason = None, None, ""
            judgement = current
            judgement.pupil, judgement.subject, judgement.drop = pupil, subject, drop
            judgement.level = level
            judgement.point_id = point_id
            judgement.crosswalk_id = crosswalk_id
            judgement.note = note
            judgement.school = school
            judgement.version = current.version + 1
            judgement.recorded_by = user
            judgement.save(
                update_fields=[
                    "level", "point", "crosswalk", "note", "school", "version", "recorded_by", "recorded_at",
                    "withdrawn_at", "withdrawn_by", "withdrawn_reason",
                ]
            )  # fmt: skip
        JudgementRevision.objects.create(
            judgement=judgement,
            version=judgement.version,
            level_before=level_before,
            level_after=level,
            point_after_id=point_id,
            note=note,
            changed_by=user,
            reason=reason[:120],
        )
        changes = [
            Change(
                AuditAction.CREATE if before is None else AuditAction.UPDATE,
                judgement,
                before,
                {"level": level.code, "note": note, "version": judgement.version},
                school.pk,
            )
        ]
        if part.status == DropStatus.NOT_STARTED:
            part.status = DropStatus.IN_PROGRESS
            part.save(update_fields=["status", "changed_at"])
            changes.append(
                Change(
                    AuditAction.UPDATE,
                    part,
                    {"status": DropStatus.NOT_STARTED},
                    {"status": DropStatus.IN_PROGRESS},
                    school.pk,
                )
            )
        record_many(actor, changes, reason=reason)
    return judgement


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
