"""Recording many judgements at once: the write path of spreadsheet imports.

The rules are :func:`strides.assessment.services.record_judgement`'s, checked for a whole set of
rows with a few queries per few thousand rows instead of a few per row:

- the school's part of the drop must be open for editing;
- the actor holds RECORD_ASSESSMENT or IMPORT_ASSESSMENT at the school (an actor of ``None``, the
  command line, is trust-wide) and sees the pupil through the gate;
- the pupil is on the roll of a school in the drop, the subject is collected in the drop, and the
  level comes from a framework the school may use, one used for the subject;
- the common point comes from the crosswalk in force on the drop's date;
- a judgement already recorded belongs to the school that recorded it (ADR 11): a row for another
  school (or an actor who may not record there) is refused, naming the school holding it.

All or nothing: one refused row and nothing is written. A preview (``dry_run=True``) returns the
version of every judgement it looked at; the commit passes them back as ``expected_versions`` and a
judgement whose version moved in between is refused as a conflict (ADR 7), not overwritten.

Rows are read in chunks of :data:`CHUNK`, so a file of any size is checked and written with memory
that grows with the number of judgements only through the small ``(pupil, subject)`` keys kept to
find a pupil given twice.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.services import HeldElsewhere
from strides.assessment.services.drop_rules import DropRules, pk_of
from strides.audit.models import AuditAction
from strides.audit.services import Change, record_many
from strides.frameworks.models import Level, Subject
from strides.imports.records import RowError
from strides.pupils.models import Pupil

CHUNK = 5000
WITHDRAW_WORD = "WITHDRAW"  # the cell value that withdraws a judgement (docs/importing-drops.md)
WRITE_BATCH = 2000
Progress = Callable[[int], None]


class JudgementRow(NamedTuple):
    """One judgement to record. ``note=None`` keeps the note already recorded (or none);
    ``school=None`` makes it at the pupil's school in the drop. ``row`` and ``field`` name the
    source cell in messages."""

    pupil: Pupil | int
    subject: Subject
    level: Level | None  # None: withdraw the judgement (``withdraw``)
    note: str | None = None  # for a withdrawal, its reason
    row: int | None = None
    field: str = ""
    school: Any = None
    withdraw: bool = False  # withdraw the judgement recorded by mistake (ADR 7's amendment)


class RowOutcome(NamedTuple):
    row: int | None
    field: str
    pupil_id: int
    subject_id: int
    outcome: str  # "created" | "updated" | "unchanged" | "withdrawn"
    level_before_id: int | None
    level_after_id: int | None
    version_before: int  # 0: no judgement yet


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    # (pupil_id, subject_id) -> the version seen; what a commit passes back as expected_versions
    versions: dict[tuple[int, int], int] = field(default_factory=dict)
    committed: bool = False
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors)


class _Refused(Exception):
    """Raised inside the transaction to roll every write back."""


def _level(item: JudgementRow) -> Level:
    """The level of a row that records one (a withdrawal, which has none, is checked apart)."""
    if item.level is None:
        raise TypeError(f"Row {item.row}: a judgement row without a level must be a withdrawal.")
    return item.level


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def record_judgements(
    actor: Actor | None,
    drop: DataDrop,
    rows: Iterable[JudgementRow | RowError],
    *,
    reason: str,
    dry_run: bool,
    expected_versions: dict[tuple[int, int], int] | None = None,
    detail: bool = True,
    rules: DropRules | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    """Record (or, with ``dry_run``, only check) many judgements of one drop, all or nothing.

    ``rows`` may also carry :class:`RowError` items, refused by the caller while reading its
    source (an unknown code, say): they are reported in order and, like any refused row, stop
    anything being written. ``detail=False`` keeps only the counts and errors (the command line).
    """
    rules = rules or DropRules(drop, actor)
    result = BulkResult(dry_run=dry_run)
    state = _State(rules, actor, drop, reason, dry_run, expected_versions, detail, result)
    try:
        with transaction.atomic():
            if not dry_run:
                rules.lock_parts()
            for chunk in _chunks(rows, CHUNK):
                state.take(chunk)
                if progress is not None:
                    progress(state.seen)
            result.errors.extend(rules.closed_refusals())
            if result.errors:
                result.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
                raise _Refused
            if not dry_run:
                state.finish()
    except _Refused:
        result.committed = False
        return result
    result.committed = not dry_run
    return result


@dataclass
class _State:
    rules: DropRules
    actor: Actor | None
    drop: DataDrop
    reason: str
    dry_run: bool
    expected: dict[tuple[int, int], int] | None
    detail: bool
    result: BulkResult
    seen: int = 0
    # pupil and subject packed in one int -> the row that gave it: no tuple per judgement kept
    keys: dict[int, int | None] = field(default_factory=dict)
    per_school: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def user(self) -> Actor | None:
        return self.actor if getattr(self.actor, "pk", None) else None

    def refuse(self, item: JudgementRow, value: Any, message: str) -> None:
        self.result.errors.append(RowError(item.row, item.field, str(value), message))

    def take(self, chunk: list[JudgementRow | RowError]) -> None:
        self.seen += len(chunk)
        items = [item for item in chunk if isinstance(item, JudgementRow)]
        self.result.errors.extend(item for item in chunk if isinstance(item, RowError))
        pupil_ids = {pk_of(item.pupil) for item in items}
        reachable = self.rules.reachable(pupil_ids)
        schools = self.rules.schools_of(reachable)
        self.rules.nc_years(reachable)  # one query for the chunk's pupils (framework_problem)
        # withdrawn ones too: a level imported into a withdrawn cell reinstates it (ADR 7)
        current_query = Judgement.history.filter(drop=self.drop, pupil_id__in=list(reachable))
        if not self.dry_run:
            current_query = current_query.select_for_update()
        current = {(j.pupil_id, j.subject_id): j for j in current_query}
        plan: list[tuple[JudgementRow, int, Judgement | None]] = []
        for item in items:
            check = self._check_withdrawal if item.withdraw else self._check
            school_id = check(item, reachable, schools, current)
            if school_id is not None:
                plan.append((item, school_id, current.get((pk_of(item.pupil), item.subject.pk))))
        # every row is counted (a refused file still says what it would have done); once a row is
        # refused nothing more is written, and what was is rolled back
        self._apply(plan, write=not self.dry_run and not self.result.errors)

    def _check(
        self,
        item: JudgementRow,
        reachable: set[int],
        schools: dict[int, list[tuple[int, bool]]],
        current: dict[tuple[int, int], Judgement],
    ) -> int | None:
        """The school the row's judgement is made at, or None when the row is refused."""
        rules, level = self.rules, _level(item)
        pupil_id, subject_id = pk_of(item.pupil), item.subject.pk
        if pupil_id not in reachable:
            self.refuse(item, level.code, "You cannot record judgements for this pupil.")
            return None
        if subject_id not in rules.subjects:
            self.refuse(item, level.code, f"{item.subject.name} is not collected in {self.drop}.")
            return None
        school_id: int | None
        if item.school is not None:
            school_id = pk_of(item.school)
            if school_id not in {s for s, _ in schools.get(pupil_id, [])}:
                self.refuse(item, level.code, "The pupil is not on this school's roll.")
                return None
        else:
            choices = schools.get(pupil_id, [])
            existing = current.get((pupil_id, subject_id))
            holder = existing.school_id if existing is not None else None
            if holder in {s for s, _ in choices} and (
                rules.may_record_at is None or holder in rules.may_record_at
            ):
                school_id = holder  # the school holding the judgement records over it (ADR 11)
            else:
                school_id = rules.school_for(choices)
            if school_id is None:
                self.refuse(item, level.code, f"The pupil is not on the roll of a school in {self.drop}.")
                return None
        if self._held_elsewhere(item, level.code, current.get((pupil_id, subject_id)), school_id):
            return None
        if rules.closed_row(school_id, item.row):
            return None
        problem = (
            rules.part_problem(school_id)
            or rules.level_problem(school_id, subject_id, level)
            or rules.framework_problem(school_id, subject_id, pupil_id, level)
        )
        if problem:
            self.refuse(item, level.code, problem)
            return None
        return school_id if self._claim(item, level.code, current.get((pupil_id, subject_id))) else None

    def _held_elsewhere(
        self, item: JudgementRow, shown: str, existing: Judgement | None, school_id: int | None
    ) -> bool:
        """Whether the row is refused because the judgement belongs to another school than the one
        it would be made at (``school_id``; None: any other school): ADR 11."""
        if existing is None or existing.school_id == school_id:
            return False
        self.refuse(item, shown, str(HeldElsewhere(self.actor, existing, item.subject)))
        return True

    def _claim(self, item: JudgementRow, shown: str, existing: Judgement | None) -> bool:
        """Whether the row's pupil and subject are not given earlier in the file and their
        judgement is at the version the preview saw (a preview notes that version)."""
        key = (pk_of(item.pupil), item.subject.pk)
        packed = key[0] << 32 | key[1]
        if packed in self.keys:
            earlier = self.keys[packed]
            where = f"on row {earlier}" if earlier is not None else "earlier"
            self.refuse(item, shown, f"This pupil's {item.subject.name} is also given {where}.")
            return False
        self.keys[packed] = item.row
        version = existing.version if existing else 0
        if self.expected is not None and self.expected.get(key, 0) != version:
            self.refuse(item, shown, self._conflict(item, existing))
            return False
        if self.dry_run:
            self.result.versions[key] = version
        return True

    def _check_withdrawal(
        self,
        item: JudgementRow,
        reachable: set[int],
        schools: dict[int, list[tuple[int, bool]]],
        current: dict[tuple[int, int], Judgement],
    ) -> int | None:
        """The school of the judgement a row withdraws, or None when the row is refused. Nothing
        recorded (or already withdrawn) is left as it is; the drop must be open at that school."""
        pupil_id, subject_id, shown = pk_of(item.pupil), item.subject.pk, WITHDRAW_WORD
        if pupil_id not in reachable:
            self.refuse(item, shown, "You cannot record judgements for this pupil.")
            return None
        if subject_id not in self.rules.subjects:
            self.refuse(item, shown, f"{item.subject.name} is not collected in {self.drop}.")
            return None
        existing = current.get((pupil_id, subject_id))
        school_id = existing.school_id if existing else self.rules.school_for(schools.get(pupil_id, []))
        may_record_at = self.rules.may_record_at
        if existing is not None and (
            (item.school is not None and pk_of(item.school) != existing.school_id)
            or (may_record_at is not None and existing.school_id not in may_record_at)
        ):
            self._held_elsewhere(item, shown, existing, None)
            return None
        if school_id is not None and self.rules.closed_row(school_id, item.row):
            return None
        problem = self.rules.part_problem(school_id) if school_id is not None else None
        if problem:
            self.refuse(item, shown, problem)
            return None
        if not self._claim(item, shown, existing):
            return None
        return school_id if school_id is not None else 0

    def _conflict(self, item: JudgementRow, existing: Judgement | None) -> str:
        if existing is None:
            return (
                f"{item.subject.name} was recorded when the file was checked, and has been removed since. "
                "Check the file again."
            )
        who = existing.recorded_by or "Someone"
        when = timezone.localtime(existing.recorded_at)
        return (
            f"{who} changed {item.subject.name} to {self.rules.code(existing.level_id)} at "
            f"{when:%H:%M on %d/%m/%Y}, after the file was checked; the file says "
            f"{item.level.code if item.level else WITHDRAW_WORD}. "
            "Check the file again to see the change, then import."
        )

    def _apply(self, plan: list[tuple[JudgementRow, int, Judgement | None]], *, write: bool) -> None:
        now = timezone.now()
        user = self.user
        crosswalk = self.rules.crosswalk
        # ids, not objects: 100,000 related-object assignments cost seconds
        crosswalk_id, user_id = getattr(crosswalk, "pk", None), getattr(user, "pk", None)
        creates: list[Judgement] = []
        updates: list[tuple[Judgement, int | None]] = []  # (judgement, level before)
        withdrawals: list[Judgement] = []
        for item, school_id, existing in plan:
            if item.withdraw:
                self._plan_withdrawal(item, school_id, existing, withdrawals, now, user_id)
                continue
            level = _level(item)
            point_id = self.rules.point_for(level.pk)
            withdrawn = existing is not None and existing.withdrawn_at is not None
            before_id = existing.level_id if existing is not None and not withdrawn else None
            version_before = existing.version if existing is not None else 0
            if existing is None:
                outcome = "created"
                creates.append(
                    Judgement(
                        pupil_id=pk_of(item.pupil),
                        subject_id=item.subject.pk,
                        drop_id=self.drop.pk,
                        school_id=school_id,
                        level_id=level.pk,
                        point_id=point_id,
                        crosswalk_id=crosswalk_id,
                        note=item.note or "",
                        recorded_by_id=user_id,
                    )
                )
            elif (
                not withdrawn
                and existing.level_id == level.pk
                and (item.note is None or item.note == existing.note)
            ):
                outcome = "unchanged"
            else:
                outcome = "updated"
                existing.level_id = level.pk
                existing.point_id = point_id
                existing.crosswalk_id = crosswalk_id
                if item.note is not None:
                    existing.note = item.note
                existing.school_id = school_id
                existing.version += 1
                existing.recorded_by_id = user_id
                existing.recorded_at = now
                existing.withdrawn_at, existing.withdrawn_by_id, existing.withdrawn_reason = None, None, ""
                updates.append((existing, before_id))
            setattr(self.result, outcome, getattr(self.result, outcome) + 1)
            self.per_school[school_id][outcome] += 1
            if self.detail:
                self.result.outcomes.append(
                    RowOutcome(
                        item.row,
                        item.field,
                        pk_of(item.pupil),
                        item.subject.pk,
                        outcome,
                        before_id,
                        level.pk,
                        version_before,
                    )
                )
        if not write:
            return
        if withdrawals:
            self._write_withdrawals(withdrawals, user_id)
        try:
            with transaction.atomic():
                Judgement.objects.bulk_create(creates, batch_size=WRITE_BATCH)
                Judgement.history.bulk_update(  # history: a reinstated row is still withdrawn here
                    [j for j, _ in updates],
                    [
                        "level",
                        "point",
                        "crosswalk",
                        "note",
                        "school",
                        "version",
                        "recorded_by",
                        "recorded_at",
                        "withdrawn_at",
                        "withdrawn_by",
                        "withdrawn_reason",
                    ],
                    batch_size=WRITE_BATCH,
                )
        except IntegrityError:
            # someone saved a first judgement for one of these pupils since the rows were read
            self.result.errors.append(
                RowError(
                    None,
                    "file",
                    "",
                    "Someone recorded judgements for these pupils while the file was being imported. "
                    "Nothing was written: check the file again.",
                )
            )
            return
        revision_reason = self.reason[:120]
        if creates and all(j.pk for j in creates):
            write_first_revisions(self.drop.pk, min(j.pk for j in creates), user, now, revision_reason)
        else:
            updates = [(j, None) for j in creates] + updates
        JudgementRevision.objects.bulk_create(
            [
                JudgementRevision(
                    judgement=j,
                    version=j.version,
                    level_before_id=before,
                    level_after_id=j.level_id,
                    point_after_id=j.point_id,
                    note=j.note,
                    changed_by_id=user_id,
                    reason=revision_reason,
                )
                for j, before in updates
            ],
            batch_size=WRITE_BATCH,
        )

    def _plan_withdrawal(
        self,
        item: JudgementRow,
        school_id: int,
        existing: Judgement | None,
        withdrawals: list[Judgement],
        now: Any,
        user_id: int | None,
    ) -> None:
        version_before = existing.version if existing is not None else 0
        if existing is None or existing.withdrawn_at is not None:
            outcome, before_id = "unchanged", None
        else:
            outcome, before_id = "withdrawn", existing.level_id
            existing.withdrawn_at, existing.withdrawn_by_id = now, user_id
            existing.withdrawn_reason = " ".join((item.note or f"withdrawn by {self.reason}").split())[:300]
            existing.version += 1
            withdrawals.append(existing)
        setattr(self.result, outcome, getattr(self.result, outcome) + 1)
        self.per_school[school_id][outcome] += 1
        if self.detail:
            self.result.outcomes.append(
                RowOutcome(
                    item.row, item.field, pk_of(item.pupil), item.subject.pk, outcome, before_id, None,
                    version_before,
                )
            )  # fmt: skip

    def _write_withdrawals(self, withdrawals: list[Judgement], user_id: int | None) -> None:
        fields = ["withdrawn_at", "withdrawn_by", "withdrawn_reason", "version"]
        Judgement.history.bulk_update(withdrawals, fields, batch_size=WRITE_BATCH)
        JudgementRevision.objects.bulk_create(
            [
                JudgementRevision(
                    judgement=j,
                    version=j.version,
                    level_before_id=j.level_id,
                    level_after_id=None,
                    point_after_id=None,
                    note=j.note,
                    changed_by_id=user_id,
                    reason=f"withdrawn ({self.reason}): {j.withdrawn_reason}"[:120],
                )
                for j in withdrawals
            ],
            batch_size=WRITE_BATCH,
        )

    def finish(self) -> None:
        """Parts that were not started are now in progress; one audit summary per school."""
        written = {
            school_id
            for school_id, counts in self.per_school.items()
            if counts["created"] or counts["updated"] or counts["withdrawn"]
        }
        starting = [
            self.rules.parts[s].pk for s in written if self.rules.parts[s].status == DropStatus.NOT_STARTED
        ]
        if starting:
            DropSchool.objects.filter(pk__in=starting).update(
                status=DropStatus.IN_PROGRESS, changed_at=timezone.now()
            )
        changes = []
        for school_id in sorted(written):
            part = self.rules.parts[school_id]
            counts = self.per_school[school_id]
            changes.append(
                Change(
                    AuditAction.UPDATE,
                    part,
                    {"status": part.status},
                    {
                        "status": DropStatus.IN_PROGRESS if part.pk in starting else part.status,
                        "judgements_created": counts["created"],
                        "judgements_updated": counts["updated"],
                        "judgements_unchanged": counts["unchanged"],
                        "judgements_withdrawn": counts["withdrawn"],
                    },
                    school_id,
                )
            )
        if changes:
            record_many(self.actor, changes, reason=self.reason[:200])


def write_first_revisions(drop_id: int, first_id: int, user: Actor | None, now: Any, reason: str) -> None:
    """Version 1 of every judgement just created (ids from ``first_id`` on, in this drop, with no
    revision yet), copied from the judgements by one INSERT ... SELECT in the database: a large
    import's first revisions cost one statement a chunk instead of a Python object and bound
    parameters each. Judgements saved by anyone else already have their revision (it is written
    in the same transaction), so only this import's are picked."""
    revision, judgement = JudgementRevision._meta, Judgement._meta  # the demo's writer uses it too
    quote = connection.ops.quote_name

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    target = ", ".join(
        column(revision, name)
        for name in (
            "judgement", "version", "level_before", "level_after", "point_after", "note", "changed_by",
            "changed_at", "reason",
        )
    )  # fmt: skip
    j = {name: column(judgement, name) for name in ("id", "version", "level", "point", "note", "drop")}
    sql = (
        f"INSERT INTO {quote(revision.db_table)} ({target}) "  # noqa: S608 - names from the models, values bound
        f"SELECT {j['id']}, {j['version']}, NULL, {j['level']}, {j['point']}, {j['note']}, %s, %s, %s "
        f"FROM {quote(judgement.db_table)} AS j WHERE j.{j['drop']} = %s AND j.{j['id']} >= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {quote(revision.db_table)} AS r "
        f"WHERE r.{column(revision, 'judgement')} = j.{j['id']})"
    )
    changed_at = revision.get_field("changed_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [getattr(user, "pk", None), changed_at, reason, drop_id, first_id])
