"""The demo's writer of achievement records: what
:func:`strides.steps.services.recording.record_achievements` writes, for two years of a trust's
records at once (``strides demo-data``, :mod:`strides.demo.small_steps`).

:func:`bulk` checks what the service checks, once per actor and school rather than once per save:
the actor records small steps at the school as staff and sees every pupil there, a teaching
assistant only in the areas delegated to them for the pupil's class, no date is in the future, the
statement is in use on its day and in a scored framework, the level is the framework's and the
lateral ratings are on the scale. It then writes the records (each the next version of its pupil's
statement, in date order) and one audit entry per record, as the service's ``record_many`` makes
them, in a few statements (``strides.demo.bulk``) instead of a model instance per row. The service
stays the one path for people, the API and imports; this one is for the demo builder only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from django.db.models import Max
from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import as_staff, visible_pupils
from strides.access.small_steps import delegated_areas, needs_delegation, records_for
from strides.audit.models import AuditAction
from strides.audit.services import Change, record_many, snapshot
from strides.demo.bulk import AuditRows, db_date, db_datetime, db_json, insert, next_id, reset_sequences
from strides.organisations.models import School
from strides.pupils.models import Pupil
from strides.steps.models import (
    ASPECTS,
    AchievementLevel,
    AchievementRecord,
    LateralRating,
    Statement,
    StepAssignment,
    StepFramework,
)
from strides.steps.services import StepsError, user_or_none

RECORD_FIELDS = (
    "id", "pupil", "statement", "level", "school", "assessed_on", "version", "wording_version", "note",
    "evidence_links", "independence", "fluency", "maintenance", "generalisation", "recorded_by",
    "recorded_at",
)  # fmt: skip


class DemoRecord(NamedTuple):
    """One record to write: a pupil's statement on a day, its level's code and the four lateral
    ratings (None where not rated)."""

    pupil_id: int
    statement_id: int
    level_code: str
    assessed_on: dt.date
    aspects: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)
    note: str = ""


def bulk(actor: Actor, school: School, rows: Sequence[DemoRecord], *, reason: str = "demo data") -> int:
    """Write ``rows`` as ``actor`` at ``school``, all checked first (module docstring); returns
    how many. Raises :class:`~strides.steps.services.StepsError` naming the first refusal, and
    writes nothing then."""
    if not rows:
        return 0
    today = timezone.localdate()
    if not records_for(actor, school):
        raise StepsError(f"{actor} does not record small steps at {school.name}.")
    pupil_ids = {row.pupil_id for row in rows}
    seen = set(
        visible_pupils(as_staff(actor))
        .filter(pk__in=pupil_ids, enrolments__school=school)
        .values_list("pk", flat=True)
    )
    missing = pupil_ids - seen
    if missing:
        raise StepsError(f"Pupil {min(missing)}: not a pupil {actor} records for at {school.name}.")
    pupils = Pupil.objects.in_bulk(list(pupil_ids))
    delegated: dict[int, set[int]] | None = None
    if needs_delegation(actor, school):
        delegated = {
            pk: set(delegated_areas(actor, pupil).values_list("pk", flat=True))
            for pk, pupil in pupils.items()
        }
    statements = Statement.objects.select_related("area__framework").in_bulk(
        list({row.statement_id for row in rows})
    )
    framework_ids = {s.area.framework_id for s in statements.values()}
    levels: dict[tuple[int, str], AchievementLevel] = {
        (level.framework_id, level.code.upper()): level
        for level in AchievementLevel.objects.filter(framework_id__in=framework_ids)
    }
    versions: dict[tuple[int, int], int] = {
        (p, s): v
        for p, s, v in AchievementRecord.objects.filter(
            pupil_id__in=pupil_ids, statement_id__in=list(statements)
        )
        .values("pupil_id", "statement_id")
        .annotate(top=Max("version"))
        .values_list("pupil_id", "statement_id", "top")
    }
    now = timezone.now()
    at = db_datetime(now)
    user_id = getattr(user_or_none(actor), "pk", None)
    first = next_id(AchievementRecord)
    made: list[tuple] = []
    audit = AuditRows(actor, now)
    label = AchievementRecord._meta.label
    empty_links = db_json([])
    for row in sorted(rows, key=lambda r: r.assessed_on):
        statement = statements.get(row.statement_id)
        pupil = pupils[row.pupil_id]
        where = f"{pupil}, {statement.code if statement else row.statement_id}: "
        if statement is None:
            raise StepsError(f"{where}no such statement.")
        area = statement.area
        if row.assessed_on > today:
            raise StepsError(f"{where}date {row.assessed_on:%d/%m/%Y} is in the future.")
        if delegated is not None and area.pk not in delegated.get(row.pupil_id, set()):
            raise StepsError(f"{where}{area.name} has not been delegated to {actor} for this pupil's class.")
        if not area.framework.scored:
            raise StepsError(f"{where}the engagement model is observed in words, not recorded on statements.")
        if statement.removed_on is not None and statement.removed_on <= row.assessed_on:
            raise StepsError(
                f"{where}statement {statement.code} was removed on {statement.removed_on:%d/%m/%Y}."
            )
        level = levels.get((area.framework_id, row.level_code.upper()))
        if level is None:
            raise StepsError(f"{where}level {row.level_code!r} is not a level of {area.framework.name}.")
        for name, value in zip(ASPECTS, row.aspects, strict=True):
            if value is not None and value not in LateralRating.values:
                raise StepsError(f"{where}{name.capitalize()}: {value!r} is not a rating from 1 to 5.")
        key = (row.pupil_id, row.statement_id)
        version = versions.get(key, 0) + 1
        versions[key] = version
        pk = first + len(made)
        made.append(
            (pk, row.pupil_id, row.statement_id, level.pk, school.pk, db_date(row.assessed_on), version,
             statement.wording_version, row.note, empty_links, *row.aspects, user_id, at)
        )  # fmt: skip
        after = {
            "pupil": row.pupil_id,
            "statement": row.statement_id,
            "level": level.code,
            "version": version,
            "assessed_on": row.assessed_on.isoformat(),
            **{a: v for a, v in zip(ASPECTS, row.aspects, strict=True) if v is not None},
        }
        text = f"{pupil} {statement.code}: {level.label} ({row.assessed_on:%d/%m/%Y})"
        audit.add(AuditAction.CREATE, label, pk, text, school.pk, None, after, reason)
    insert(AchievementRecord, RECORD_FIELDS, made)
    audit.write()
    reset_sequences([AchievementRecord])
    return len(made)


def assign_many(
    actor: Actor | None, school: School, framework: StepFramework, starts: Sequence[tuple[Pupil, dt.date]]
) -> list[StepAssignment]:
    """What :func:`strides.steps.services.recording.assign_framework` writes for pupils who follow
    no framework at ``school`` yet, checked as it checks: the assignments and their audit entries.
    The levels of a linear framework's subject areas (the service's ``assign_levels``) are the
    caller's: ``strides.demo.judgement_writer.write_framework_choices``."""
    if framework.trust_id not in (None, school.trust_id) or framework.school_id not in (None, school.pk):
        raise StepsError(f"Framework: {framework.name} is not available to {school.name}.")
    if framework.trust_id is not None and framework.school_id is None and not framework.shared:
        raise StepsError(f"Framework: the trust has not shared {framework.name} with its schools yet.")
    following = set(
        StepAssignment.objects.filter(
            school=school, ends_on__isnull=True, pupil_id__in=[p.pk for p, _ in starts]
        ).values_list("pupil_id", flat=True)
    )
    if following:
        raise StepsError(f"Pupil {min(following)} follows a framework at {school.name} already.")
    made = StepAssignment.objects.bulk_create(
        StepAssignment(
            pupil=pupil, school=school, framework=framework, starts_on=day, created_by=user_or_none(actor)
        )
        for pupil, day in starts
    )
    record_many(
        actor,
        (Change(AuditAction.CREATE, a, after=snapshot(a), school_id=school.pk) for a in made),
    )
    return made
