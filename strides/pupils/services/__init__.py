"""Writes of pupil data: the one path used by views, the API, importers, demo data and tasks.

Every function is atomic and audited. Bulk work (imports, the demo trust) goes through
:func:`upsert_pupils`, which plans first (reads only) and then writes with bulk statements, so a
dry run reports exactly what a real run would do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction

from strides.access.actor import Actor
from strides.access.roll_readers import main_school_id
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many, snapshot
from strides.organisations.models import School
from strides.pupils.census_codes import LeavingReason, RegistrationType
from strides.pupils.models import (
    CHARACTERISTIC_FIELDS,
    CharacteristicsPeriod,
    Enrolment,
    FormerUpn,
    Pupil,
)
from strides.pupils.upn import check

IDENTITY_FIELDS = (
    "legal_forename",
    "legal_surname",
    "middle_names",
    "preferred_forename",
    "preferred_surname",
    "date_of_birth",
    "sex",
)
CHUNK = 5000


class PupilDataError(ValueError):
    """A write that would break a rule of pupil data; the message is for the user."""


@dataclass(frozen=True)
class PupilRecord:
    """One pupil as an importer (or the demo) knows them. ``characteristics`` holds only the
    fields the source actually carries: a missing key leaves the stored value alone."""

    upn: str
    legal_forename: str
    legal_surname: str
    date_of_birth: dt.date
    sex: str
    middle_names: str = ""
    preferred_forename: str = ""
    preferred_surname: str = ""
    former_upns: tuple[str, ...] = ()
    characteristics: Mapping[str, Any] = field(default_factory=dict)
    enrolment_start: dt.date | None = None
    registration: str = RegistrationType.SINGLE
    placing_school_id: int | None = None
    row: int | None = None

    def identity(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in IDENTITY_FIELDS}


Outcome = Literal["created", "updated", "unchanged"]


@dataclass
class RowOutcome:
    row: int | None
    upn: str
    outcome: Outcome
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class UpsertResult:
    outcomes: list[RowOutcome]
    committed: bool

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass
class _Plan:
    record: PupilRecord
    outcome: RowOutcome
    pupil: Pupil | None = None
    period: CharacteristicsPeriod | None = None
    new_characteristics: dict[str, Any] | None = None
    needs_enrolment: bool = False
    new_former_upns: list[str] = field(default_factory=list)


def _plan(school: School, records: Sequence[PupilRecord], effective: dt.date) -> list[_Plan]:
    seen: set[str] = set()
    for rec in records:
        if rec.upn in seen:
            raise PupilDataError(f"UPN {rec.upn} appears twice.")
        seen.add(rec.upn)
    upns = [r.upn for r in records]
    by_upn: dict[str, Pupil] = {}
    for chunk in _chunks(upns):
        by_upn.update({p.upn: p for p in Pupil.objects.filter(upn__in=chunk)})
    # A pupil known by a temporary UPN that the source now lists as a former UPN.
    formers = [u for r in records if r.upn not in by_upn for u in r.former_upns]
    for chunk in _chunks(formers):
        for known in Pupil.objects.filter(upn__in=chunk):
            by_upn.setdefault(known.upn, known)
    pupil_ids = [p.pk for p in by_upn.values()]
    periods: dict[int, CharacteristicsPeriod] = {}
    enrolled: set[int] = set()
    known_formers: set[tuple[int, str]] = set()
    for chunk in _chunks(pupil_ids):
        periods.update(
            {
                p.pupil_id: p
                for p in CharacteristicsPeriod.objects.filter(pupil_id__in=chunk, valid_to__isnull=True)
            }
        )
        enrolled.update(
            Enrolment.objects.filter(pupil_id__in=chunk, school=school, end_date__isnull=True).values_list(
                "pupil_id", flat=True
            )
        )
        known_formers.update(FormerUpn.objects.filter(pupil_id__in=chunk).values_list("pupil_id", "upn"))

    plans: list[_Plan] = []
    for rec in records:
        pupil = by_upn.get(rec.upn) or next((by_upn[u] for u in rec.former_upns if u in by_upn), None)
        if pupil is None:
            if "nc_year" not in rec.characteristics:
                raise PupilDataError(f"UPN {rec.upn}: a new pupil needs an NC year.")
            plans.append(
                _Plan(
                    rec,
                    RowOutcome(rec.row, rec.upn, "created"),
                    new_characteristics={**_defaults(), **rec.characteristics},
                    needs_enrolment=True,
                    new_former_upns=[u for u in rec.former_upns if u != rec.upn],
                )
            )
            continue
        changes: dict[str, tuple[Any, Any]] = {}
        if pupil.upn != rec.upn:
            changes["upn"] = (pupil.upn, rec.upn)
        for name, new in rec.identity().items():
            old = getattr(pupil, name)
            if old != new:
                changes[name] = (_plain(old), _plain(new))
        period = periods.get(pupil.pk)
        current = period.values() if period else _defaults()
        merged = {**current, **rec.characteristics}
        for name in CHARACTERISTIC_FIELDS:
            if current.get(name) != merged.get(name) or (period is None and name in rec.characteristics):
                changes[name] = (current.get(name), merged.get(name))
        former = [u for u in rec.former_upns if u != rec.upn and (pupil.pk, u) not in known_formers]
        if pupil.upn != rec.upn and (pupil.pk, pupil.upn) not in known_formers:
            former.append(pupil.upn)
        if former:
            changes["former_upns"] = ([], former)
        needs_enrolment = pupil.pk not in enrolled
        if needs_enrolment:
            changes["enrolment"] = (None, f"on roll at {school.name}")
        char_changed = any(name in changes for name in CHARACTERISTIC_FIELDS)
        plans.append(
            _Plan(
                rec,
                RowOutcome(rec.row, rec.upn, "updated" if changes else "unchanged", changes),
                pupil=pupil,
                period=period,
                new_characteristics=merged if char_changed else None,
                needs_enrolment=needs_enrolment,
                new_former_upns=former,
            )
        )
    return plans


def _defaults() -> dict[str, Any]:
    fields = {f.name: f for f in CharacteristicsPeriod._meta.concrete_fields}
    return {name: fields[name].get_default() for name in CHARACTERISTIC_FIELDS if name != "nc_year"}


def upsert_pupils(
    actor: Actor | None,
    school: School,
    records: Sequence[PupilRecord],
    *,
    effective: dt.date | None = None,
    reason: str = "",
    dry_run: bool = False,
) -> UpsertResult:
    """Create or update pupils matched by UPN (or a former UPN) and put them on ``school``'s roll.

    Characteristics that changed close the current period the day before ``effective`` and open a
    new one, so earlier analyses stay as they were. All or nothing.
    """
    effective = effective or dt.date.today()
    with transaction.atomic():
        plans = _plan(school, records, effective)
        outcomes = [p.outcome for p in plans]
        if dry_run:
            return UpsertResult(outcomes, committed=False)
        _apply(actor, school, plans, effective, reason)
    return UpsertResult(outcomes, committed=True)


def _apply(actor: Actor | None, school: School, plans: list[_Plan], effective: dt.date, reason: str) -> None:
    new_plans = [p for p in plans if p.pupil is None]
    new_pupils = [Pupil(upn=p.record.upn, **p.record.identity()) for p in new_plans]
    for chunk in _chunks(new_pupils):
        Pupil.objects.bulk_create(chunk)
    for plan, made in zip(new_plans, new_pupils, strict=True):
        plan.pupil = made

    # by identity: `p not in new_plans` compared dataclasses field by field, quadratic in the rows
    created = {id(p) for p in new_plans}
    changed = [p for p in plans if p.pupil is not None and id(p) not in created and p.outcome.changes]
    identity_updates: list[Pupil] = []
    for plan in changed:
        pupil = plan.pupil
        assert pupil is not None
        if any(n in plan.outcome.changes for n in (*IDENTITY_FIELDS, "upn")):
            pupil.upn = plan.record.upn
            for name, value in plan.record.identity().items():
                setattr(pupil, name, value)
            identity_updates.append(pupil)
    for chunk in _chunks(identity_updates):
        Pupil.objects.bulk_update(chunk, ["upn", *IDENTITY_FIELDS, "updated_at"])

    closing: list[CharacteristicsPeriod] = []
    in_place: list[CharacteristicsPeriod] = []
    opening: list[CharacteristicsPeriod] = []
    for plan in plans:
        if plan.new_characteristics is None:
            continue
        assert plan.pupil is not None
        start = effective
        if plan.period is None and plan.record.enrolment_start:
            start = min(plan.record.enrolment_start, effective)
        if plan.period is not None and plan.period.valid_from >= effective:
            # a correction on the day the period began: no zero-length history
            for name, value in plan.new_characteristics.items():
                setattr(plan.period, name, value)
            plan.period.recorded_by = actor if getattr(actor, "pk", None) else None
            in_place.append(plan.period)
            continue
        if plan.period is not None:
            plan.period.valid_to = effective
            closing.append(plan.period)
        opening.append(
            CharacteristicsPeriod(
                pupil=plan.pupil,
                valid_from=start,
                recorded_by=actor if getattr(actor, "pk", None) else None,
                **plan.new_characteristics,
            )
        )
    for chunk in _chunks(closing):
        CharacteristicsPeriod.objects.bulk_update(chunk, ["valid_to"])
    for chunk in _chunks(in_place):
        CharacteristicsPeriod.objects.bulk_update(chunk, [*CHARACTERISTIC_FIELDS, "recorded_by"])
    for chunk in _chunks(opening):
        CharacteristicsPeriod.objects.bulk_create(chunk)

    enrolments = [
        Enrolment(
            pupil=p.pupil,
            school=school,
            start_date=p.record.enrolment_start or effective,
            registration=p.record.registration,
            placing_school_id=p.record.placing_school_id,
        )
        for p in plans
        if p.needs_enrolment
    ]
    for chunk in _chunks(enrolments):
        Enrolment.objects.bulk_create(chunk)
    formers = [FormerUpn(pupil=p.pupil, upn=u) for p in plans for u in p.new_former_upns]
    for chunk in _chunks(formers):
        FormerUpn.objects.bulk_create(chunk, ignore_conflicts=True)

    audit: list[Change] = []
    for plan in plans:
        assert plan.pupil is not None
        if plan.outcome.outcome == "created":
            after = {
                **snapshot(plan.pupil),
                **{k: _plain(v) for k, v in (plan.new_characteristics or {}).items()},
            }
            audit.append(Change(AuditAction.CREATE, plan.pupil, None, after, school.pk))
        elif plan.outcome.outcome == "updated":
            before = {k: _plain(v[0]) for k, v in plan.outcome.changes.items()}
            after = {k: _plain(v[1]) for k, v in plan.outcome.changes.items()}
            audit.append(Change(AuditAction.UPDATE, plan.pupil, before, after, school.pk))
    record_many(actor, audit, reason=reason)


# --- single-pupil services (UI and API) -----------------------------------------------------


@transaction.atomic
def update_pupil_details(actor: Actor | None, pupil: Pupil, **changes: Any) -> Pupil:
    """Change identity fields (names, date of birth, sex). UPN changes keep the old as former."""
    allowed = {*IDENTITY_FIELDS, "upn"}
    unknown = set(changes) - allowed
    if unknown:
        raise PupilDataError(f"Cannot change {', '.join(sorted(unknown))} here.")
    before = snapshot(pupil, sorted(changes))
    if "upn" in changes:
        result = check(changes["upn"])
        if not result.valid:
            raise PupilDataError(f"UPN {changes['upn']!r}: {result.message}")
        changes["upn"] = result.upn
        if changes["upn"] != pupil.upn:
            if Pupil.objects.filter(upn=changes["upn"]).exclude(pk=pupil.pk).exists():
                raise PupilDataError(f"UPN {changes['upn']} belongs to another pupil.")
            FormerUpn.objects.get_or_create(pupil=pupil, upn=pupil.upn)
    for name, value in changes.items():
        setattr(pupil, name, value)
    pupil.full_clean(exclude=["upn"])
    pupil.save()
    record(
        actor,
        AuditAction.UPDATE,
        pupil,
        before=before,
        after=snapshot(pupil, sorted(changes)),
        school_id=main_school_id(pupil),
    )
    return pupil


@transaction.atomic
def change_characteristics(
    actor: Actor | None, pupil: Pupil, changes: Mapping[str, Any], *, effective: dt.date | None = None
) -> CharacteristicsPeriod:
    """Record that some characteristics changed from ``effective`` (default today)."""
    unknown = set(changes) - set(CHARACTERISTIC_FIELDS)
    if unknown:
        raise PupilDataError(f"Not a characteristic: {', '.join(sorted(unknown))}.")
    effective = effective or dt.date.today()
    current = (
        CharacteristicsPeriod.objects.select_for_update().filter(pupil=pupil, valid_to__isnull=True).first()
    )
    if current is not None and effective < current.valid_from:
        raise PupilDataError(
            f"The current record began on {current.valid_from:%d/%m/%Y}; "
            "a change cannot take effect before it."
        )
    before = current.values() if current else {}
    values = {**(before or _defaults()), **changes}
    if current is not None and values == before:
        return current
    if current is not None and current.valid_from == effective:
        for name, value in values.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        period = current
    else:
        if current is not None:
            current.valid_to = effective
            current.save(update_fields=["valid_to"])
        period = CharacteristicsPeriod(
            pupil=pupil,
            valid_from=effective,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            **values,
        )
        period.full_clean()
        period.save()
    changed = sorted(k for k in values if before.get(k) != values[k])
    record(
        actor,
        AuditAction.UPDATE,
        pupil,
        before={k: before.get(k) for k in changed},
        after={k: values[k] for k in changed},
        school_id=main_school_id(pupil),
        reason=f"characteristics from {effective.isoformat()}",
    )
    return period


@transaction.atomic
def enrol(
    actor: Actor | None,
    pupil: Pupil,
    school: School,
    start_date: dt.date,
    *,
    registration: str = RegistrationType.SINGLE,
    placing_school: School | None = None,
) -> Enrolment:
    if Enrolment.objects.filter(pupil=pupil, school=school, end_date__isnull=True).exists():
        raise PupilDataError(f"{pupil} is already on roll at {school}.")
    if placing_school is not None and placing_school.pk == school.pk:
        raise PupilDataError("A school cannot place a pupil with itself.")
    enrolment = Enrolment(
        pupil=pupil,
        school=school,
        start_date=start_date,
        registration=registration,
        placing_school=placing_school,
    )
    enrolment.full_clean()
    enrolment.save()
    record(actor, AuditAction.CREATE, enrolment, school_id=school.pk)
    return enrolment


@transaction.atomic
def end_enrolment(actor: Actor | None, enrolment: Enrolment, end_date: dt.date, reason: str) -> Enrolment:
    if reason not in LeavingReason.values:
        raise PupilDataError(f"{reason!r} is not a leaving reason.")
    if end_date < enrolment.start_date:
        raise PupilDataError(
            f"Leaving date {end_date:%d/%m/%Y} is before the start date {enrolment.start_date:%d/%m/%Y}."
        )
    before = snapshot(enrolment, ["end_date", "leaving_reason"])
    enrolment.end_date = end_date
    enrolment.leaving_reason = reason
    enrolment.save(update_fields=["end_date", "leaving_reason"])
    record(
        actor,
        AuditAction.UPDATE,
        enrolment,
        before=before,
        after=snapshot(enrolment, ["end_date", "leaving_reason"]),
        school_id=enrolment.school_id,
    )
    return enrolment
