"""Personal progress thresholds and the conversations they raise (docs/small-steps.md,
"Thresholds"). Each term, every pupil's progress in each area of a linear or matrix framework is
compared with their school's thresholds (default: below 2% or above 20% of a step, the example
trust's own policy); a crossing raises one conversation for the class teacher and SENCO, who
record who met, when, what was agreed and a follow-up date, and close it with its outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.analytics import small_steps as measures
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many
from strides.organisations.models import AcademicYear, School, Trust
from strides.steps.analysis import term_progress
from strides.steps.models import (
    AgreedAction,
    Conversation,
    SchoolAction,
    ThresholdPolicy,
)
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


OTHER = AgreedAction.OTHER.value  # always offered, with the details said


def school_actions(school: School) -> list[tuple[str, str]]:
    """What the school's conversations may agree, in order (code, words): its own list, or the
    defaults while it has none; "Other" last, always."""
    own = list(
        SchoolAction.objects.filter(school=school, retired=False)
        .order_by("order")
        .values_list("code", "label")
    )
    if not SchoolAction.objects.filter(school=school).exists():
        own = [(code, str(label)) for code, label in AgreedAction.choices if code != OTHER]
    return [*[(c, lb) for c, lb in own if c != OTHER], (OTHER, str(AgreedAction.OTHER.label))]


def _own_list(school: School) -> None:
    """A school changing its list starts from the defaults it was using."""
    if not SchoolAction.objects.filter(school=school).exists():
        SchoolAction.objects.bulk_create(
            SchoolAction(school=school, code=code, label=str(label), order=i)
            for i, (code, label) in enumerate(AgreedAction.choices, start=1)
            if code != OTHER
        )


@transaction.atomic
def add_school_action(actor: Actor | None, school: School, label: str) -> SchoolAction:
    """A new thing the school's conversations may agree, at the end of its list."""
    from django.utils.text import slugify

    label = " ".join((label or "").split())
    if not label:
        raise StepsError("Action: say what may be agreed (e.g. Speech and language therapy).")
    if len(label) > 80:
        raise StepsError(f"Action: {label[:40]!r}... is longer than 80 characters.")
    _own_list(school)
    existing = {a.code: a for a in SchoolAction.objects.filter(school=school)}
    if any(a.label.lower() == label.lower() and not a.retired for a in existing.values()):
        raise StepsError(f"Action: {label!r} is on the list already.")
    base = slugify(label)[:34] or "action"
    code, n = base, 1
    while code in existing or code == OTHER:
        n += 1
        code = f"{base}-{n}"
    order = max((a.order for a in existing.values()), default=0) + 1
    action = SchoolAction.objects.create(school=school, code=code, label=label, order=order)
    record(actor, AuditAction.CREATE, action, school_id=school.pk)
    return action


@transaction.atomic
def retire_school_action(actor: Actor | None, school: School, code: str) -> None:
    """Take an action off the list; conversations that agreed it keep its words."""
    if code == OTHER:
        raise StepsError("Action: “Other” is always offered.")
    _own_list(school)
    action = SchoolAction.objects.filter(school=school, code=code, retired=False).first()
    if action is None:
        raise StepsError(f"Action: {code!r} is not on {school.name}'s list.")
    action.retired = True
    action.save(update_fields=["retired"])
    record(actor, AuditAction.UPDATE, action, after={"retired": True}, school_id=school.pk)


@transaction.atomic
def clear_thresholds(actor: Actor | None, school: School, framework) -> None:
    """A framework's own thresholds at the school removed: the school's apply to it again."""
    for policy in ThresholdPolicy.objects.filter(school=school, framework=framework):
        record(
            actor,
            AuditAction.DELETE,
            policy,
            before={
                "framework": framework.pk,
                "below": str(policy.below_percent),
                "above": str(policy.above_percent),
            },
            school_id=school.pk,
        )
        policy.delete()


@dataclass(frozen=True)
class ThresholdRun:
    compared: int  # pupil-areas compared
    raised: int  # conversations raised now
    already: int  # crossings that had a conversation this term already


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
    offered = dict(school_actions(conversation.school))
    if agreed_action not in offered:
        raise StepsError(f"Agreed: {agreed_action!r} is not one of the school's actions.")
    if agreed_action == OTHER and not agreed_detail.strip():
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
    conversation.agreed_label = offered[agreed_action]
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
