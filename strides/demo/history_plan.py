"""What the demo's assessment history holds, decided in pure Python before anything is written.

- :func:`prepare` adjusts the demo plan before the builder writes it: one school joined the trust
  this September, so it owes baselines. (The plan already gives each pupil a characteristics period
  per academic year back to enrolment, so every drop finds them in the NC year they were in then.)
- :class:`HistoryPlan` answers, for the writer: where each pupil was on roll and where a drop
  records them, the framework choices schools make (GCSE in Year 11, Entry Level for Key Stage 4
  pupils working well below, the engagement model and pre-key stage standards at special schools),
  where the current drop stands at each school, and which classes are done.

Everything is drawn from ``random.Random`` sources seeded by the demo's seed; the date only chooses
the current academic year (and, in the writer, which drop is the current one).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, replace

from strides.demo import history_model as model
from strides.demo.curriculum import add_curriculum
from strides.demo.plan import ClassPlan, DemoPlan, PupilPlan, SchoolPlan

SECONDARY_TYPES = ("secondary", "all_through")
GCSE_YEARS = (11,)  # the default crosswalk puts GCSE grade 3 at Year 11 working towards
# Key Stage 4 pupils this many points (or more) below the expected point go onto Entry Level
ENTRY_LEVEL_GAP = {"secondary": -7, "all_through": -7, "ap": -4}
TEACHER_LOGIN = "teacher"  # the demo teacher's class is left for them to fill in
HEAD_LOGIN = "head"

NOT_STARTED, IN_PROGRESS, SUBMITTED = "not_started", "in_progress", "submitted"


def joining_school_key(plan: DemoPlan) -> str:
    """The school that joined the trust this September: the last primary without a demo login
    (the head, teacher and other school logins work at the first), else the last AP unit."""
    login_schools = {s.school for s in plan.staff if s.login and s.school}
    trust = [s for s in plan.schools if s.in_trust]
    for school_type in ("primary", "ap", "special", "secondary"):
        candidates = [s for s in trust if s.school_type == school_type and s.key not in login_schools]
        if candidates:
            return candidates[-1].key
    return trust[-1].key


def prepare(plan: DemoPlan) -> DemoPlan:
    """The plan with the school that joined the trust this September."""
    key = joining_school_key(plan)
    joined = dt.date(plan.start_year, 9, 1)
    schools = [replace(s, joined_trust_on=joined) if s.key == key else s for s in plan.schools]
    return replace(plan, schools=schools)


@dataclass(frozen=True)
class Span:
    school: str
    start: dt.date
    end: dt.date | None
    placement: bool

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass(frozen=True)
class FrameworkChoice:
    school: str
    framework: str
    valid_from: dt.date
    nc_year: int | None = None
    upn: str | None = None


class HistoryPlan:
    """The decisions about a prepared plan's history that need no database."""

    def __init__(self, plan: DemoPlan) -> None:
        self.plan = plan
        self.start_year = plan.start_year
        self.first_day = dt.date(plan.start_year - 2, 9, 1)
        self.schools: dict[str, SchoolPlan] = {s.key: s for s in plan.schools}
        self.joining = joining_school_key(plan)
        self.courses = model.draw_courses(plan)
        add_curriculum(self.courses, plan)
        self.rng = random.Random(f"strides-demo-history-drops-{plan.seed}")
        self.spans: dict[str, list[Span]] = defaultdict(list)
        for placement in plan.placements:  # placements first: a placed pupil is recorded where taught
            self.spans[placement.upn].append(
                Span(placement.ap_school, placement.start, placement.end, placement=True)
            )
        for pupil in plan.pupils:
            self.spans[pupil.upn].append(Span(pupil.school, pupil.enrolment_start, None, placement=False))

    # --- where pupils are recorded -------------------------------------------------------------

    def recording_school(self, pupil: PupilPlan, day: dt.date, schools: set[str]) -> str | None:
        """The school of the drop that records the pupil: on roll there on the day; a pupil placed
        at an AP is recorded by the AP, which teaches them."""
        for span in self.spans[pupil.upn]:
            if span.school in schools and span.covers(day):
                return span.school
        return None

    def in_trust_on(self, key: str, day: dt.date) -> bool:
        school = self.schools[key]
        return school.in_trust and (school.joined_trust_on is None or school.joined_trust_on <= day)

    # --- framework choices -----------------------------------------------------------------------

    def framework_choices(self) -> list[FrameworkChoice]:
        choices: list[FrameworkChoice] = []
        for school in self.plan.schools:
            if school.in_trust and school.school_type in SECONDARY_TYPES:
                since = max(self.first_day, school.joined_trust_on or self.first_day)
                choices += [FrameworkChoice(school.key, "gcse", since, nc_year=y) for y in GCSE_YEARS]
        for pupil in self.plan.pupils:
            course = self.courses[pupil.upn]
            for framework, slot in course.frameworks:
                since = model.academic_year_start(self.start_year, slot)
                choices.append(FrameworkChoice(pupil.school, framework, since, upn=pupil.upn))
            for span in self.spans[pupil.upn]:
                school_type = self.schools[span.school].school_type
                if school_type in ENTRY_LEVEL_GAP:
                    slot = self._entry_level_from(pupil, course, ENTRY_LEVEL_GAP[school_type])
                    if slot is not None:
                        since = max(model.academic_year_start(self.start_year, slot), span.start)
                        choices.append(FrameworkChoice(span.school, "entry-level", since, upn=pupil.upn))
        return choices

    def _entry_level_from(self, pupil: PupilPlan, course: model.Course, gap: int) -> int | None:
        """The slot from which a Key Stage 4 pupil working far below is on Entry Level."""
        for slot in range(0, model.SLOTS, 3):
            nc_year = model.nc_year_at(pupil, slot)
            if nc_year == 10 or (nc_year == 11 and slot == 0):
                expected = model.expected_value(nc_year, "autumn")
                offsets = [course.values[s][slot] - expected for s in model.SUBJECTS]
                return slot if sum(offsets) / len(offsets) <= gap else None
        return None

    # --- the current drop --------------------------------------------------------------------

    def login_school(self) -> str | None:
        return next((s.school for s in self.plan.staff if s.username == HEAD_LOGIN), None)

    def current_statuses(self, keys: list[str]) -> dict[str, str]:
        """Where the current drop stands at each school: the demo head's school is in progress,
        one school (not a secondary, where possible) has not started, the others have submitted
        or are in progress."""
        rng = self.rng
        statuses = {key: SUBMITTED if rng.random() < 0.55 else IN_PROGRESS for key in keys}
        login = self.login_school()
        others = [key for key in keys if key != login]
        if login in statuses:
            statuses[login] = IN_PROGRESS
        # a secondary's Year 11 is where GCSE judgements show, so one of them is not the one
        quiet = [k for k in others if self.schools[k].school_type not in SECONDARY_TYPES] or others
        if quiet:
            statuses[quiet[rng.randrange(len(quiet))]] = NOT_STARTED
        rest = [key for key in others if statuses[key] != NOT_STARTED]
        if rest and SUBMITTED not in statuses.values():
            statuses[rest[rng.randrange(len(rest))]] = SUBMITTED
        if rest and IN_PROGRESS not in statuses.values():
            statuses[rest[rng.randrange(len(rest))]] = IN_PROGRESS
        return statuses

    def classes_done(self, key: str) -> list[ClassPlan]:
        """Some of a school's registration classes (never all, never none, and never the demo
        teacher's), whose judgements are in."""
        rng = self.rng
        groups = [c for c in self.plan.classes if c.school == key and not c.subject]
        open_to_do = [c for c in groups if TEACHER_LOGIN not in c.teachers]
        if len(groups) < 2:
            return []
        share = rng.uniform(0.3, 0.7)
        count = min(len(open_to_do), len(groups) - 1, max(1, round(len(groups) * share)))
        return sorted(rng.sample(open_to_do, count), key=lambda c: c.name)
