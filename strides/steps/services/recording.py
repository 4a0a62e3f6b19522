"""Recording small steps: achievement records (one, a class grid's worth, or a group's), lateral
ratings, engagement observations, which framework a pupil follows, delegations to teaching
assistants and sharing a pupil's page with parents. docs/small-steps.md, "Recording".

Records are append-only, like judgements (ADR 7): a change is a new record with the next version
for the pupil and statement, and a save that names the version it was made against is refused
when someone has recorded since, so nobody's newer record is lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import as_staff, visible_pupils
from strides.access.small_steps import delegated_areas, needs_delegation, on_roll_at, records_for
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many
from strides.classes.models import StaffRole, TeachingGroup
from strides.organisations.models import School
from strides.pupils.models import Pupil
from strides.steps.models import (
    ASPECTS,
    AchievementLevel,
    AchievementRecord,
    Delegation,
    EngagementObservation,
    LateralRating,
    ProgressShare,
    Shape,
    Statement,
    StepArea,
    StepAssignment,
    StepFramework,
)
from strides.steps.services import StaleRecord, StepsError, user_or_none

MAX_EVIDENCE_LINKS = 10


@dataclass(frozen=True)
class RecordInput:
    """One record to make. ``expected_version``: the version the person saw (0: none yet), or
    None to skip the check (an import of the person's own file). ``aspects``: the lateral ratings
    given (1-5), the others left as they were."""

    pupil: Pupil
    statement: Statement
    level_code: str
    expected_version: int | None = None
    note: str = ""
    aspects: dict[str, int] = field(default_factory=dict)
    evidence_links: Sequence[str] = ()
    label: str = ""  # how a refusal names the cell: "Ava Archer, C1.3"


def check_links(links: Iterable[str], label: str = "") -> list[str]:
    cleaned = [link.strip() for link in links if link and link.strip()]
    if len(cleaned) > MAX_EVIDENCE_LINKS:
        raise StepsError(f"{label}Evidence: at most {MAX_EVIDENCE_LINKS} links, not {len(cleaned)}.")
    for link in cleaned:
        parts = urlparse(link)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise StepsError(f"{label}Evidence: {link!r} is not a web address (https://...).")
    return cleaned


def _check_aspects(aspects: dict[str, int], label: str) -> dict[str, int]:
    for name, value in aspects.items():
        if name not in ASPECTS:
            raise StepsError(f"{label}{name!r} is not an aspect of lateral progress ({', '.join(ASPECTS)}).")
        if value not in LateralRating.values:
            raise StepsError(f"{label}{name.capitalize()}: {value!r} is not a rating from 1 to 5.")
    return aspects


def _levels(framework: StepFramework) -> dict[str, AchievementLevel]:
    return {level.code.upper(): level for level in framework.achievement_levels.all()}


def level_for(levels: dict[str, AchievementLevel], code: str, label: str) -> AchievementLevel:
    level = levels.get((code or "").strip().upper())
    if level is None:
        codes = ", ".join(levels)
        raise StepsError(f"{label}Level: {code!r} is not a level of this framework ({codes}).")
    return level


@transaction.atomic
def record_achievements(
    actor: Actor,
    school: School,
    inputs: Sequence[RecordInput],
    *,
    assessed_on: dt.date | None = None,
    reason: str = "",
) -> list[AchievementRecord]:
    """Record many statements at once (a grid row, a group, an import), all or nothing: every
    refusal names the pupil and statement, and nothing is written when any is refused.

    Checked for each: the actor records at ``school`` as staff, sees the pupil there, the area is
    delegated to them if they are a teaching assistant, the statement is in use, the level is the
    framework's, the ratings are on the scale, and no one has recorded since the version seen."""
    day = assessed_on or timezone.localdate()
    if day > timezone.localdate():
        raise StepsError(f"Date: {day:%d/%m/%Y} is in the future.")
    if not inputs:
        return []
    if not records_for(actor, school):
        raise StepsError(f"You do not record small steps at {school.name}.")
    staff = as_staff(actor)
    pupil_ids = {item.pupil.pk for item in inputs}
    # on the school's roll on the day (never a leaver: ADR 16), seen by the actor as staff
    seen = set(
        visible_pupils(staff, day)
        .filter(on_roll_at(school, day), pk__in=pupil_ids)
        .values_list("pk", flat=True)
    )
    # the frameworks each pupil follows at the school that day: a statement of any other is refused
    following: dict[int, set[int]] = {}
    for pupil_id, framework_id in (
        StepAssignment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)
        .filter(school=school, pupil_id__in=pupil_ids)
        .values_list("pupil_id", "framework_id")
    ):
        following.setdefault(pupil_id, set()).add(framework_id)
    delegated: dict[int, set[int]] | None = None
    if needs_delegation(actor, school):
        by_pupil = {item.pupil.pk: item.pupil for item in inputs}
        delegated = {
            pk: set(delegated_areas(actor, pupil).values_list("pk", flat=True))
            for pk, pupil in by_pupil.items()
        }
    levels_by_framework: dict[int, dict[str, AchievementLevel]] = {}
    statement_ids = {item.statement.pk for item in inputs}
    latest = (
        AchievementRecord.objects.filter(pupil_id__in=pupil_ids, statement_id__in=statement_ids)
        .values("pupil_id", "statement_id")
        .annotate(top=Max("version"))
        .values_list("pupil_id", "statement_id", "top")
    )
    versions: dict[tuple[int, int], int] = {(p, s): v for p, s, v in latest}
    made: list[AchievementRecord] = []
    for item in inputs:
        label = f"{item.label or f'{item.pupil}, {item.statement.code}'}: "
        statement = item.statement
        area = statement.area
        framework = area.framework
        if item.pupil.pk not in seen:
            raise StepsError(f"{label}the pupil is not one you record for at {school.name}.")
        if framework.pk not in following.get(item.pupil.pk, set()):
            raise StepsError(
                f"{label}the pupil does not follow {framework.name} at {school.name} on {day:%d/%m/%Y}."
            )
        if delegated is not None and area.pk not in delegated.get(item.pupil.pk, set()):
            raise StepsError(f"{label}{area.name} has not been delegated to you for this pupil's class.")
        if not framework.scored:
            raise StepsError(f"{label}the engagement model is observed in words, not recorded on statements.")
        if statement.removed_on is not None and statement.removed_on <= day:
            raise StepsError(
                f"{label}statement {statement.code} was removed on {statement.removed_on:%d/%m/%Y}."
            )
        levels = levels_by_framework.get(framework.pk)
        if levels is None:
            levels = levels_by_framework[framework.pk] = _levels(framework)
        level = level_for(levels, item.level_code, label)
        aspects = _check_aspects(dict(item.aspects), label)
        links = check_links(item.evidence_links, label)
        current = versions.get((item.pupil.pk, statement.pk), 0)
        if item.expected_version is not None and item.expected_version != current:
            raise StaleRecord(
                f"{label}someone recorded this statement since you opened it (now version {current}, "
                f"you had {item.expected_version}). Reload to see their record.",
                current_version=current,
            )
        versions[(item.pupil.pk, statement.pk)] = current + 1
        made.append(
            AchievementRecord(
                pupil=item.pupil,
                statement=statement,
                level=level,
                school=school,
                assessed_on=day,
                version=current + 1,
                wording_version=statement.wording_version,
                note=(item.note or "").strip(),
                evidence_links=links,
                recorded_by=user_or_none(actor),
                **aspects,
            )
        )
    try:
        with transaction.atomic():
            created = AchievementRecord.objects.bulk_create(made)
    except IntegrityError as error:  # a save that raced ours to the same version
        raise StaleRecord(
            "Someone recorded one of these statements at the same moment. Reload to see their record.",
            current_version=-1,
        ) from error
    record_many(
        actor,
        (
            Change(
                AuditAction.CREATE,
                r,
                after={
                    "pupil": r.pupil_id,
                    "statement": r.statement_id,
                    "level": r.level.code,
                    "version": r.version,
                    "assessed_on": r.assessed_on.isoformat(),
                    **{a: getattr(r, a) for a in ASPECTS if getattr(r, a) is not None},
                },
                school_id=school.pk,
            )
            for r in created
        ),
        reason=reason or "small steps",
    )
    return created


def record_for_group(
    actor: Actor,
    school: School,
    statement: Statement,
    pupils: Sequence[Pupil],
    level_code: str,
    *,
    assessed_on: dt.date | None = None,
    note: str = "",
    aspects: dict[str, int] | None = None,
) -> list[AchievementRecord]:
    """One statement, several pupils at once (a group seen together): all or nothing."""
    if not pupils:
        raise StepsError("Pupils: choose at least one pupil.")
    inputs = [RecordInput(p, statement, level_code, note=note, aspects=dict(aspects or {})) for p in pupils]
    return record_achievements(actor, school, inputs, assessed_on=assessed_on, reason="small steps, group")


@transaction.atomic
def record_observation(
    actor: Actor,
    school: School,
    pupil: Pupil,
    area: StepArea,
    narrative: str,
    *,
    observed_on: dt.date | None = None,
    evidence_links: Sequence[str] = (),
) -> EngagementObservation:
    """A dated engagement-model observation in words (and evidence). It takes no score."""
    from strides.access.small_steps import may_record

    day = observed_on or timezone.localdate()
    if area.framework.shape != Shape.ENGAGEMENT:
        raise StepsError(f"Area: {area.name} is not an area of the engagement model.")
    if not (narrative or "").strip():
        raise StepsError("What you saw: an observation needs a few words.")
    if day > timezone.localdate():
        raise StepsError(f"Date: {day:%d/%m/%Y} is in the future.")
    if not may_record(actor, school, pupil, area):
        raise StepsError(f"{pupil}: you do not record {area.name} for this pupil at {school.name}.")
    observation = EngagementObservation.objects.create(
        pupil=pupil,
        area=area,
        school=school,
        observed_on=day,
        narrative=narrative.strip(),
        evidence_links=check_links(evidence_links),
        recorded_by=user_or_none(actor),
    )
    record(actor, AuditAction.CREATE, observation, school_id=school.pk)
    return observation


@transaction.atomic
def assign_framework(
    actor: Actor | None, school: School, pupil: Pupil, framework: StepFramework, starts_on: dt.date
) -> StepAssignment:
    """``pupil`` follows ``framework`` at ``school`` from ``starts_on``; a framework of the same kind
    (with statements, or the engagement model) they followed there until then ends the day before.
    For a linear framework whose areas stand for subjects, the pupil's framework for those subjects
    becomes its common-scale levels from the same day, so data drops take their judgements from the
    records (no double entry)."""
    from strides.frameworks.services import assign_framework as assign_levels
    from strides.steps.services.frameworks import ensure_common_scale_levels

    if framework.trust_id not in (None, school.trust_id) or framework.school_id not in (None, school.pk):
        raise StepsError(f"Framework: {framework.name} is not available to {school.name}.")
    if framework.trust_id is not None and framework.school_id is None and not framework.shared:
        raise StepsError(f"Framework: the trust has not shared {framework.name} with its schools yet.")
    if not Pupil.objects.filter(on_roll_at(school, starts_on), pk=pupil.pk).exists():
        raise StepsError(f"Starts: {pupil} is not on {school.name}'s roll on {starts_on:%d/%m/%Y}.")
    # a pupil follows one framework with statements at a time, and may be observed on the
    # engagement model beside it: a new framework ends the open one of its own kind
    open_here = StepAssignment.objects.filter(pupil=pupil, school=school, ends_on__isnull=True)
    if framework.shape == Shape.ENGAGEMENT:
        open_here = open_here.filter(framework__shape=Shape.ENGAGEMENT)
    else:
        open_here = open_here.exclude(framework__shape=Shape.ENGAGEMENT)
    for previous in open_here:
        if previous.framework_id == framework.pk:
            raise StepsError(
                f"{pupil} follows {framework.name} already (from {previous.starts_on:%d/%m/%Y})."
            )
        if previous.starts_on >= starts_on:
            raise StepsError(
                f"Starts: {starts_on:%d/%m/%Y} is not after {pupil}'s current framework began "
                f"({previous.starts_on:%d/%m/%Y})."
            )
        previous.ends_on = starts_on - dt.timedelta(days=1)
        previous.save(update_fields=["ends_on"])
        record(
            actor,
            AuditAction.UPDATE,
            previous,
            after={"ends_on": previous.ends_on.isoformat()},
            school_id=school.pk,
        )
    assignment = StepAssignment.objects.create(
        pupil=pupil, school=school, framework=framework, starts_on=starts_on, created_by=user_or_none(actor)
    )
    record(actor, AuditAction.CREATE, assignment, school_id=school.pk)
    if framework.shape == Shape.LINEAR and framework.trust_id is not None:
        levels = ensure_common_scale_levels(actor, framework)
        for area in framework.areas.filter(subject__isnull=False).select_related("subject"):
            if levels is not None and area.subject is not None:
                assign_levels(actor, school, area.subject, levels, starts_on, pupil=pupil)
    return assignment


@transaction.atomic
def delegate_area(
    actor: Actor, group: TeachingGroup, assistant, area: StepArea, *, delegate: bool = True
) -> None:
    """A teacher of ``group`` (or the school's leaders) lets a teaching assistant of the class record
    in ``area``, or takes it back."""
    from strides.access.gate import can
    from strides.accounts.roles import Capability

    teaches = group.staff_links.filter(user_id=actor.pk, role=StaffRole.TEACHER).exists()
    leads = can(actor, Capability.MANAGE_CLASSES, group.school)
    if not (teaches or leads):
        raise StepsError(f"Only a teacher of {group.name} or the school's leaders delegate its recording.")
    if not group.staff_links.filter(user=assistant, role=StaffRole.TEACHING_ASSISTANT).exists():
        raise StepsError(f"Assistant: {assistant} is not a teaching assistant of {group.name}.")
    if not area.framework.scored and area.framework.shape != Shape.ENGAGEMENT:
        raise StepsError(f"Area: {area.name} cannot be delegated.")
    if delegate:
        delegation, made = Delegation.objects.get_or_create(
            group=group, assistant=assistant, area=area, defaults={"delegated_by": user_or_none(actor)}
        )
        if made:
            record(actor, AuditAction.CREATE, delegation, school_id=group.school_id)
    else:
        for delegation in Delegation.objects.filter(group=group, assistant=assistant, area=area):
            record(
                actor,
                AuditAction.DELETE,
                delegation,
                before={"area": area.pk, "assistant": assistant.pk},
                school_id=group.school_id,
            )
            delegation.delete()


@transaction.atomic
def share_progress_page(actor: Actor, school: School, pupil: Pupil, *, shared: bool = True) -> None:
    """The school shares (or stops sharing) the pupil's progress page with their parents and carers."""
    if shared and not Pupil.objects.filter(on_roll_at(school, timezone.localdate()), pk=pupil.pk).exists():
        raise StepsError(f"{pupil} is not on {school.name}'s roll: only their school shares their page.")
    if shared:
        share, made = ProgressShare.objects.get_or_create(
            pupil=pupil, school=school, defaults={"shared_by": user_or_none(actor)}
        )
        if made:
            record(actor, AuditAction.CREATE, share, school_id=school.pk)
    else:
        for share in ProgressShare.objects.filter(pupil=pupil, school=school):
            record(actor, AuditAction.DELETE, share, before={"pupil": pupil.pk}, school_id=school.pk)
            share.delete()
