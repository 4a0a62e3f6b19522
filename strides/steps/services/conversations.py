"""Personal progress thresholds and the conversations they raise (docs/small-steps.md,
"Thresholds"). Each term, every pupil's progress in each area of a linear or matrix framework is
compared with their school's thresholds (default: below 2% or above 20% of a step, the example
trust's own policy); a crossing raises one conversation for the class teacher and SENCO, who
record who met, when, what was agreed and a follow-up date, and close it with its outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from strides.access.actor import Actor
from strides.analytics import small_steps as measures
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many
from strides.organisations.models import AcademicYear, School, Trust
from strides.steps.models import (
    AchievementRecord,
    AgreedAction,
    Conversation,
    Shape,
    StepArea,
    StepAssignment,
    ThresholdPolicy,
)
from strides.steps.queries import records_of, statements_of, term_window
from strides.steps.services import StepsError, user_or_none

DEFAULT = measures.Thresholds()


def _percent(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError) as error:
        raise StepsError(f"{field}: {value!r} is not a number.") from error
    if not Decimal("-100") <= number <= Decimal("500"):
        raise StepsError(f"{field}: {value!r} is not a % of a step between -100 and 500.")
    return number


@transaction.atomic
def set_thresholds(
    actor: Actor | None, school: School, below: object, above: object, *, framework=None
) -> ThresholdPolicy:
    """The school's thresholds, for all its frameworks or (``framework``) one."""
    low, high = _percent(below, "Below"), _percent(above, "Above")
    if low >= high:
        raise StepsError(f"Below: {low}% must be under above ({high}%).")
    policy, _ = ThresholdPolicy.objects.update_or_create(
        school=school, framework=framework, defaults={"below_percent": low, "above_percent": high}
    )
    record(actor, AuditAction.UPDATE, policy, school_id=school.pk)
    return policy


def thresholds_for(school_ids: set[int]) -> dict[tuple[int, int | None], measures.Thresholds]:
    """(school, framework or None) -> thresholds, for the schools given."""
    return {
        (p.school_id, p.framework_id): measures.Thresholds(float(p.below_percent), float(p.above_percent))
        for p in ThresholdPolicy.objects.filter(school_id__in=school_ids)
    }


@dataclass(frozen=True)
class ThresholdRun:
    compared: int  # pupil-areas compared
    raised: int  # conversations raised now
    already: int  # crossings that had a conversation this term already


def term_progress(
    trust: Trust, year: AcademicYear, term: str, school_ids: set[int] | None = None
) -> pl.DataFrame:
    """Every pupil-area's progress in the term, for the pupils on a linear or matrix framework
    during it: ``pupil_id, area_id, framework_id, school_id, progress_percent, lateral_gains,
    statements_gained, current_step, start_step`` and the thresholds ``below``, ``above``."""
    window = term_window(year, term)
    assignments = StepAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=window.starts),
        school__trust=trust,
        starts_on__lte=window.ends,
        framework__shape__in=[Shape.LINEAR, Shape.MATRIX],
    )
    if school_ids is not None:
        assignments = assignments.filter(school_id__in=school_ids)
    pairs = pl.DataFrame(
        list(assignments.values_list("pupil_id", "framework_id", "school_id")),
        schema={"pupil_id": pl.Int64(), "framework_id": pl.Int64(), "school_id": pl.Int64()},
        orient="row",
    ).unique(["pupil_id", "framework_id"], keep="last")
    empty = pl.DataFrame()
    if pairs.is_empty():
        return empty
    framework_ids = set(pairs["framework_id"].to_list())
    statements = statements_of(framework_ids)
    records = records_of(
        AchievementRecord.objects.filter(
            school__trust=trust,
            statement__area__framework_id__in=framework_ids,
            assessed_on__lte=window.ends,
            pupil_id__in=assignments.values("pupil_id"),
        )
    )
    progress = measures.progress_between(statements, records, window.starts, window.ends)
    start = measures.area_positions(statements, records, window.starts).select(
        "pupil_id", "area_id", pl.col("current_step").alias("start_step")
    )
    areas = pl.DataFrame(
        list(StepArea.objects.filter(framework_id__in=framework_ids).values_list("pk", "framework_id")),
        schema={"area_id": pl.Int64(), "framework_id": pl.Int64()},
        orient="row",
    )
    joined = (
        progress.join(areas, on="area_id")
        .join(pairs, on=["pupil_id", "framework_id"], how="inner")
        .join(start, on=["pupil_id", "area_id"], how="left")
    )
    policies = thresholds_for(set(joined["school_id"].unique().to_list()))
    rows = [(school, framework, t.below, t.above) for (school, framework), t in policies.items()]
    table = pl.DataFrame(
        rows,
        schema={
            "school_id": pl.Int64(),
            "framework_id": pl.Int64(),
            "below": pl.Float64(),
            "above": pl.Float64(),
        },
        orient="row",
    )
    specific = table.filter(pl.col("framework_id").is_not_null())
    general = table.filter(pl.col("framework_id").is_null()).drop("framework_id")
    return (
        joined.join(specific, on=["school_id", "framework_id"], how="left")
        .join(general, on="school_id", how="left", suffix="_school")
        .with_columns(
            pl.coalesce("below", "below_school", pl.lit(DEFAULT.below)).alias("below"),
            pl.coalesce("above", "above_school", pl.lit(DEFAULT.above)).alias("above"),
        )
        .drop("below_school", "above_school")
    )


@transaction.atomic
def run_thresholds(actor: Actor | None, trust: Trust, year: AcademicYear, term: str) -> ThresholdRun:
    """Compare every pupil's progress this term with their school's thresholds and raise a
    conversation for each crossing that has none yet. Safe to run again: it raises only new ones."""
    progress = term_progress(trust, year, term)
    if progress.is_empty():
        return ThresholdRun(0, 0, 0)
    crossed = measures.crossings(progress)
    existing = set(
        Conversation.objects.filter(academic_year=year, term=term, school__trust=trust).values_list(
            "pupil_id", "area_id"
        )
    )
    new = [
        Conversation(
            pupil_id=row["pupil_id"],
            school_id=row["school_id"],
            area_id=row["area_id"],
            academic_year=year,
            term=term,
            crossing=row["crossing"],
            progress_percent=Decimal(str(round(row["progress_percent"], 2))),
            lateral_gains=min(int(row["lateral_gains"]), 32767),
            below_percent=Decimal(str(row["below"])),
            above_percent=Decimal(str(row["above"])),
        )
        for row in crossed.iter_rows(named=True)
        if (row["pupil_id"], row["area_id"]) not in existing
    ]
    made = Conversation.objects.bulk_create(new, batch_size=2000)
    if made and made[0].pk is None:  # a database that returns no ids from bulk_create (none today)
        made = list(
            Conversation.objects.filter(
                academic_year=year,
                term=term,
                school__trust=trust,
                recorded_by__isnull=True,
                held_on__isnull=True,
            )
        )
    record_many(
        actor,
        (
            Change(
                AuditAction.CREATE,
                c,
                after={
                    "pupil": c.pupil_id,
                    "area": c.area_id,
                    "crossing": c.crossing,
                    "progress_percent": str(c.progress_percent),
                    "term": term,
                },
                school_id=c.school_id,
            )
            for c in made
        ),
        reason=f"personal thresholds, {term} {year.label}",
    )
    return ThresholdRun(compared=progress.height, raised=len(made), already=crossed.height - len(made))


@transaction.atomic
def hold_conversation(
    actor: Actor,
    conversation: Conversation,
    *,
    held_on: dt.date,
    attendees: str,
    agreed_action: str,
    agreed_detail: str = "",
    follow_up_on: dt.date | None = None,
) -> Conversation:
    """Record the conversation: when, who met, what was agreed (from the school's list) and when
    to follow it up."""
    if conversation.closed_at is not None:
        raise StepsError(
            "This conversation is closed: reopen is not possible, raise a note on the pupil instead."
        )
    if held_on > timezone.localdate():
        raise StepsError(f"Held on: {held_on:%d/%m/%Y} is in the future.")
    if agreed_action not in AgreedAction.values:
        raise StepsError(f"Agreed: {agreed_action!r} is not one of the school's actions.")
    if agreed_action == AgreedAction.OTHER and not agreed_detail.strip():
        raise StepsError('Details: say what was agreed when it is "Other".')
    if not attendees.strip():
        raise StepsError("Who met: name who took part (the class teacher and SENCO, at least).")
    if follow_up_on is not None and follow_up_on < held_on:
        raise StepsError(f"Follow up on: {follow_up_on:%d/%m/%Y} is before the conversation was held.")
    before = {
        "held_on": conversation.held_on.isoformat() if conversation.held_on else None,
        "agreed_action": conversation.agreed_action,
    }
    conversation.held_on = held_on
    conversation.attendees = attendees.strip()[:300]
    conversation.agreed_action = agreed_action
    conversation.agreed_detail = agreed_detail.strip()
    conversation.follow_up_on = follow_up_on
    conversation.recorded_by = user_or_none(actor)
    conversation.save()
    record(actor, AuditAction.UPDATE, conversation, before=before, school_id=conversation.school_id)
    return conversation


@transaction.atomic
def close_conversation(actor: Actor, conversation: Conversation, outcome: str) -> Conversation:
    """Close a held conversation with its outcome."""
    if conversation.closed_at is not None:
        raise StepsError("This conversation is closed already.")
    if conversation.held_on is None:
        raise StepsError("Record when the conversation was held and what was agreed before closing it.")
    if not outcome.strip():
        raise StepsError("Outcome: say how it turned out.")
    conversation.outcome = outcome.strip()
    conversation.closed_at = timezone.now()
    conversation.closed_by = user_or_none(actor)
    conversation.save(update_fields=["outcome", "closed_at", "closed_by"])
    record(
        actor,
        AuditAction.UPDATE,
        conversation,
        after={"outcome": conversation.outcome, "closed": True},
        school_id=conversation.school_id,
    )
    return conversation
