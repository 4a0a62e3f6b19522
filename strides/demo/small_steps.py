"""The demo trust's small steps: two years of special-school records, through the services.

After the assessment history (:mod:`strides.demo.history`), ``demo-data`` gives the trust:

- its own linear framework, *Northern Lights small steps* (``create_framework`` + ``build_structure``:
  communication, reading, number, PSHE and physical, six steps of about six statements each),
  shared with its schools (``share_framework``); communication stands for reading in data drops and
  number for maths (``set_area_subject``), so a drop can take those pupils' judgements from their
  records; and an engagement-model framework;
- every pupil of its special schools (all have an EHCP) and a sample of the mainstream schools' SEN
  pupils (EHCP or SEN support, with every SEN pupil of the teacher login's class and the parent
  login's child) following the linear framework (``assign_framework``) from September two years
  ago, or from when they joined; a few special-school pupils with PMLD follow the engagement model
  instead, observed in words each half-term (``record_observation``, never a score);
- records each half-term, made by the pupil's class teacher (a mainstream secondary's head), and in
  physical development and PSHE of special-school classes by the class's teaching assistant, to
  whom the teacher delegated them (``delegate_area``; the teacher login delegates physical
  development to the TA login). Most pupils secure about a statement a term in each area (each
  "developing" first), some progress only laterally (statements they have re-recorded with rising
  independence, fluency, maintenance and generalisation ratings), a few stall and a few leap;
- the personal thresholds run for every completed term (``run_thresholds``), with some of the
  conversations they raised held and some closed (``hold_conversation``, ``close_conversation``);
- the progress pages of the parent login's child and of one special-school pupil shared with
  their parents (``share_progress_page``).

Records go in through :func:`strides.steps.services.demo_records.bulk`, the demo's writer: the
service's checks once per teacher and school, then the rows and their audit entries set-based.
Everything else goes through the services one call at a time. Drawn from the plan's seed: the same
plan gives the same records.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from strides.accounts.models import User
from strides.classes.models import TeachingGroup
from strides.demo.bulk import refresh_planner_statistics
from strides.demo.judgement_writer import Choice, write_framework_choices
from strides.demo.plan import TRUST_SLUG, ClassPlan, DemoPlan, PupilPlan
from strides.demo.small_steps_framework import STATEMENTS_PER_STEP, statement_rows
from strides.frameworks.models import Subject
from strides.frameworks.services import ensure_common_scale
from strides.organisations.models import School, Trust
from strides.organisations.services import ensure_academic_year
from strides.pupils.models import Pupil
from strides.steps.models import ASPECTS, Conversation, Shape, Statement, StepFramework
from strides.steps.queries import TERMS, term_window
from strides.steps.services.conversations import close_conversation, hold_conversation, run_thresholds
from strides.steps.services.demo_records import DemoRecord, assign_many, bulk
from strides.steps.services.frameworks import (
    build_structure,
    create_framework,
    ensure_common_scale_levels,
    set_area_subject,
    share_framework,
)
from strides.steps.services.recording import (
    delegate_area,
    record_observation,
    share_progress_page,
)

Progress = Callable[[str], None]

FRAMEWORK_CODE = "nl-small-steps"
ENGAGEMENT_CODE = "nl-engagement"
SHIPPED_ENGAGEMENT = "engagement-model"  # strides/steps/shipped.py
MAINSTREAM = ("primary", "secondary", "all_through")
SAMPLE = {"E": 0.08, "K": 0.015}  # mainstream pupils on small steps, by SEN provision
ENGAGEMENT_PUPILS = 3  # per special school: pupils with PMLD on the engagement model
HELD, CLOSED = 6, 3  # per special school: conversations held, and of those closed
DELEGATED = ("physical", "pshe")  # what special-school teachers delegate to their class's TA
SUBJECTS = {"reading": "reading", "number": "maths"}


OBSERVATIONS = (
    "Turned towards the light panel when it changed colour and reached out to touch it again.",
    "Smiled and vocalised when the familiar song began, before the adult started to sing.",
    "Stayed with the sensory tray for several minutes, moving the beads between both hands.",
    "Pushed the switch twice to make the fan blow, then waited and looked at the adult.",
    "Explored the new textured ball with mouth and hands, then returned to it after a break.",
    "Stilled and listened when the story's sound effect was played, and looked for its source.",
)


@dataclass(frozen=True)
class StepsSummary:
    pupils: int
    records: int
    observations: int
    conversations: int
    seconds: float


@dataclass
class _Track:
    """One pupil's place in one area: how far along the area's statements they are secured, and
    the ratings of those they have secured."""

    secured: int
    style: str  # slow, lateral, stall or leap
    ratings: dict[int, list[int]]  # statement index -> the four lateral ratings


def recording_days(start_year: int, today: dt.date) -> list[dt.date]:
    """A day near the end of each half-term from September two years ago up to today (the current
    half-term's once it has run a fortnight)."""
    from strides.organisations.services import default_half_terms

    days = []
    for year in (start_year - 2, start_year - 1, start_year):
        for _, starts, ends in default_half_terms(year):
            day = min(ends - dt.timedelta(days=4), today - dt.timedelta(days=1))
            if day >= starts + dt.timedelta(days=14):
                days.append(day)
    return days


class _Writer:
    def __init__(self, plan: DemoPlan, today: dt.date, progress: Progress) -> None:
        self.plan = plan
        self.today = today
        self.progress = progress
        self.rng = random.Random(f"small-steps-{plan.seed}")
        self.trust = Trust.objects.get(slug=TRUST_SLUG)
        by_urn = {s.urn: s for s in School.objects.filter(trust=self.trust)}
        self.schools = {s.key: by_urn[s.urn] for s in self.plan.schools if s.urn in by_urn}
        self.kinds = {s.key: s.school_type for s in self.plan.schools}
        self.users = {u.username: u for u in User.objects.filter(username__in=self._usernames())}
        self.analyst = self.users["analyst"]
        self.heads = {s.school: self.users[s.username] for s in plan.staff if s.role == "headteacher"}
        self.years = {
            y: ensure_academic_year(None, self.trust, y)
            for y in (plan.start_year - 2, plan.start_year - 1, plan.start_year)
        }
        self.records = 0
        self.observations = 0

    def _usernames(self) -> set[str]:
        names = {"analyst"} | {s.username for s in self.plan.staff if s.role == "headteacher"}
        for group in self.plan.classes:
            names |= set(group.teachers) | set(group.assistants)
        return names

    # --- who follows what ----------------------------------------------------------------------

    def choose_pupils(self) -> tuple[list[PupilPlan], list[PupilPlan]]:
        """(pupils on the linear framework, pupils on the engagement model)."""
        rng = self.rng
        teacher_class = next((c for c in self.plan.classes if "teacher" in c.teachers), None)
        always = {upn for _, upn, _ in self.plan.parent_links}
        linear: list[PupilPlan] = []
        engagement: list[PupilPlan] = []
        taken: dict[str, int] = defaultdict(int)
        for pupil in self.plan.pupils:
            kind = self.kinds.get(pupil.school)
            if pupil.school not in self.schools:
                continue
            provision = pupil.current.get("sen_provision", "N")
            if kind == "special":
                if pupil.current.get("primary_need") == "PMLD" and taken[pupil.school] < ENGAGEMENT_PUPILS:
                    taken[pupil.school] += 1
                    engagement.append(pupil)
                else:
                    linear.append(pupil)
            elif kind in MAINSTREAM:
                in_class = teacher_class is not None and pupil.upn in teacher_class.pupils
                wanted = pupil.upn in always or (in_class and provision in SAMPLE)
                if wanted or (provision in SAMPLE and rng.random() < SAMPLE[provision]):
                    linear.append(pupil)
        return linear, engagement

    def recorders(self) -> dict[tuple[str, str], tuple[str, str | None, ClassPlan | None]]:
        """(UPN, school key) -> (the teacher who records, the TA for delegated areas, their class)."""
        found: dict[tuple[str, str], tuple[str, str | None, ClassPlan | None]] = {}
        for group in self.plan.classes:
            if not group.teachers:
                continue
            kind = self.kinds.get(group.school)
            if kind == "secondary" or kind == "all_through":
                continue  # taught in sets: the head records
            assistant = group.assistants[0] if group.assistants else None
            if kind != "special":
                assistant = "ta" if "ta" in group.assistants else None
            for upn in group.pupils:
                found.setdefault((upn, group.school), (group.teachers[0], assistant, group))
        return found

    # --- the frameworks ----------------------------------------------------------------------

    def frameworks(self) -> tuple[StepFramework, StepFramework]:
        ensure_common_scale(self.trust, self.analyst)  # the shipped subjects, on a fresh database
        linear = create_framework(
            self.analyst,
            code=FRAMEWORK_CODE,
            name="Northern Lights small steps",
            shape=Shape.LINEAR,
            trust=self.trust,
            description="The trust's own small steps for pupils working below the national curriculum.",
        )
        build_structure(self.analyst, linear, statement_rows())
        share_framework(self.analyst, linear)
        self.map_steps_to_common_scale(linear)
        subjects = {s.code: s for s in Subject.objects.filter(trust=None, code__in=SUBJECTS.values())}
        for area in linear.areas.filter(code__in=SUBJECTS):
            subject = subjects.get(SUBJECTS[area.code])
            if subject is not None:
                set_area_subject(self.analyst, area, subject)
        # the engagement model Strides ships (migration 0002), or, on a database flushed since, one
        # of the trust's own: its five areas are the same, and it is never scored
        engagement = StepFramework.objects.filter(code=SHIPPED_ENGAGEMENT, trust__isnull=True).first()
        if engagement is None:
            engagement = create_framework(
                self.analyst,
                code=ENGAGEMENT_CODE,
                name="The engagement model",
                shape=Shape.ENGAGEMENT,
                trust=self.trust,
            )
            share_framework(self.analyst, engagement)
        return linear, engagement

    def map_steps_to_common_scale(self, linear: StepFramework) -> None:
        """Put the framework's step levels (S1, S1+, ... S6+) on the common scale in every crosswalk
        version, as the trust's analyst would on the crosswalk page: steps 1-4 below the national
        curriculum (NS2-NS4), steps 5-6 at Year 1 working towards and expected (NS5, NS6)."""
        from strides.frameworks.models import CrosswalkEntry, ScalePoint

        scale = ensure_common_scale(self.trust, self.analyst)
        points = {p.code: p for p in ScalePoint.objects.filter(scale=scale)}
        by_step = {
            1: ("NS2", "NS2"),
            2: ("NS2", "NS3"),
            3: ("NS3", "NS3"),
            4: ("NS4", "NS4"),
            5: ("NS5", "NS5"),
            6: ("NS6", "NS6"),
        }
        levels = linear.levels_framework.levels.all() if linear.levels_framework else []
        entries = []
        for level in levels:
            number = int(level.code[1:].rstrip("+"))
            within, beyond = by_step.get(number, ("NS6", "NS6"))
            point = points[beyond if level.code.endswith("+") else within]
            entries.extend(
                CrosswalkEntry(crosswalk=c, level=level, point=point) for c in scale.crosswalks.all()
            )
        CrosswalkEntry.objects.bulk_create(entries, ignore_conflicts=True)

    # --- records -----------------------------------------------------------------------------

    def _style(self) -> str:
        draw = self.rng.random()
        return "lateral" if draw < 0.08 else "stall" if draw < 0.12 else "leap" if draw < 0.18 else "slow"

    def _rate(self, track: _Track, index: int) -> tuple[int | None, ...]:
        """Raise one aspect of a secured statement by a point (a lateral gain)."""
        ratings = track.ratings.setdefault(index, [2, 2, 1, 1])
        aspect = self.rng.randrange(len(ASPECTS))
        if ratings[aspect] >= 5:
            aspect = min(range(len(ASPECTS)), key=lambda a: ratings[a])
        ratings[aspect] = min(5, ratings[aspect] + 1)
        return tuple(ratings)

    def pupil_records(
        self, pupil_id: int, starts: dt.date, days: list[dt.date], statements: dict[str, list[int]]
    ) -> dict[str, list[DemoRecord]]:
        """Area code -> the pupil's records, half-term by half-term from ``starts``."""
        rng = self.rng
        days = [d for d in days if d >= starts]
        made: dict[str, list[DemoRecord]] = defaultdict(list)
        if not days:
            return made
        begin = rng.choice((0, 0, 1, 1, 2))  # the step they are working in when they start
        for area, ids in statements.items():
            track = _Track(
                secured=min(begin * STATEMENTS_PER_STEP + rng.randrange(4), len(ids) - 1),
                style=self._style(),
                ratings={},
            )
            out = made[area]
            for index in range(track.secured):  # the baseline, on their first day: what they can do
                out.append(DemoRecord(pupil_id, ids[index], "S", starts, self._baseline(track, index)))
            for number, day in enumerate(days):
                second_half = number % 2 == 1
                style = track.style if rng.random() < 0.7 else "slow"
                if track.secured >= len(ids):
                    style = "lateral"
                if style == "slow":
                    chance = 0.06 if rng.random() < 0.5 else 0.0
                    gains = 1 if second_half else (1 if rng.random() < chance else 0)
                elif style == "leap":
                    gains = rng.choice((1, 2, 2))
                else:
                    gains = 0
                for _ in range(min(gains, len(ids) - track.secured)):
                    out.append(
                        DemoRecord(
                            pupil_id, ids[track.secured], "S", day, self._baseline(track, track.secured)
                        )
                    )
                    track.secured += 1
                if track.secured < len(ids) and style != "stall":
                    # the next statement, worked on: emerging, then developing
                    out.append(DemoRecord(pupil_id, ids[track.secured], "D" if second_half else "E", day))
                elif style == "stall" and track.secured < len(ids):
                    out.append(
                        DemoRecord(pupil_id, ids[track.secured], "E", day, note="Not seen this half-term.")
                    )
                if style == "lateral" or (style == "slow" and rng.random() < 0.35):
                    chosen = [i for i in range(max(0, track.secured - 6), track.secured)]
                    for index in rng.sample(chosen, min(len(chosen), 2 if style == "lateral" else 1)):
                        out.append(DemoRecord(pupil_id, ids[index], "S", day, self._rate(track, index)))
        return made

    def _baseline(self, track: _Track, index: int) -> tuple[int | None, ...]:
        ratings = track.ratings.setdefault(index, [2, 2, 1, 1])
        return tuple(ratings)

    def write_records(self, linear: StepFramework, pupils: list[PupilPlan]) -> None:
        statements: dict[str, list[int]] = defaultdict(list)
        for pk, code in (
            Statement.objects.filter(area__framework=linear)
            .order_by("area__order", "step__number", "order")
            .values_list("pk", "area__code")
        ):
            statements[code].append(pk)
        ids = dict(Pupil.objects.filter(upn__in=[p.upn for p in pupils]).values_list("upn", "pk"))
        days = recording_days(self.plan.start_year, self.today)
        first_day = dt.date(self.plan.start_year - 2, 9, 1)
        recorders = self.recorders()
        by_actor: dict[tuple[str, str], list[DemoRecord]] = defaultdict(list)
        for pupil in pupils:
            teacher, assistant, _ = recorders.get((pupil.upn, pupil.school), (None, None, None))
            kind = self.kinds[pupil.school]
            teacher = teacher or self.heads[pupil.school].username
            made = self.pupil_records(ids[pupil.upn], max(first_day, pupil.enrolment_start), days, statements)
            for area, rows in made.items():
                delegated = assistant is not None and (
                    area in DELEGATED if kind == "special" else area == "physical"
                )
                by_actor[(pupil.school, assistant if delegated else teacher)].extend(rows)
        for (school_key, username), rows in by_actor.items():
            self.records += bulk(self.users[username], self.schools[school_key], rows)
        self.progress(f"Small steps: {self.records:,} records of {len(pupils)} pupils")

    def delegations(self, linear: StepFramework, pupils: list[PupilPlan]) -> None:
        areas = {a.code: a for a in linear.areas.all()}
        chosen = {p.upn for p in pupils}
        groups = {
            (g.school_id, g.name): g
            for g in TeachingGroup.objects.filter(
                school__trust=self.trust, academic_year=self.years[self.plan.start_year]
            )
        }
        for (upn, _), (teacher, assistant, plan) in self.recorders().items():
            if assistant is None or plan is None or upn not in chosen:
                continue
            group = groups[(self.schools[plan.school].pk, plan.name)]
            codes = DELEGATED if self.kinds[plan.school] == "special" else ("physical",)
            for code in codes:  # get_or_create: once per class
                delegate_area(self.users[teacher], group, self.users[assistant], areas[code])

    def assign(self, framework: StepFramework, pupils: list[PupilPlan]) -> dict[str, Pupil]:
        """Each pupil follows ``framework`` from September two years ago (or from joining), and, for
        the areas standing for subjects, the framework's common-scale levels in those subjects."""
        found = {p.upn: p for p in Pupil.objects.filter(upn__in=[p.upn for p in pupils])}
        first_day = dt.date(self.plan.start_year - 2, 9, 1)
        by_school: dict[str, list[tuple[Pupil, dt.date]]] = defaultdict(list)
        for pupil in pupils:
            by_school[pupil.school].append((found[pupil.upn], max(first_day, pupil.enrolment_start)))
        levels = ensure_common_scale_levels(self.analyst, framework)
        subjects = list(framework.areas.filter(subject__isnull=False).select_related("subject"))
        choices: list[Choice] = []
        for key, starts in by_school.items():
            head, school = self.heads[key], self.schools[key]
            assign_many(head, school, framework, starts)
            if levels is not None:
                choices += [
                    Choice(head, school, area.subject, levels, day, None, pupil.pk)
                    for pupil, day in starts
                    for area in subjects
                ]
        write_framework_choices(choices)
        return found

    def observe(self, engagement: StepFramework, pupils: list[PupilPlan], found: dict[str, Pupil]) -> None:
        areas = list(engagement.areas.order_by("order"))
        recorders = self.recorders()
        days = recording_days(self.plan.start_year, self.today)
        first_day = dt.date(self.plan.start_year - 2, 9, 1)
        for pupil in pupils:
            key = (pupil.upn, pupil.school)
            teacher = recorders[key][0] if key in recorders else self.heads[pupil.school].username
            starts = max(first_day, pupil.enrolment_start)
            for number, day in enumerate(d for d in days if d >= starts):
                for area in (areas[number % len(areas)], areas[(number + 2) % len(areas)]):
                    record_observation(
                        self.users[teacher],
                        self.schools[pupil.school],
                        found[pupil.upn],
                        area,
                        self.rng.choice(OBSERVATIONS),
                        observed_on=day,
                    )
                    self.observations += 1

    # --- conversations -----------------------------------------------------------------------

    def thresholds(self) -> int:
        raised = 0
        for _, year in sorted(self.years.items()):
            for term in TERMS:
                if term_window(year, term).ends >= self.today:
                    continue
                raised += run_thresholds(self.analyst, self.trust, year, term).raised
        return raised

    def conversations(self) -> None:
        """At each special school, the conversations of the last two completed terms: some held,
        and of those raised the term before, some closed."""
        rng = self.rng
        for key, school in self.schools.items():
            if self.kinds[key] != "special":
                continue
            head = self.heads[key]
            rows = list(
                Conversation.objects.filter(school=school)
                .select_related("academic_year")
                .order_by("academic_year__start_year", "pupil_id", "area_id", "term")
            )
            if not rows:
                continue
            latest = max((c.academic_year.start_year, TERMS.index(c.term)) for c in rows)
            recent = [
                c
                for c in rows
                if (c.academic_year.start_year, TERMS.index(c.term)) >= (latest[0] - 1, latest[1])
            ]
            closed = 0
            for conversation in rng.sample(recent, min(HELD, len(recent))):
                when = (conversation.academic_year.start_year, TERMS.index(conversation.term))
                ended = term_window(conversation.academic_year, conversation.term).ends
                held = min(ended + dt.timedelta(days=rng.randint(14, 30)), self.today)
                action = rng.choice(("club", "therapy", "individual", "change_target", "no_action"))
                hold_conversation(
                    head,
                    conversation,
                    held_on=held,
                    attendees="Class teacher, SENCO",
                    agreed_action=action,
                    follow_up_on=held + dt.timedelta(weeks=6),
                )
                if when < latest and closed < CLOSED:
                    closed += 1
                    close_conversation(
                        head, conversation, "Reviewed at the follow-up: progress is back on track."
                    )

    def share(self, pupils: list[PupilPlan], found: dict[str, Pupil]) -> None:
        chosen = {p.upn for p in pupils}
        shared = [upn for _, upn, _ in self.plan.parent_links if upn in chosen]
        special = next((p.upn for p in pupils if self.kinds[p.school] == "special"), None)
        if special is not None:
            shared.append(special)
        by_upn = {p.upn: p for p in pupils}
        for upn in shared:
            key = by_upn[upn].school
            share_progress_page(
                self.heads[key], self.schools[key], found.get(upn) or Pupil.objects.get(upn=upn)
            )

    def run(self) -> StepsSummary:
        started = time.monotonic()
        linear_pupils, engagement_pupils = self.choose_pupils()
        linear, engagement = self.frameworks()
        found = self.assign(linear, linear_pupils)
        found |= self.assign(engagement, engagement_pupils)
        self.delegations(linear, linear_pupils)
        self.progress(
            f"Small steps: {len(linear_pupils)} pupils on {linear.name}, {len(engagement_pupils)} on the "
            f"engagement model ({time.monotonic() - started:.1f}s)"
        )
        self.write_records(linear, linear_pupils)
        self.observe(engagement, engagement_pupils, found)
        refresh_planner_statistics()
        raised = self.thresholds()
        self.conversations()
        self.share(linear_pupils, found)
        return StepsSummary(
            pupils=len(linear_pupils) + len(engagement_pupils),
            records=self.records,
            observations=self.observations,
            conversations=raised,
            seconds=time.monotonic() - started,
        )


def write_small_steps(
    plan: DemoPlan, today: dt.date | None = None, progress: Progress | None = None
) -> StepsSummary:
    """Write the small steps of a demo plan the builder has written (module docstring)."""
    with transaction.atomic():
        return _Writer(plan, today or dt.date.today(), progress or (lambda message: None)).run()
