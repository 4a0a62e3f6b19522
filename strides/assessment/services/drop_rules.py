"""What a drop allows, loaded once (:class:`DropRules`): the subjects, the schools' parts, the
frameworks each school may use for each pupil and subject, the crosswalk in force and its points;
and who may record for whom (:func:`pupils_in_reach`, :func:`recording_school_ids`) and read what
(:func:`judgements_in_reach`). Shared by the bulk service
(``strides.assessment.services.bulk_judgements``) and the spreadsheet importer, so both answer the
same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from strides.access.actor import Actor
from strides.access.gate import as_staff, schools_with, scope_for, visible_pupils
from strides.access.judgements import visible_judgements
from strides.accounts.roles import Capability
from strides.assessment.closed_notices import closed_notice
from strides.assessment.grid_queries import reopeners
from strides.assessment.models import DataDrop, DropSchool, Judgement
from strides.frameworks.level_codes import CodeBook
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.queries import FrameworkChooser
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale, point_map
from strides.imports.records import RowError
from strides.pupils.models import Enrolment, FormerUpn, Pupil
from strides.pupils.services.periods_as_at import characteristics_as_at_many

CACHE_PUPILS = 20_000  # pupils whose schools and reach are remembered between importer and service


def pk_of(value: Any) -> int:
    """A model's primary key, or the id itself."""
    pk: int = getattr(value, "pk", value)
    return pk


def pupils_in_reach(actor: Actor | None, drop: DataDrop) -> QuerySet[Pupil]:
    """Pupils the actor may record for in this drop: through the gate as staff (not their own
    children: ``gate.as_staff``), or (no actor, the command line) every pupil ever on the roll of
    one of the trust's schools."""
    if actor is None:
        return Pupil.objects.filter(
            pk__in=Enrolment.objects.filter(school__trust_id=drop.trust_id).values("pupil_id")
        )
    return visible_pupils(as_staff(actor))


def former_upns_in_reach(actor: Actor | None, drop: DataDrop) -> QuerySet[FormerUpn]:
    """Former UPNs of :func:`pupils_in_reach`, so a file keyed by an old UPN still finds its pupil."""
    return FormerUpn.objects.filter(pupil__in=pupils_in_reach(actor, drop))


def judgements_in_reach(actor: Actor | None, drop: DataDrop) -> QuerySet[Judgement]:
    """Judgements the actor may read while recording in this drop (its previous judgements behind
    shorthand): ``strides.access.judgements.visible_judgements`` (ADR 11), or (no actor, the
    command line) every judgement of the drop's trust."""
    if actor is None:
        return Judgement.objects.filter(drop__trust_id=drop.trust_id)
    return visible_judgements(actor)


def recording_school_ids(actor: Actor | None, drop: DataDrop) -> set[int] | None:
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

    def __init__(self, drop: DataDrop, actor: Actor | None = None) -> None:
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
        # not ``ids - self._years.keys()``: that walks every key remembered, once per row
        missing = {pupil_id for pupil_id in ids if pupil_id not in self._years}
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
        missing = {pupil_id for pupil_id in ids if pupil_id not in self._schools}
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
        missing = {pupil_id for pupil_id in ids if pupil_id not in self._reach}
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
