"""Write the demo trust's assessment history through the real services.

Three academic years of termly drops (the last two years' autumn, spring and summer, and this
year's up to the current one), plus a baseline drop for each school that joined the trust in that
time, made the way a trust makes them:

- the trust analyst adds each drop to the calendar (``services.create_drop``; baseline drops through
  ``calendar.create_baseline_drop``);
- schools choose frameworks (``frameworks.services.assign_framework``): GCSE in Year 11, Entry Level
  for Key Stage 4 pupils working far below, the engagement model and pre-key stage standards for
  special-school pupils with PMLD and SLD; every other choice is the NC bands default;
- judgements go in school by school through the set-based service spreadsheet imports use
  (``bulk.record_judgements``), made by the head, or class by class by the class teacher, in the
  framework ``FrameworkChooser`` gives for the pupil on the drop's date;
- heads submit and the analyst locks every past drop (``services.transition``); one school's
  drop last summer was reopened for moderation and three judgements changed through
  ``services.record_judgement``, the class grid's path;
- the current drop is part-complete: some schools submitted, some in progress with some classes
  done, one not started. The school that joined this September is not in this year's termly drops
  yet: its baseline drop is in progress and its other pupils owe baselines.

What pupils attain is :mod:`strides.demo.history_model`; the other decisions are
:mod:`strides.demo.history_plan`. Everything runs in one transaction.

By default the framework choices, the first judgements and the sign-offs (a million rows in the
large trust) are written set-based by :mod:`strides.demo.judgement_writer`: the rows and audit
entries the services named above write, checked the same way, in a few statements per school and
drop. ``write_history(..., bulk=False)`` calls the services themselves, and
``tests/test_bulk_paths.py`` checks that both write the same rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from strides.access.actor import Actor
from strides.accounts.models import User
from strides.assessment import calendar
from strides.assessment.models import DataDrop, DropSchool, DropStatus, Judgement
from strides.assessment.services import create_drop, record_judgement, transition
from strides.assessment.services.bulk_judgements import JudgementRow, record_judgements
from strides.demo import curriculum
from strides.demo import history_model as model
from strides.demo.bulk import refresh_planner_statistics
from strides.demo.history_plan import IN_PROGRESS, SUBMITTED, HistoryPlan
from strides.demo.judgement_writer import (
    Choice,
    FirstJudgement,
    sign_off,
    write_first_judgements,
    write_framework_choices,
)
from strides.demo.plan import TRUST_SLUG, ClassPlan, DemoPlan, PupilPlan
from strides.frameworks.models import Framework, Level, ScalePoint, Subject
from strides.frameworks.queries import FrameworkChooser, subjects_owed_at
from strides.frameworks.services import assign_framework, crosswalk_in_force, ensure_common_scale, point_map
from strides.organisations.models import AcademicYear, School, Trust
from strides.organisations.services import ensure_academic_year
from strides.pupils.models import Pupil

REASON = "demo data"
ANALYST = "analyst"
MODERATED = 3  # writing judgements changed when last summer's drop was reopened

Progress = Callable[[str], None]


@dataclass(frozen=True)
class HistorySummary:
    drops: int
    judgements: int
    seconds: float


@dataclass(frozen=True)
class _Event:
    day: dt.date
    year: AcademicYear | None
    planned: calendar.PlannedDrop | None
    current: bool = False
    baseline_of: str = ""  # a school that joined the trust in the last three years


class _LevelPicker:
    """The level of a framework that best fits a point on the common scale: the highest level
    whose point (in the crosswalk in force on the drop's date) is at or below it, and among levels
    that share a point, the one ``fine`` falls in."""

    def __init__(self, drop: DataDrop, scale: Any) -> None:
        crosswalk = crosswalk_in_force(scale, drop.assessed_on)
        values = dict(ScalePoint.objects.filter(scale=scale).values_list("pk", "value"))
        points = point_map(crosswalk) if crosswalk else {}
        # what a judgement records beside its level (the bulk service's DropRules: the same calls)
        self.crosswalk_id: int | None = crosswalk.pk if crosswalk else None
        self.points: dict[int, int] = points
        grouped: dict[int, dict[int, list[Level]]] = defaultdict(lambda: defaultdict(list))
        for level in Level.objects.filter(framework__trust=None).select_related("framework"):
            if level.pk in points:
                grouped[level.framework_id][values[points[level.pk]]].append(level)
        self.groups = {
            framework_id: sorted(
                (value, sorted(levels, key=lambda lv: lv.order)) for value, levels in by.items()
            )
            for framework_id, by in grouped.items()
        }
        self.chosen: dict[tuple[int, int, int | None], list[Level]] = {}  # the levels a point fits

    def pick(self, framework: Framework, value: int, fine: float, nc_year: int) -> Level:
        bands = framework.code == "nc-bands"  # the only framework whose choice depends on the year
        key = (framework.pk, value, nc_year if bands else None)
        chosen = self.chosen.get(key)
        if chosen is None:
            chosen = self.chosen[key] = self._levels_at(framework, value, nc_year, bands)
        return chosen[min(int(fine * len(chosen)), len(chosen) - 1)]

    def _levels_at(self, framework: Framework, value: int, nc_year: int, bands: bool) -> list[Level]:
        if bands:
            value = min(max(value, model.BOTTOM_BAND), model.top_of_year(nc_year))
        groups = self.groups[framework.pk]
        chosen = groups[0][1]
        for point, levels in groups:
            if point > value:
                break
            chosen = levels
        return chosen


class _Writer:
    def __init__(self, plan: DemoPlan, today: dt.date, progress: Progress, *, bulk: bool = True) -> None:
        self.plan = plan
        self.bulk = bulk  # first judgements set-based (judgement_writer); False: through the service
        self.today = today
        self.progress = progress
        self.history = HistoryPlan(plan)
        self.trust = Trust.objects.get(slug=TRUST_SLUG)
        by_urn = {s.urn: s for s in School.objects.filter(trust=self.trust)}
        self.schools: dict[str, School] = {s.key: by_urn[s.urn] for s in plan.schools if s.urn in by_urn}
        self.keys = {school.pk: key for key, school in self.schools.items()}
        usernames = {ANALYST} | {s.username for s in plan.staff if s.role == "headteacher"}
        usernames |= {c.teachers[0] for c in plan.classes if c.teachers}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        self.analyst = self.users[ANALYST]
        self.heads = {s.school: self.users[s.username] for s in plan.staff if s.role == "headteacher"}
        self.pupil_ids = dict(
            Pupil.objects.filter(enrolments__school__trust=self.trust).values_list("upn", "pk").distinct()
        )
        self.pupils = {p.upn: p for p in plan.pupils}
        # first: on a flushed database this also installs the shipped subjects and frameworks
        self.scale = ensure_common_scale(self.trust, self.analyst)
        codes = (*model.SUBJECTS, *curriculum.CODES)
        self.subjects = {s.code: s for s in Subject.objects.filter(trust=None, code__in=codes)}
        self.core = [self.subjects[code] for code in model.SUBJECTS]
        # what termly drops collect: the core subjects and the secondary curriculum
        self.collected = [self.subjects[code] for code in codes]
        self.owed: dict[tuple[int, int], list[Subject]] = {}  # (drop, school) -> subjects owed
        self.choosers: dict[tuple[int, int], FrameworkChooser] = {}
        self.judgements = 0
        self.drops = 0

    # --- calendar and framework choices ------------------------------------------------------

    def years(self) -> dict[int, AcademicYear]:
        start = self.plan.start_year
        return {y: ensure_academic_year(None, self.trust, y) for y in (start - 2, start - 1, start)}

    def framework_choices(self) -> None:
        choices = self.history.framework_choices()
        frameworks = {f.code: f for f in Framework.objects.filter(trust=None)}
        named = Pupil.objects.in_bulk([self.pupil_ids[c.upn] for c in choices if c.upn])
        usable = {f.pk: {s.pk for s in f.subjects.all()} for f in frameworks.values()}  # empty: any
        made: list[Choice] = []
        for choice in choices:
            pupil = named[self.pupil_ids[choice.upn]] if choice.upn else None
            for subject in self.collected:
                framework = frameworks[choice.framework]
                if usable[framework.pk] and subject.pk not in usable[framework.pk]:
                    if choice.framework != "pre-key-stage":
                        continue  # Entry Level is for the core subjects: the year group's choice
                    framework = frameworks["engagement"]  # not in subject-specific study there
                if self.bulk:
                    school = self.schools[choice.school]
                    made.append(
                        Choice(
                            self.heads[choice.school], school, subject, framework, choice.valid_from,
                            choice.nc_year, pupil.pk if pupil else None,
                        )
                    )  # fmt: skip
                    continue
                assign_framework(
                    self.heads[choice.school],
                    self.schools[choice.school],
                    subject,
                    framework,
                    choice.valid_from,
                    nc_year=choice.nc_year,
                    pupil=pupil,
                )
        write_framework_choices(made)
        self.progress(f"Assessment history: {len(choices)} framework choices")

    # --- judgements --------------------------------------------------------------------------

    def members(
        self, day: dt.date, slot: int, keys: set[str], pupils: Iterable[PupilPlan]
    ) -> dict[str, list]:
        """School key -> [(pupil, NC year)] the drop records there: on roll on the day, in Years 1-11."""
        found: dict[str, list[tuple[PupilPlan, int]]] = defaultdict(list)
        for pupil in pupils:
            nc_year = model.nc_year_at(pupil, slot)
            if model.FIRST_NC <= nc_year <= model.LAST_NC:
                key = self.history.recording_school(pupil, day, keys)
                if key is not None:
                    found[key].append((pupil, nc_year))
        return found

    def record(
        self, actor: Actor, drop: DataDrop, slot: int, key: str, members: list, picker: _LevelPicker
    ) -> int:
        school = self.schools[key]
        if (drop.pk, school.pk) not in self.owed:
            self.owed[(drop.pk, school.pk)] = subjects_owed_at(drop, school)
        subjects = self.owed[(drop.pk, school.pk)]  # of the school's phase (every phase: special)
        # the school's choices on the drop's date, read once for all its classes in the drop
        if (drop.pk, school.pk) not in self.choosers:
            self.choosers[(drop.pk, school.pk)] = FrameworkChooser(school.pk, subjects, drop.assessed_on)
        chooser = self.choosers[(drop.pk, school.pk)]
        rows: list[JudgementRow] = []
        firsts: list[FirstJudgement] = []
        keyed = [(subject, subject.pk, subject.code) for subject in subjects]
        for pupil, nc_year in members:
            pupil_id = self.pupil_ids[pupil.upn]
            course = self.history.courses[pupil.upn]
            for subject, subject_id, code in keyed:
                framework = chooser.framework_for(pupil_id, subject_id, nc_year)
                assert framework is not None  # the NC bands are shipped
                value = course.values[code][slot]
                level = picker.pick(framework, value, course.fine[code], nc_year)
                note = course.notes.get((code, slot), "") if framework.code == "engagement" else ""
                if self.bulk:
                    firsts.append(FirstJudgement(pupil_id, subject_id, level.pk, note))
                else:
                    rows.append(JudgementRow(pupil_id, subject, level, note=note, school=school.pk))
        if self.bulk:
            written = write_first_judgements(
                actor, drop, school.pk, firsts, crosswalk_id=picker.crosswalk_id, points=picker.points,
                reason=REASON,
            )  # fmt: skip
            self.judgements += written
            return written
        if not rows:
            return 0
        result = record_judgements(actor, drop, rows, reason=REASON, dry_run=False, detail=False)
        if not result.committed:
            problems = "; ".join(f"{e.value}: {e.message}" for e in result.errors[:5])
            raise RuntimeError(f"Demo judgements for {school} in {drop} were refused: {problems}")
        self.judgements += result.created + result.updated
        return result.created + result.updated

    def record_classes(
        self,
        drop: DataDrop,
        slot: int,
        keys: set[str],
        key: str,
        groups: list[ClassPlan],
        picker: _LevelPicker,
    ) -> int:
        """Each class's judgements, recorded by its teacher (except those of pupils the drop records
        at another of ``keys``, the drop's schools: pupils placed at an AP)."""
        done = 0
        for group in groups:
            pupils = [self.pupils[upn] for upn in group.pupils]
            members = self.members(drop.assessed_on, slot, keys, pupils).get(key, [])
            done += self.record(self.users[group.teachers[0]], drop, slot, key, members, picker)
        return done

    def sign_off(self, drop: DataDrop) -> None:
        """Every school's head submits and the trust analyst locks."""
        if self.bulk:
            sign_off(drop, {pk: self.heads[key] for pk, key in self.keys.items()}, self.analyst)
            return
        for part in DropSchool.objects.filter(drop=drop).select_related("school"):
            transition(self.heads[self.keys[part.school_id]], part, DropStatus.SUBMITTED)
            transition(self.analyst, part, DropStatus.LOCKED)

    # --- the drops ---------------------------------------------------------------------------

    def events(self, years: dict[int, AcademicYear]) -> list[_Event]:
        """Every drop to make, in date order: this year's termly drops up to the current one."""
        events: list[_Event] = []
        this_year = self.plan.start_year
        for year_start in (this_year - 2, this_year - 1, this_year):
            planned = calendar.default_drop_plan(years[year_start])
            current = None
            if year_start == this_year:
                current = next((p for p in planned if p.deadline >= self.today), planned[-1])
                planned = planned[: planned.index(current) + 1]
            for drop in planned:
                events.append(_Event(drop.assessed_on, years[year_start], drop, current=drop == current))
        for key, school in self.schools.items():
            joined = school.joined_trust_on
            if joined and self.history.first_day <= joined and key != self.history.joining:
                due = joined + dt.timedelta(weeks=calendar.baseline_weeks())
                events.append(_Event(due, None, None, baseline_of=key))
        return sorted(events, key=lambda e: (e.day, e.baseline_of))

    def termly_drop(self, year: AcademicYear, planned: calendar.PlannedDrop, current: bool) -> DataDrop:
        keys = {
            k
            for k in self.schools
            if k != self.history.joining and self.history.in_trust_on(k, planned.assessed_on)
        }
        drop = create_drop(
            self.analyst,
            self.trust,
            year,
            name=planned.name,
            term=planned.term,
            opens_on=planned.opens_on,
            deadline=planned.deadline,
            assessed_on=planned.assessed_on,
            subjects=self.collected,
            schools=[self.schools[k] for k in sorted(keys, key=lambda k: self.schools[k].name)],
            nc_years=list(range(model.FIRST_NC, model.LAST_NC + 1)),
            slug=planned.slug,
        )
        slot = model.slot_of(self.plan.start_year - year.start_year, planned.term)
        picker = _LevelPicker(drop, self.scale)
        members = self.members(drop.assessed_on, slot, keys, self.plan.pupils)
        if not current:
            for key in sorted(members):
                self.record(self.heads[key], drop, slot, key, members[key], picker)
            self.sign_off(drop)
            return drop
        order = [k for k in self.schools if k in keys]
        for key, status in self.history.current_statuses(order).items():
            if status == SUBMITTED:
                self.record(self.heads[key], drop, slot, key, members.get(key, []), picker)
                part = DropSchool.objects.get(drop=drop, school=self.schools[key])
                transition(self.heads[key], part, DropStatus.SUBMITTED)
            elif status == IN_PROGRESS:
                self.record_classes(drop, slot, keys, key, self.history.classes_done(key), picker)
        return drop

    def baseline_drop(self, key: str, today: dt.date, complete: bool) -> DataDrop:
        """A new school's baseline: complete and locked for a school that joined in an earlier
        year; in progress, class by class, for the school that joined this September."""
        drop = calendar.create_baseline_drop(self.analyst, self.schools[key], today=today)
        year_start = drop.academic_year.start_year
        slot = model.slot_of(self.plan.start_year - year_start, drop.term)
        picker = _LevelPicker(drop, self.scale)
        if complete:
            members = self.members(drop.assessed_on, slot, {key}, self.plan.pupils).get(key, [])
            self.record(self.heads[key], drop, slot, key, members, picker)
            self.sign_off(drop)
        else:
            self.record_classes(drop, slot, {key}, key, self.history.classes_done(key), picker)
        return drop

    def moderation(self, drop: DataDrop) -> None:
        """Last summer at the demo head's school: the trust reopens the drop after moderating
        writing, the head lowers three judgements by a band and submits again, the trust locks."""
        key = self.history.login_school()
        if key is None or key not in self.schools:
            return
        part = DropSchool.objects.filter(drop=drop, school=self.schools[key]).first()
        writing = self.subjects["writing"]
        candidates = [
            j
            for j in Judgement.objects.filter(drop=drop, school=self.schools[key], subject=writing)
            .select_related("level__framework", "pupil")
            .order_by("pupil__upn")
            if j.level.framework.code == "nc-bands" and not j.level.code.endswith("WTS")
        ]
        if part is None or not candidates:
            return
        chosen = self.history.rng.sample(candidates, min(MODERATED, len(candidates)))
        lower = {
            lv.order: lv for lv in Level.objects.filter(framework__code="nc-bands", framework__trust=None)
        }
        reason = f"Writing moderation across the trust: {len(chosen)} judgements to lower by a band."
        transition(self.analyst, part, DropStatus.REOPENED, reason=reason)
        head = self.heads[key]
        for judgement in chosen:
            record_judgement(
                head,
                judgement.pupil,
                writing,
                drop,
                self.schools[key],
                lower[judgement.level.order - 1],
                expected_version=judgement.version,
                note="Lowered after trust moderation.",
                reason="moderation",
            )
        part.refresh_from_db()
        transition(head, part, DropStatus.SUBMITTED)
        transition(self.analyst, part, DropStatus.LOCKED)

    def run(self) -> HistorySummary:
        started = time.monotonic()
        events = self.events(self.years())
        self.framework_choices()
        last_year = self.plan.start_year - 1
        for index, event in enumerate(events, start=1):
            began, before = time.monotonic(), self.judgements
            if event.planned is not None:
                drop = self.termly_drop(event.year, event.planned, current=event.current)
                if event.year.start_year == last_year and event.planned.term == "summer":
                    self.moderation(drop)
            else:
                school = self.schools[event.baseline_of]
                drop = self.baseline_drop(event.baseline_of, school.joined_trust_on, complete=True)
            self.drops += 1
            self.progress(
                f"[{index}/{len(events)}] {drop.name}: {self.judgements - before:,} judgements "
                f"({time.monotonic() - began:.1f}s)"
            )
        if self.history.joining in self.schools:
            before = self.judgements
            drop = self.baseline_drop(self.history.joining, self.today, complete=False)
            self.drops += 1
            self.progress(f"{drop.name}: {self.judgements - before:,} judgements, some classes to do")
        return HistorySummary(self.drops, self.judgements, time.monotonic() - started)


def write_history(
    plan: DemoPlan, today: dt.date | None = None, progress: Progress | None = None, *, bulk: bool = True
) -> HistorySummary:
    """Write the assessment history of a demo plan the builder has written (a plan passed through
    :func:`strides.demo.history_plan.prepare` first). ``today`` chooses the current academic
    year and its current drop."""
    with transaction.atomic():
        summary = _Writer(plan, today or dt.date.today(), progress or (lambda message: None), bulk=bulk).run()
        refresh_planner_statistics()  # for the pages and checks that read it next
        return summary
