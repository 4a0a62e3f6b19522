"""Recording many judgements at once: the write path of spreadsheet imports.

The rules are :func:`strides.assessment.services.record_judgement`'s, checked for a whole set of
rows with a few queries per few thousand rows instead of a few per row:

- the school's part of the drop must be open for editing;
- the actor holds RECORD_ASSESSMENT or IMPORT_ASSESSMENT at the school (an actor of ``None``, the
  command line, is trust-wide) and sees the pupil through the gate;
- the pupil is on the roll of a school in the drop, the subject is collected in the drop, and the
  level comes from a framework the school may use, one used for the subject;
- the common point comes from the crosswalk in force on the drop's date.

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
from django.db.models import QuerySet
from django.utils import timezone

from strides.access.gate import schools_with, scope_for, visible_pupils
from strides.accounts.roles import Capability
from strides.assessment.grid_queries import reopeners
from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement, JudgementRevision
from strides.assessment.sheets.closed import closed_notice
from strides.audit.models import AuditAction
from strides.audit.services import Change, record_many
from strides.frameworks.codes import CodeBook
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.queries import FrameworkChooser
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale, point_map
from strides.imports.records import RowError
from strides.pupils.models import Enrolment, Pupil
from strides.pupils.queries import characteristics_as_at_many

CHUNK = 5000
WITHDRAW_WORD = "WITHDRAW"  # the cell value that withdraws a judgement (docs/importing-drops.md)
WRITE_BATCH = 2000
CACHE_PUPILS = 20_000  # pupils whose schools and reach are remembered between importer and service
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


def _id(value: Any) -> int | None:
    return getattr(value, "pk", value)


def pupils_in_reach(actor: Any, drop: DataDrop) -> QuerySet[Pupil]:
    """Pupils the actor may record for in this drop: through the gate, or (no actor, the command
    line) every pupil ever on the roll of one of the trust's schools."""
    if actor is None:
        return Pupil.objects.filter(
            pk__in=Enrolment.objects.filter(school__trust_id=drop.trust_id).values("pupil_id")
        )
    return visible_pupils(actor)


def recording_school_ids(actor: Any, drop: DataDrop) -> set[int] | None:
    """Schools of the drop where the actor may record judgements; None: all of them."""
    if actor is None:
        return None
    held = scope_for(actor).capabilities
    caps = (Capability.RECORD_ASSESSMENT, Capability.IMPORT_ASSESSMENT)
    if any(None in held.get(str(cap), frozenset()) for cap in caps):
        return None
    ids: set[int] = set()
    for cap in caps:
        ids |= set(schools_with(actor, cap).values_list("pk", flat=True))
    return ids


class DropRules:
    """What a drop allows, loaded once: its subjects and schools' parts, the frameworks each
    school may use (and for which subjects), the crosswalk in force and its points. Shared by the
    bulk service and the spreadsheet importer, so both answer the same way."""

    def __init__(self, drop: DataDrop, actor: Any = None) -> None:
        self.drop = drop
        self.actor = actor
        self.subjects: dict[int, Subject] = {s.pk: s for s in drop.subjects.all()}
        self.parts: dict[int, DropSchool] = {
            p.school_id: p for p in DropSchool.objects.filter(drop=drop).select_related("school")
        }
        self.may_record_at = recording_school_ids(actor, drop)
        scale = ensure_common_scale(drop.trust, actor)
        self.crosswalk = crosswalk_in_force(scale, drop.assessed_on)
        self.points = point_map(self.crosswalk) if self.crosswalk else {}
        # the trust's frameworks, levels and subjects: which codes a school may use (codes.CodeBook)
        self.book = CodeBook(drop.trust_id)
        self.frameworks: dict[int, Framework] = {pk: c.framework for pk, c in self.book.frameworks.items()}
        self._codes: dict[int, str] | None = None
        self._schools: dict[int, list[tuple[int, bool]]] = {}
        self._reach: dict[int, bool] = {}
        self._choosers: dict[int, FrameworkChooser] = {}  # school -> its framework choices
        self._years: dict[int, int | None] = {}  # pupil -> NC year on the drop's date
        self._closed: dict[int, list[Any]] = {}  # closed school -> [first row, rows, last row]

    # --- questions about one school, subject or level --------------------------------------

    def framework_usable(self, framework_id: int, school_id: int, subject_id: int) -> bool:
        return self.book.usable(framework_id, school_id, subject_id)

    def level_problem(self, school_id: int, subject_id: int, level: Level) -> str | None:
        framework = self.frameworks.get(level.framework_id)
        school = self.parts[school_id].school if school_id in self.parts else None
        if framework is None or framework.school_id not in (None, school_id):
            return f"{level.code} is not from a framework {school} can use."
        if not self.framework_usable(level.framework_id, school_id, subject_id):
            return f"{framework.name} is not used for {self.subjects[subject_id].name}."
        return None

    def chooser(self, school_id: int) -> FrameworkChooser:
        """The school's framework choices on the drop's date, for the drop's subjects."""
        if school_id not in self._choosers:
            subjects = list(self.subjects.values())
            self._choosers[school_id] = FrameworkChooser(school_id, subjects, self.drop.assessed_on)
        return self._choosers[school_id]

    def nc_years(self, pupil_ids: Iterable[int]) -> dict[int, int | None]:
        """pupil -> NC year on the drop's date (what their year group's framework depends on),
        remembered for the next few thousand pupils like :meth:`schools_of`."""
        ids = set(pupil_ids)
        missing = ids - self._years.keys()
        if missing:
            if len(self._years) > CACHE_PUPILS:
                self._years.clear()
            found = characteristics_as_at_many(list(missing), self.drop.assessed_on)
            self._years.update(
                (pupil_id, found[pupil_id].nc_year if pupil_id in found else None) for pupil_id in missing
            )
        return {pupil_id: self._years[pupil_id] for pupil_id in ids}

    def framework_problem(self, school_id: int, subject_id: int, pupil_id: int, level: Level) -> str | None:
        """A level of another framework than the one the school's assignment gives the pupil in
        the subject (``FrameworkChooser``) is refused, in the code rule's words."""
        nc_year = self.nc_years([pupil_id])[pupil_id]
        in_use = self.chooser(school_id).framework_for(pupil_id, subject_id, nc_year)
        if in_use is None or in_use.pk == level.framework_id:
            return None
        school = self.parts[school_id].school
        subject = self.subjects[subject_id]
        return self.book.not_in_use(level.code, level, in_use, nc_year, school.name, subject.name)

    def closed_row(self, school_id: int, row: int | None) -> bool:
        """Whether the school's part of the drop is closed (submitted or locked). Its rows are then
        not refused one by one: they are counted for the school's one refusal
        (:meth:`closed_refusals`)."""
        part = self.parts.get(school_id)
        if part is None or part.teachers_may_edit:
            return False
        seen = self._closed.setdefault(school_id, [row, 0, object()])
        if row is None or row != seen[2]:
            seen[1] += 1
            seen[2] = row
        return True

    def closed_refusals(self) -> list[RowError]:
        """One refusal for each closed school the rows were for, at its first row, saying who
        closed it and when and who can reopen it (``sheets.closed.closed_notice``)."""
        if not self._closed:
            return []
        names = reopeners(self.drop)
        errors = []
        for school_id, (first, rows, _) in self._closed.items():
            part = DropSchool.objects.select_related("school", "changed_by").get(pk=self.parts[school_id].pk)
            part.drop = self.drop
            counted = f"{rows} row{'s' if rows != 1 else ''}"
            message = f"{closed_notice(part, names)} The file has {counted} for it."
            errors.append(RowError(first, "school", part.school.name, message))
        return errors

    def part_problem(self, school_id: int) -> str | None:
        part = self.parts.get(school_id)
        if part is None:
            return f"This school is not part of {self.drop}."
        if not part.teachers_may_edit:
            return (
                f"{part.school}'s {self.drop} is {part.get_status_display().lower()}: judgements can no "
                "longer be changed. Ask the trust to reopen it."
            )
        if self.may_record_at is not None and school_id not in self.may_record_at:
            return f"You cannot record judgements at {part.school}."
        return None

    def code(self, level_id: int | None) -> str:
        if level_id is None:
            return ""
        if self._codes is None:
            self._codes = dict(
                Level.objects.filter(framework_id__in=list(self.frameworks)).values_list("pk", "code")
            )
        if level_id not in self._codes:
            self._codes.update(Level.objects.filter(pk=level_id).values_list("pk", "code"))
        return self._codes.get(level_id, "?")

    def point_for(self, level_id: int) -> int | None:
        return self.points.get(level_id)

    def lock_parts(self) -> None:
        """Re-read the parts under a lock, so a submit cannot slip in during the import."""
        locked = DropSchool.objects.select_for_update().filter(drop=self.drop).select_related("school")
        self.parts = {p.school_id: p for p in locked}

    def schools_of(self, pupil_ids: Iterable[int]) -> dict[int, list[tuple[int, bool]]]:
        """pupil -> [(school of the drop, on roll on the drop's date)], on-roll schools first.
        Remembered for the next few thousand pupils: the importer asks first, then the service
        for the same rows."""
        ids = set(pupil_ids)
        missing = ids - self._schools.keys()
        if missing:
            if len(self._schools) > CACHE_PUPILS:
                self._schools.clear()
            day = self.drop.assessed_on
            found: dict[int, list[tuple[int, bool]]] = {pupil_id: [] for pupil_id in missing}
            rows = Enrolment.objects.filter(
                pupil_id__in=list(missing), school_id__in=list(self.parts)
            ).values_list("pupil_id", "school_id", "start_date", "end_date")
            for pupil_id, school_id, start, end in sorted(rows, key=lambda r: r[2], reverse=True):
                on_roll = start <= day and (end is None or end >= day)
                found[pupil_id].append((school_id, on_roll))
            for choices in found.values():
                choices.sort(key=lambda c: not c[1])
            self._schools.update(found)
        return {pupil_id: self._schools[pupil_id] for pupil_id in ids if self._schools.get(pupil_id)}

    def reachable(self, pupil_ids: Iterable[int]) -> set[int]:
        """Those of these pupils the actor may record for (through the gate)."""
        ids = set(pupil_ids)
        missing = ids - self._reach.keys()
        if missing:
            if len(self._reach) > CACHE_PUPILS:
                self._reach.clear()
            found = set(
                pupils_in_reach(self.actor, self.drop)
                .filter(pk__in=list(missing))
                .values_list("pk", flat=True)
            )
            self._reach.update((pupil_id, pupil_id in found) for pupil_id in missing)
        return {pupil_id for pupil_id in ids if self._reach.get(pupil_id)}

    def found_in_reach(self, pupil_ids: Iterable[int]) -> None:
        """Pupils a caller has just found through :func:`pupils_in_reach` (by UPN, say)."""
        if len(self._reach) > CACHE_PUPILS:
            self._reach.clear()
        self._reach.update((pupil_id, True) for pupil_id in pupil_ids)

    def school_for(self, choices: list[tuple[int, bool]]) -> int | None:
        """The school a judgement is made at: on roll on the drop's date first, and one where the
        actor may record if there is a choice."""
        for school_id, _ in choices:
            if self.may_record_at is None or school_id in self.may_record_at:
                return school_id
        return choices[0][0] if choices else None


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def record_judgements(
    actor: Any,
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
    actor: Any
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
    def user(self) -> Any:
        return self.actor if getattr(self.actor, "pk", None) else None

    def refuse(self, item: JudgementRow, value: Any, message: str) -> None:
        self.result.errors.append(RowError(item.row, item.field, str(value), message))

    def take(self, chunk: list[JudgementRow | RowError]) -> None:
        self.seen += len(chunk)
        items = [item for item in chunk if isinstance(item, JudgementRow)]
        self.result.errors.extend(item for item in chunk if isinstance(item, RowError))
        pupil_ids = {_id(item.pupil) for item in items}
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
                plan.append((item, school_id, current.get((_id(item.pupil), item.subject.pk))))
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
        rules, level = self.rules, item.level
        pupil_id, subject_id = _id(item.pupil), item.subject.pk
        if pupil_id not in reachable:
            self.refuse(item, level.code, "You cannot record judgements for this pupil.")
            return None
        if subject_id not in rules.subjects:
            self.refuse(item, level.code, f"{item.subject.name} is not collected in {self.drop}.")
            return None
        if item.school is not None:
            school_id = _id(item.school)
            if school_id not in {s for s, _ in schools.get(pupil_id, [])}:
                self.refuse(item, level.code, "The pupil is not on this school's roll.")
                return None
        else:
            school_id = rules.school_for(schools.get(pupil_id, []))
            if school_id is None:
                self.refuse(item, level.code, f"The pupil is not on the roll of a school in {self.drop}.")
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

    def _claim(self, item: JudgementRow, shown: str, existing: Judgement | None) -> bool:
        """Whether the row's pupil and subject are not given earlier in the file and their
        judgement is at the version the preview saw (a preview notes that version)."""
        key = (_id(item.pupil), item.subject.pk)
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
        pupil_id, subject_id, shown = _id(item.pupil), item.subject.pk, WITHDRAW_WORD
        if pupil_id not in reachable:
            self.refuse(item, shown, "You cannot record judgements for this pupil.")
            return None
        if subject_id not in self.rules.subjects:
            self.refuse(item, shown, f"{item.subject.name} is not collected in {self.drop}.")
            return None
        existing = current.get((pupil_id, subject_id))
        school_id = existing.school_id if existing else self.rules.school_for(schools.get(pupil_id, []))
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
        updates: list[tuple[Judgement, int]] = []  # (judgement, level before)
        withdrawals: list[Judgement] = []
        for item, school_id, existing in plan:
            if item.withdraw:
                self._plan_withdrawal(item, school_id, existing, withdrawals, now, user_id)
                continue
            level = item.level
            point_id = self.rules.point_for(level.pk)
            withdrawn = existing is not None and existing.withdrawn_at is not None
            before_id = existing.level_id if existing is not None and not withdrawn else None
            version_before = existing.version if existing is not None else 0
            if existing is None:
                outcome = "created"
                creates.append(
                    Judgement(
                        pupil_id=_id(item.pupil),
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
                        _id(item.pupil),
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
            _first_revisions(self.drop.pk, min(j.pk for j in creates), user, now, revision_reason)
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
                    item.row, item.field, _id(item.pupil), item.subject.pk, outcome, before_id, None,
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


def _first_revisions(drop_id: int, first_id: int, user: Any, now: Any, reason: str) -> None:
    """Version 1 of every judgement just created (ids from ``first_id`` on, in this drop, with no
    revision yet), copied from the judgements by one INSERT ... SELECT in the database: a large
    import's first revisions cost one statement a chunk instead of a Python object and bound
    parameters each. Judgements saved by anyone else already have their revision (it is written
    in the same transaction), so only this import's are picked."""
    revision, judgement = JudgementRevision._meta, Judgement._meta
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
