"""Withdrawing a judgement recorded by mistake (the wrong pupil, the wrong subject): ADR 7's
amendment. The one write path for the grid and the API.

The judgement's row stays, marked withdrawn (when, by whom, why), with a revision whose
``level_after`` is empty and an audit entry; ``Judgement.objects`` leaves it out from then on, so
it counts in no figure, board, export or list. Re-entering a level in the cell reinstates it as a
new version (``services.record_judgement``).

Who may withdraw: while the school's part of the drop is open, whoever may record judgements
there; once the head has submitted it (or the trust locked it), only those who may reopen it
(MANAGE_DROPS), as with reopening. A reason is always needed, and the version the user saw is
checked as for any save (a withdrawal over someone else's newer edit is refused). A judgement
belongs to the school that recorded it (ADR 11): staff of another school on whose roll the pupil
also is are refused, told which school holds it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import as_staff, can, visible_pupils
from strides.accounts.roles import Capability
from strides.assessment.models import DropSchool, Judgement, JudgementRevision
from strides.assessment.services import AssessmentError, DropClosed, HeldElsewhere, StaleJudgement
from strides.audit.models import AuditAction
from strides.audit.services import Change, record_many

REASON_LENGTH = 300


def withdraw_judgement(
    actor: Actor, judgement: Judgement | int, *, expected_version: int, reason: str, source: str = "grid"
) -> Judgement:
    """Withdraw ``judgement`` (an object or its id), seen by the user at ``expected_version``.

    Raises ``PermissionError`` (may not record for the pupil, or the drop is closed and the actor
    may not reopen it: :class:`DropClosed`), :class:`StaleJudgement` (someone changed or withdrew
    it since) or :class:`AssessmentError` (no reason)."""
    why = " ".join((reason or "").split())[:REASON_LENGTH]
    if not why:
        raise AssessmentError(
            "Say why the judgement is withdrawn (for example, entered for the wrong pupil): "
            "the reason is kept with its history."
        )
    judgement_id = judgement if isinstance(judgement, int) else judgement.pk
    with transaction.atomic():
        current = (
            Judgement.history.select_for_update(of=("self",))
            .select_related("level", "school", "drop", "recorded_by")
            .filter(pk=judgement_id)
            .first()
        )
        # as staff (gate.as_staff): a parent's reach does not withdraw what a school recorded
        if current is None or not visible_pupils(as_staff(actor)).filter(pk=current.pupil_id).exists():
            raise PermissionError("You cannot withdraw judgements for this pupil.")
        school, drop = current.school, current.drop
        part = (
            DropSchool.objects.select_for_update(of=("self",))
            .filter(drop_id=drop.pk, school_id=school.pk)
            .order_by("pk")
            .first()
        )
        if part is None:
            raise AssessmentError(f"{school} is not part of {drop}.")
        part.drop, part.school = drop, school
        if part.teachers_may_edit:
            if not can(actor, Capability.RECORD_ASSESSMENT, school) and not can(
                actor, Capability.IMPORT_ASSESSMENT, school
            ):
                if can(actor, Capability.RECORD_ASSESSMENT) or can(actor, Capability.IMPORT_ASSESSMENT):
                    raise HeldElsewhere(actor, current)  # ADR 11: another school's judgement
                raise PermissionError("You cannot withdraw judgements for this pupil.")
        elif not can(actor, Capability.MANAGE_DROPS, school):
            raise DropClosed(
                f"{school}'s {drop} is {part.get_status_display().lower()}: only the trust's "
                "assessment team, who can reopen it, can withdraw a judgement now."
            )
        if current.withdrawn_at is not None or expected_version != current.version:
            raise StaleJudgement(None if current.withdrawn_at else current, None)
        user = actor if getattr(actor, "pk", None) else None
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = user
        current.withdrawn_reason = why
        current.version += 1
        current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason", "version"])
        JudgementRevision.objects.create(
            judgement=current,
            version=current.version,
            level_before=current.level,
            level_after=None,
            point_after=None,
            note=current.note,
            changed_by=user,
            reason=f"withdrawn ({source}): {why}"[:120],
        )
        record_many(
            actor,
            [
                Change(
                    AuditAction.UPDATE,
                    current,
                    {"level": current.level.code, "version": current.version - 1},
                    {"withdrawn": True, "reason": why, "version": current.version},
                    school.pk,
                )
            ],
            reason=f"judgement withdrawn ({source})",
        )
    return current
