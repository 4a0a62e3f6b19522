"""Data drops from small steps: a pupil on a linear small-step framework appears on the common
scale without anyone entering a level twice. For each area that stands for a subject of the drop,
the pupil's current step on the drop's date and how far through it they are choose the step's
level ("S3", or "S3+" half way or more), recorded through the drop's own bulk service, so every
rule of the drop (open, on roll, in scope, the crosswalk) applies and the audit says where it
came from (docs/small-steps.md, "The common scale")."""

from __future__ import annotations

import polars as pl
from django.db.models import Q

from strides.access.actor import Actor
from strides.access.gate import as_staff, visible_pupils
from strides.analytics import small_steps as measures
from strides.assessment.models import DataDrop
from strides.assessment.services.bulk_judgements import BulkResult, JudgementRow, record_judgements
from strides.organisations.models import School
from strides.pupils.models import Pupil
from strides.steps.models import AchievementRecord, Shape, Step, StepArea, StepAssignment
from strides.steps.queries import records_of, statements_of

REASON = "small steps"


def judgement_rows(actor: Actor | None, drop: DataDrop, school: School) -> list[JudgementRow]:
    """The judgements small steps give ``school``'s pupils in ``drop`` (nothing is written)."""
    day = drop.assessed_on
    assignments = StepAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        school=school,
        starts_on__lte=day,
        framework__shape=Shape.LINEAR,
    )
    if actor is not None:
        assignments = assignments.filter(pupil__in=visible_pupils(as_staff(actor), day))
    pairs = list(assignments.values_list("pupil_id", "framework_id"))
    if not pairs:
        return []
    framework_ids = {f for _, f in pairs}
    subjects = set(drop.subjects.values_list("pk", flat=True))
    areas = {
        a.pk: a
        for a in StepArea.objects.filter(
            framework_id__in=framework_ids, subject_id__in=subjects
        ).select_related("subject", "framework")
    }
    if not areas:
        return []
    steps = {
        (s.area_id, s.number): s
        for s in Step.objects.filter(area_id__in=areas).select_related("level_within", "level_beyond_half")
    }
    records = records_of(
        # the school's own records only: a drop never carries another school's
        AchievementRecord.objects.filter(
            pupil_id__in=[p for p, _ in pairs],
            statement__area_id__in=list(areas),
            assessed_on__lte=day,
            school=school,
        )
    )
    positions = measures.area_positions(statements_of(framework_ids), records, day)
    on_framework = pl.DataFrame(
        pairs, schema={"pupil_id": pl.Int64(), "framework_id": pl.Int64()}, orient="row"
    )
    area_frameworks = pl.DataFrame(
        [(a.pk, a.framework_id) for a in areas.values()],
        schema={"area_id": pl.Int64(), "framework_id": pl.Int64()},
        orient="row",
    )
    positions = positions.join(area_frameworks, on="area_id").join(
        on_framework, on=["pupil_id", "framework_id"]
    )
    pupils = Pupil.objects.in_bulk(positions["pupil_id"].unique().to_list())
    rows: list[JudgementRow] = []
    for position in positions.sort(["pupil_id", "area_id"]).iter_rows(named=True):
        area = areas[position["area_id"]]
        step = steps.get((area.pk, position["current_step"]))
        if step is None or area.subject is None:
            continue
        level = (
            step.level_beyond_half
            if measures.half_of_step(position["current_percent"])
            else step.level_within
        )
        if level is None:
            continue
        rows.append(
            JudgementRow(
                pupil=pupils[position["pupil_id"]],
                subject=area.subject,
                level=level,
                note=None,
                field=area.name,
                school=school,
            )
        )
    return rows


def judgements_from_steps(
    actor: Actor, drop: DataDrop, school: School, *, dry_run: bool = False
) -> BulkResult:
    """Record (or preview, ``dry_run``) the drop's judgements for ``school``'s small-step pupils:
    all or nothing, refusals named, through the drop's bulk service."""
    return record_judgements(actor, drop, judgement_rows(actor, drop, school), reason=REASON, dry_run=dry_run)
