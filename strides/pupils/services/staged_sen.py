"""SEN changes that an import carried but its importer may not make, staged for the school's SENCO
or head (whoever holds EDIT_SEN there) to confirm or reject.

A trust analyst or senior leader imports the MIS export; the SEN columns in it are planned here
(:func:`plan_sen_changes`, reads only, so a dry run says exactly what would be staged) and, when
the import is written, kept as :class:`StagedSenChange` rows (:func:`stage_sen_changes`) in the
same transaction. A confirmed change is written by :func:`strides.pupils.services.change_characteristics`,
the one path that writes SEN, with its history period and audit entry. A pupil has at most one
pending change: a newer import supersedes it. Every write here is atomic and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import can
from strides.access.roll_readers import schools_responsible_for
from strides.accounts.roles import Capability
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many
from strides.organisations.models import School
from strides.pupils.models import SEN_FIELDS, CharacteristicsPeriod, FormerUpn, Pupil, StagedSenChange
from strides.pupils.services import CHUNK, PupilDataError, _chunks, change_characteristics

Status = StagedSenChange.Status
SenValues = dict[str, str]
Outcome = Literal["staged", "waiting", "agrees"]


class SenChangeProblem(PupilDataError):
    """A staged change that cannot be decided as asked; the message says why, for the user."""


def no_sen() -> SenValues:
    """The SEN record of a pupil with none recorded (a new pupil's)."""
    fields = [cast("Field[Any, Any]", CharacteristicsPeriod._meta.get_field(name)) for name in SEN_FIELDS]
    return {field.name: field.get_default() for field in fields}


def sen_of(period: CharacteristicsPeriod | None) -> SenValues:
    return {name: getattr(period, name) for name in SEN_FIELDS} if period is not None else no_sen()


def current_sen_many(pupil_ids: Sequence[int]) -> dict[int, SenValues]:
    """Each pupil's SEN record now (their open characteristics period), in chunked reads."""
    ids = sorted(set(pupil_ids))
    found: dict[int, SenValues] = {}
    for chunk in _chunks(ids):
        periods = CharacteristicsPeriod.objects.filter(pupil_id__in=chunk, valid_to__isnull=True)
        found.update({p.pupil_id: sen_of(p) for p in periods.only("pupil_id", *SEN_FIELDS)})
    return found


def fingerprint(values: Mapping[str, Any]) -> str:
    """The SEN record as one string: what a page showed, sent back to check nothing changed since."""
    return "|".join(str(values.get(name) or "") for name in SEN_FIELDS)


# --- planning (reads only) ----------------------------------------------------------------------


@dataclass(frozen=True)
class SenRow:
    """One row of an import that carries SEN values (``values``: the SEN fields the file gives)."""

    row: int | None
    upn: str
    name: str
    values: Mapping[str, str]
    former_upns: tuple[str, ...] = ()


@dataclass
class SenPlan:
    """What one row's SEN values do. ``staged``: a change for the SENCO (``replaces`` a different
    pending one); ``waiting``: the very same change is already waiting; ``agrees``: the file says
    what Strides holds (a pending change for the pupil, if any, is superseded)."""

    row: int | None
    upn: str
    name: str
    pupil_id: int | None
    before: SenValues
    proposed: SenValues
    outcome: Outcome
    pending: StagedSenChange | None = None

    def as_report(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "upn": self.upn,
            "name": self.name,
            "before": self.before,
            "proposed": self.proposed,
            "replaces": self.pending is not None,
        }


def plan_sen_changes(rows: Sequence[SenRow]) -> list[SenPlan]:
    """What staging ``rows`` would do, against the pupils Strides holds now (matched by UPN or
    former UPN; an unknown UPN is a new pupil, who has no SEN recorded). Three chunked reads."""
    upns = list(dict.fromkeys([*(r.upn for r in rows), *(u for r in rows for u in r.former_upns)]))
    ids: dict[str, int] = {}
    for chunk in _chunks(upns):
        ids.update(Pupil.objects.filter(upn__in=chunk).values_list("upn", "pk"))
    unknown = [u for u in upns if u not in ids]
    for chunk in _chunks(unknown):
        for upn, owner_id in FormerUpn.objects.filter(upn__in=chunk).values_list("upn", "pupil_id"):
            ids.setdefault(upn, owner_id)
    pupil_ids = sorted(set(ids.values()))
    current = current_sen_many(pupil_ids)
    pending: dict[int, StagedSenChange] = {}
    for chunk in _chunks(pupil_ids):
        waiting = StagedSenChange.objects.filter(pupil_id__in=chunk, status=Status.PENDING)
        pending.update({c.pupil_id: c for c in waiting})
    plans = []
    for row in rows:
        pupil_id = ids.get(row.upn) or next((ids[u] for u in row.former_upns if u in ids), None)
        before = current.get(pupil_id, no_sen()) if pupil_id else no_sen()
        proposed = {**before, **{k: v for k, v in row.values.items() if k in SEN_FIELDS}}
        earlier = pending.get(pupil_id) if pupil_id else None
        if proposed == before:
            outcome: Outcome = "agrees"
        elif earlier is not None and earlier.proposed == proposed and earlier.before == before:
            outcome = "waiting"
        else:
            outcome = "staged"
        plans.append(SenPlan(row.row, row.upn, row.name, pupil_id, before, proposed, outcome, earlier))
    return plans


# --- staging (writes) ---------------------------------------------------------------------------


@transaction.atomic
def stage_sen_changes(
    actor: Actor | None,
    school: School,
    plans: Sequence[SenPlan],
    *,
    source: str,
    effective: dt.date,
    batch: Any = None,
) -> list[StagedSenChange]:
    """Keep the planned changes for ``school``'s SENCO or head, superseding each pupil's earlier
    pending change; audited. Call it after the import's pupils are written: a new pupil's id is
    found by UPN. Returns the changes staged."""
    unresolved = [p.upn for p in plans if p.pupil_id is None and p.outcome == "staged"]
    new_ids: dict[str, int] = {}
    for chunk in _chunks(unresolved):
        new_ids.update(Pupil.objects.filter(upn__in=chunk).values_list("upn", "pk"))
    for plan in plans:
        if plan.pupil_id is None:
            plan.pupil_id = new_ids.get(plan.upn)
    retired = [p.pending for p in plans if p.pending is not None and p.outcome != "waiting"]
    now = timezone.now()
    for old in retired:
        old.status, old.decided_at = Status.SUPERSEDED, now
    StagedSenChange.objects.bulk_update(retired, ["status", "decided_at"], batch_size=CHUNK)
    staged = [
        StagedSenChange(
            pupil_id=plan.pupil_id,
            school=school,
            batch=batch,
            source=source[:255],
            row=plan.row,
            before=plan.before,
            proposed=plan.proposed,
            effective=effective,
            staged_by=actor if getattr(actor, "pk", None) else None,
        )
        for plan in plans
        if plan.outcome == "staged" and plan.pupil_id is not None
    ]
    StagedSenChange.objects.bulk_create(staged, batch_size=CHUNK)
    by_pupil = {change.pupil_id: change for change in staged}
    for old in retired:
        old.superseded_by = by_pupil.get(old.pupil_id)
    StagedSenChange.objects.bulk_update(retired, ["superseded_by"], batch_size=CHUNK)
    reason = f"SEN change staged by import {source}"[:200]
    audit = [
        Change(
            AuditAction.UPDATE,
            old,
            {"status": Status.PENDING},
            {"status": Status.SUPERSEDED, "superseded_by": old.superseded_by_id},
            old.school_id,
        )
        for old in retired
    ]
    audit += [
        Change(
            AuditAction.CREATE,
            change,
            None,
            {"pupil": change.pupil_id, "before": change.before, "proposed": change.proposed},
            school.pk,
        )
        for change in staged
    ]
    record_many(actor, audit, reason=reason)
    return staged


# --- deciding (writes) --------------------------------------------------------------------------


def current_sen(pupil: Pupil) -> tuple[CharacteristicsPeriod | None, SenValues]:
    period = CharacteristicsPeriod.objects.filter(pupil=pupil, valid_to__isnull=True).first()
    return period, sen_of(period)


@transaction.atomic
def confirm(actor: Actor, change: StagedSenChange, *, seen: str) -> StagedSenChange:
    """Apply a pending change to the pupil's SEN record, as ``actor``. ``seen``: the
    :func:`fingerprint` of the record the actor saw beside it; when the record has changed since,
    nothing is written and the actor is asked to check again."""
    change = _locked_pending(actor, change)
    pupil = change.pupil
    period, now = current_sen(pupil)
    if fingerprint(now) != seen:
        raise SenChangeProblem(
            f"{pupil.display_name}'s SEN record changed while you were looking: check the change again."
        )
    if change.school_id not in schools_responsible_for(pupil):
        raise SenChangeProblem(
            f"{pupil.display_name} is no longer on roll at {change.school.name}, so the change cannot be "
            "confirmed there: reject it, and tell the pupil's school."
        )
    effective = change.effective
    if period is not None and period.valid_from > effective:
        effective = period.valid_from  # a later record: the change cannot go back before it
    if now != change.proposed:
        change_characteristics(actor, pupil, change.proposed, effective=effective)
    return _decide(actor, change, Status.CONFIRMED, f"from {effective.isoformat()}")


@transaction.atomic
def reject(actor: Actor, change: StagedSenChange) -> StagedSenChange:
    """Leave the pupil's SEN record as it is and close the change."""
    return _decide(actor, _locked_pending(actor, change), Status.REJECTED, "")


def _locked_pending(actor: Actor, change: StagedSenChange) -> StagedSenChange:
    locked = (
        StagedSenChange.objects.select_for_update(of=("self",))
        .select_related("pupil", "school", "decided_by")
        .get(pk=change.pk)
    )
    if not can(actor, Capability.EDIT_SEN, locked.school_id):
        raise SenChangeProblem("Only the school's SENCO, head or the trust admin can decide SEN changes.")
    if not locked.is_pending:
        who = f" by {locked.decided_by}" if locked.decided_by else ""
        raise SenChangeProblem(
            f"The SEN change for {locked.pupil.display_name} was already "
            f"{locked.get_status_display().lower()}{who}."
        )
    return locked


def _decide(actor: Actor, change: StagedSenChange, status: str, note: str) -> StagedSenChange:
    change.status = status
    change.decided_by = actor if getattr(actor, "pk", None) else None
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        actor,
        AuditAction.UPDATE,
        change,
        before={"status": Status.PENDING},
        after={"status": status, "proposed": change.proposed},
        school_id=change.school_id,
        reason=f"SEN change from {change.source} {status} {note}".strip()[:200],
    )
    return change


@dataclass
class Decisions:
    """The outcome of deciding several changes at once: how many, and why any were left."""

    done: int = 0
    problems: list[str] = field(default_factory=list)


def decide_many(
    actor: Actor, changes: Sequence[StagedSenChange], decision: str, seen: Mapping[int, str]
) -> Decisions:
    """Confirm or reject each change in its own transaction: one that cannot be decided (changed
    since it was shown, already decided) is left with its reason, and the others go ahead."""
    outcome = Decisions()
    for change in changes:
        try:
            if decision == "confirm":
                confirm(actor, change, seen=seen.get(change.pk, ""))
            else:
                reject(actor, change)
        except SenChangeProblem as problem:
            outcome.problems.append(str(problem))
        else:
            outcome.done += 1
    return outcome
