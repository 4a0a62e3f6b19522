"""The demo's pupils put on roll set-based: what :func:`strides.pupils.services.upsert_pupils`
writes, call for call, without reading back what the demo has just written.

The builder gives each school's pupils date by date, as it would give them to the service. The
writer keeps, in memory, what the service would read from the database (the pupils by UPN, each
pupil's open characteristics period, the open enrolments, the former UPNs known), plans each call
the way the service's ``_plan`` does and makes the same rows as its ``_apply``: new pupils, a
characteristics period closed the day a change takes effect and a new one opened, enrolments,
former UPNs and one audit entry per pupil created or changed. :meth:`RollWriter.flush` writes a
school's rows before its classes are made; ``strides/demo/tests/test_bulk_paths.py`` compares the
result with the service's, row by row. The service stays the one path for real users (imports).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from strides.audit.models import AuditAction
from strides.demo.bulk import AuditRows, column_names, db_date, db_datetime, insert, next_id
from strides.organisations.models import School
from strides.pupils.models import CHARACTERISTIC_FIELDS, CharacteristicsPeriod, Enrolment, FormerUpn, Pupil
from strides.pupils.services import IDENTITY_FIELDS, PupilDataError, PupilRecord

PUPIL_FIELDS = ("id", "upn", *IDENTITY_FIELDS, "created_at", "updated_at")
PERIOD_FIELDS = (
    "id", "pupil", "valid_from", "valid_to", *CHARACTERISTIC_FIELDS, "recorded_by", "recorded_at",
)  # fmt: skip
ENROLMENT_FIELDS = (
    "id", "pupil", "school", "start_date", "end_date", "leaving_reason", "registration", "placing_school",
    "created_at",
)  # fmt: skip
# what strides.audit.services.snapshot gives for a pupil: every concrete field but the id
SNAPSHOT_FIELDS = tuple(f.attname for f in Pupil._meta.concrete_fields if f.attname != "id")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _defaults() -> dict[str, Any]:
    fields = {f.name: f for f in CharacteristicsPeriod._meta.concrete_fields}
    return {name: fields[name].get_default() for name in CHARACTERISTIC_FIELDS if name != "nc_year"}


@dataclass
class _Pupil:
    id: int
    upn: str
    identity: dict[str, Any]
    name: str  # str(pupil): its audit entries' text


@dataclass
class _Period:
    id: int
    pupil_id: int
    valid_from: dt.date
    values: dict[str, Any]
    valid_to: dt.date | None = None
    written: bool = False


@dataclass
class RollWriter:
    reason: str
    pupils: dict[str, _Pupil] = field(default_factory=dict)  # by current UPN
    periods: dict[int, _Period] = field(default_factory=dict)  # pupil -> open period
    enrolled: set[tuple[int, int]] = field(default_factory=set)  # (pupil, school) open enrolments
    formers: set[tuple[int, str]] = field(default_factory=set)
    # rows not written yet
    new_pupils: list[tuple[Any, ...]] = field(default_factory=list)
    new_periods: list[_Period] = field(default_factory=list)
    closed: list[_Period] = field(default_factory=list)  # written periods closed since
    new_enrolments: list[tuple[Any, ...]] = field(default_factory=list)
    new_formers: list[tuple[Any, ...]] = field(default_factory=list)
    audit: AuditRows | None = None

    def __post_init__(self) -> None:
        self.next_pupil = next_id(Pupil)
        self.next_period = next_id(CharacteristicsPeriod)
        self.next_enrolment = next_id(Enrolment)
        self.defaults = _defaults()

    def upsert(self, school: School, records: Sequence[PupilRecord], effective: dt.date) -> None:
        """What ``upsert_pupils(None, school, records, effective=effective, reason=...)`` writes."""
        now = timezone.now()
        if self.audit is None:
            self.audit = AuditRows(None, now)
        stamp = db_datetime(now)
        seen: set[str] = set()
        for rec in records:
            if rec.upn in seen:
                raise PupilDataError(f"UPN {rec.upn} appears twice.")
            seen.add(rec.upn)
        # plan first (the service's _plan), then write in its order: pupils, periods, enrolments,
        # former UPNs, audit entries
        made: list[tuple[PupilRecord, _Pupil, dict[str, Any] | None]] = []
        changed: list[tuple[PupilRecord, _Pupil, dict[str, tuple[Any, Any]], dict[str, Any] | None]] = []
        for rec in records:
            pupil = self.pupils.get(rec.upn) or next(
                (self.pupils[u] for u in rec.former_upns if u in self.pupils), None
            )
            if pupil is None:
                if "nc_year" not in rec.characteristics:
                    raise PupilDataError(f"UPN {rec.upn}: a new pupil needs an NC year.")
                made.append((rec, self._new_pupil(rec, now), {**self.defaults, **rec.characteristics}))
            else:
                changed.append((rec, pupil, *self._changes(school, rec, pupil)))
        order: list[tuple[PupilRecord, _Pupil, dict[str, Any] | None, bool, list[str]]] = []
        by_record = {id(rec): (pupil, chars) for rec, pupil, chars in made}
        by_record.update({id(rec): (pupil, chars) for rec, pupil, _, chars in changed})
        changes_of = {id(rec): changes for rec, _, changes, _ in changed}
        for rec in records:
            pupil, chars = by_record[id(rec)]
            if id(rec) in changes_of:
                changes = changes_of[id(rec)]
                needs = "enrolment" in changes
                former = changes.get("former_upns", ([], []))[1]
            else:
                needs, former = True, [u for u in rec.former_upns if u != rec.upn]
            order.append((rec, pupil, chars, needs, former))
        for rec, pupil, chars, _, _ in order:
            if chars is not None:
                self._period(pupil, chars, rec, effective)
        for rec, pupil, _, needs, _ in order:
            if needs:
                start = db_date(rec.enrolment_start or effective)
                self.new_enrolments.append(
                    (self.next_enrolment, pupil.id, school.pk, start, None, "", rec.registration,
                     rec.placing_school_id, stamp)
                )  # fmt: skip
                self.next_enrolment += 1
                self.enrolled.add((pupil.id, school.pk))
        for _, pupil, _, _, former in order:
            for upn in former:
                if (pupil.id, upn) not in self.formers:
                    self.formers.add((pupil.id, upn))
                    self.new_formers.append((pupil.id, upn, stamp))
        iso = now.isoformat()
        for rec, pupil, chars, _, _ in order:
            if id(rec) not in changes_of:
                # snapshot(pupil): its fields as JSON, the moment it was written included
                after = {name: _plain(pupil.identity.get(name)) for name in SNAPSHOT_FIELDS}
                after.update(created_at=iso, updated_at=iso)
                after.update({k: _plain(v) for k, v in (chars or {}).items()})
                self.audit.add(
                    AuditAction.CREATE, Pupil._meta.label, pupil.id, pupil.name, school.pk, None, after,
                    self.reason,
                )  # fmt: skip
            elif changes := changes_of[id(rec)]:
                before = {k: _plain(v[0]) for k, v in changes.items()}
                after = {k: _plain(v[1]) for k, v in changes.items()}
                self.audit.add(
                    AuditAction.UPDATE, Pupil._meta.label, pupil.id, pupil.name, school.pk, before, after,
                    self.reason,
                )  # fmt: skip

    def _new_pupil(self, rec: PupilRecord, now: dt.datetime) -> _Pupil:
        identity = {"upn": rec.upn, **rec.identity()}
        forename = rec.preferred_forename or rec.legal_forename
        surname = rec.preferred_surname or rec.legal_surname
        pupil = _Pupil(self.next_pupil, rec.upn, identity, f"{forename} {surname}")
        self.next_pupil += 1
        self.pupils[rec.upn] = pupil
        stamp = db_datetime(now)
        values = [db_date(v) if name == "date_of_birth" else v for name, v in rec.identity().items()]
        self.new_pupils.append((pupil.id, rec.upn, *values, stamp, stamp))
        return pupil

    def _changes(
        self, school: School, rec: PupilRecord, pupil: _Pupil
    ) -> tuple[dict[str, tuple[Any, Any]], dict[str, Any] | None]:
        """The service's changes for a pupil already known, and the characteristics to record
        (None: unchanged)."""
        changes: dict[str, tuple[Any, Any]] = {}
        if pupil.upn != rec.upn:
            raise PupilDataError(f"The demo does not change UPNs ({pupil.upn} to {rec.upn}).")
        for name, new in rec.identity().items():
            old = pupil.identity[name]
            if old != new:
                raise PupilDataError(f"The demo does not change pupils' details ({rec.upn}: {name}).")
        period = self.periods.get(pupil.id)
        current = dict(period.values) if period else dict(self.defaults)
        merged = {**current, **rec.characteristics}
        for name in CHARACTERISTIC_FIELDS:
            if current.get(name) != merged.get(name) or (period is None and name in rec.characteristics):
                changes[name] = (current.get(name), merged.get(name))
        former = [u for u in rec.former_upns if u != rec.upn and (pupil.id, u) not in self.formers]
        if former:
            changes["former_upns"] = ([], former)
        if (pupil.id, school.pk) not in self.enrolled:
            changes["enrolment"] = (None, f"on roll at {school.name}")
        char_changed = any(name in changes for name in CHARACTERISTIC_FIELDS)
        return changes, merged if char_changed else None

    def _period(self, pupil: _Pupil, values: dict[str, Any], rec: PupilRecord, effective: dt.date) -> None:
        period = self.periods.get(pupil.id)
        start = effective
        if period is None and rec.enrolment_start:
            start = min(rec.enrolment_start, effective)
        if period is not None and period.valid_from >= effective:
            if period.written:
                raise PupilDataError(f"The demo does not correct a written period ({rec.upn}).")
            period.values.update(values)  # a correction on the day the period began
            return
        if period is not None:
            period.valid_to = effective
            if period.written:
                self.closed.append(period)
        opened = _Period(self.next_period, pupil.id, start, dict(values))
        self.next_period += 1
        self.periods[pupil.id] = opened
        self.new_periods.append(opened)

    def flush(self) -> None:
        """Write every row planned so far (one school's), in the service's order per table."""
        insert(Pupil, PUPIL_FIELDS, self.new_pupils)
        self._close_written()
        stamp = db_datetime(timezone.now())
        insert(
            CharacteristicsPeriod,
            PERIOD_FIELDS,
            (
                (p.id, p.pupil_id, db_date(p.valid_from), db_date(p.valid_to),
                 *(p.values[name] for name in CHARACTERISTIC_FIELDS), None, stamp)
                for p in self.new_periods
            ),
        )  # fmt: skip
        for period in self.new_periods:
            period.written = True
        insert(Enrolment, ENROLMENT_FIELDS, self.new_enrolments)
        insert(FormerUpn, ("pupil", "upn", "recorded_at"), self.new_formers)
        if self.audit is not None:
            self.audit.write()
        self.new_pupils, self.new_periods, self.new_enrolments, self.new_formers = [], [], [], []

    def _close_written(self) -> None:
        if not self.closed:
            return
        quote = connection.ops.quote_name
        table = quote(CharacteristicsPeriod._meta.db_table)
        valid_to, pk = column_names(CharacteristicsPeriod, ["valid_to", "id"])
        sql = f"UPDATE {table} SET {quote(valid_to)} = %s WHERE {quote(pk)} = %s"  # noqa: S608 - names from the model
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(db_date(p.valid_to), p.id) for p in self.closed])
        self.closed = []

    def ended(self, pupil_id: int, school_id: int) -> None:
        """An enrolment ended (through the service): the pupil is no longer on that roll."""
        self.enrolled.discard((pupil_id, school_id))
