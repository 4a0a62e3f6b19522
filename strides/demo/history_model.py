"""How the demo's pupils attain over three academic years: pure Python, deterministic for a seed.

Each pupil gets, per core subject, a *course*: where they stand on the trust's common scale at each
of the nine termly drops of the last three academic years ("slots"; slot 0 is autumn two years ago,
slot 8 is summer this year), whether or not they were on roll or a drop was made then. The history
writer (:mod:`strides.demo.history`) records a judgement only where a pupil was on roll at a school
in the drop, and turns the value into a level of whichever framework the school uses for them.

The model, in points of the default "Next Steps" scale (three points per NC year: working towards,
expected, greater depth):

- **Mainstream pupils** sit at a fairly stable offset from the expected point of their year and
  term, so they keep their band through a year and move with the expected point (three points)
  each September (bands are judged for the time of year, ADR 6). The offset comes from the
  plan's hidden prior attainment, SEN provision and disadvantage (which costs about half a band,
  giving a gap in "at or above expected" near the national 15-20 percentage points), plus a little
  per subject. Some pupils **stall** (the same level for a term or two while the expectation moves
  on), a few **fall back** a band, and some spurt ahead.
- **Special-school pupils** move in small steps: the engagement model for pupils with PMLD, pre-key
  stage standards for pupils with SLD (a few move from the engagement model onto them), and NC
  bands well below their year group for the others; each term they move up one step or, often,
  stay where they are.
- **Pupils of the alternative provision** attain well below their year group and stall more.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from strides.demo.plan import DemoPlan, PupilPlan
from strides.frameworks import shipped

SUBJECTS = ("reading", "writing", "maths")
TERMS = ("autumn", "spring", "summer")
SLOTS = 9
FIRST_NC, LAST_NC = 1, 11  # the year groups termly drops collect

VALUES: dict[str, int] = {code: value for value, code, _, _ in shipped.scale_points()}
EXPECTED: dict[tuple[int, str], int] = {(y, t): VALUES[code] for y, t, code in shipped.expected_points()}
_LEVEL_VALUES: dict[str, dict[str, int]] = {
    spec.code: {level.code: VALUES[level.point] for level in spec.levels}
    for spec in shipped.shipped_frameworks()
}
PK_VALUES = [_LEVEL_VALUES["pre-key-stage"][f"PK{n}"] for n in range(1, 7)]
ENGAGEMENT_VALUE = _LEVEL_VALUES["engagement"]["EM"]
BOTTOM_BAND = VALUES[shipped.nc_point(1, "WTS")]

# Mainstream: the mean offset (in bands) from "at expected", and what moves it
MEAN_OFFSET = 0.55
PRIOR_WEIGHT = 0.6
DISADVANTAGE = 0.45
SEN_EFFECT = {"K": 0.8, "E": 1.6}
SUBJECT_SPREAD = 0.3
# Bands are judged for the time of year and the expected point is the year's "expected" band at
# every term (ADR 6): a pupil on track keeps their band through the year and moves with the year
# group in September.
SEASON = {"autumn": 0.0, "spring": 0.0, "summer": 0.0}
# (stall, fall back, spurt): chances that a pupil's course in a subject has one such term
MAINSTREAM_STORIES = (0.18, 0.05, 0.2)
AP_STORIES = (0.22, 0.10, 0.08)
AP_MEAN_OFFSET = -1.3
# Special schools, per term: chance of moving up one step, and of slipping back one
SPECIAL_NC_STEPS = (0.42, 0.03)
SPECIAL_PK_STEPS = (0.28, 0.02)
ENGAGEMENT_AREAS = shipped.ENGAGEMENT_AREAS
ENGAGEMENT_WORDS = ("emerging", "emerging", "developing", "developing", "more consistent", "established")


def years_back(slot: int) -> int:
    return 2 - slot // 3


def term_of(slot: int) -> str:
    return TERMS[slot % 3]


def slot_of(years_ago: int, term: str) -> int:
    return 3 * (2 - years_ago) + TERMS.index(term)


def expected_value(nc_year: int, term: str) -> int:
    """The expected point of an NC year at the end of a term (extended below Year 1 and past
    Year 11 at three points a year, for pupils the drops do not collect)."""
    if nc_year < FIRST_NC:
        return EXPECTED[(FIRST_NC, term)] - 3 * (FIRST_NC - nc_year)
    if nc_year > LAST_NC:
        return EXPECTED[(LAST_NC, term)] + 3 * (nc_year - LAST_NC)
    return EXPECTED[(nc_year, term)]


def top_of_year(nc_year: int) -> int:
    """Greater depth of the pupil's own year: NC bands are not used to run ahead of it."""
    return expected_value(nc_year, "summer") + 1


def nc_year_at(pupil: PupilPlan, slot: int) -> int:
    return int(pupil.current["nc_year"]) - years_back(slot)


def disadvantaged(values: dict) -> bool:
    """As DfE statistics count it (``CharacteristicsPeriod.disadvantaged``)."""
    return bool(
        values.get("fsm")
        or values.get("fsm_ever6")
        or values.get("looked_after")
        or values.get("previously_looked_after")
    )


@dataclass(slots=True)
class Course:
    """One pupil's attainment in every slot, per subject; ``fine`` says where within a point the
    pupil is (it chooses between levels that share one, like GCSE grades 4, 5 and 6)."""

    values: dict[str, tuple[int, ...]]
    fine: dict[str, float]
    # special schools: (framework code, first slot) for the pupil's own framework choices
    frameworks: list[tuple[str, int]] = field(default_factory=list)
    notes: dict[tuple[str, int], str] = field(default_factory=dict)


def _subject_shift(subject: str, values: dict, sex: str) -> float:
    shift = 0.0
    if subject == "writing":
        shift += 0.25 if sex == "F" else -0.1
    elif subject == "reading":
        shift += 0.12 if sex == "F" else -0.05
    else:
        shift += 0.08 if sex == "M" else -0.04
    if values.get("eal") and subject != "maths":
        shift -= 0.15
    return shift


def _story(rng: random.Random, chances: tuple[float, float, float]) -> tuple[str, int, int]:
    """(kind, first slot, terms) of the one unusual term or two in a course, or ("", 0, 0)."""
    stall, fall, spurt = chances
    draw = rng.random()
    if draw < stall:
        # a stall shows when the expectation moves on: into a new year's autumn
        first = rng.choice([s for s in range(1, SLOTS) if term_of(s) == "autumn"])
        return "stall", first, 2 if rng.random() < 0.35 else 1
    if draw < stall + fall:
        return "fall", rng.randrange(1, SLOTS), 1
    if draw < stall + fall + spurt:
        return "spurt", rng.randrange(1, SLOTS), 1
    return "", 0, 0


def stretch(offset: float, nc_year: int) -> float:
    """Pupils behind fall further behind as they grow older: the gap of a pupil below the expected
    point widens from 1.3 times in Year 1 to 2.5 times in Year 11. Those at or above it keep their
    lead (NC bands do not run ahead of the year group)."""
    if offset >= 0:
        return offset
    return offset * (1.3 + 0.12 * (min(max(nc_year, 1), 11) - 1))


def _steady(
    rng: random.Random, pupil: PupilPlan, z: float, chances: tuple[float, float, float]
) -> tuple[int, ...]:
    kind, first, terms = _story(rng, chances)
    drift = 0.0
    values: list[int] = []
    for slot in range(SLOTS):
        if kind == "spurt" and slot == first:
            drift += 1
        if (kind == "stall" and slot == first + terms) or (kind == "fall" and slot == first + 1):
            drift -= 1
        term = term_of(slot)
        nc_year = nc_year_at(pupil, slot)
        value = expected_value(nc_year, "autumn") + math.floor(stretch(z + drift, nc_year) + SEASON[term])
        if kind == "stall" and first <= slot < first + terms:
            value = values[first - 1]
        elif kind == "fall" and slot == first:
            value = values[first - 1] - 1
        values.append(value)
    return tuple(values)


def _mainstream(rng: random.Random, pupil: PupilPlan, alternative: bool) -> Course:
    values = pupil.current
    if alternative:
        base = AP_MEAN_OFFSET + 0.5 * pupil.attainment - 0.2 * disadvantaged(values)
        chances = AP_STORIES
    else:
        base = MEAN_OFFSET + PRIOR_WEIGHT * pupil.attainment - DISADVANTAGE * disadvantaged(values)
        base -= SEN_EFFECT.get(values.get("sen_provision", "N"), 0.0)
        chances = MAINSTREAM_STORIES
    course = Course({}, {})
    for subject in SUBJECTS:
        z = base + _subject_shift(subject, values, pupil.sex) + rng.gauss(0, SUBJECT_SPREAD)
        course.values[subject] = _steady(rng, pupil, z, chances)
        course.fine[subject] = z - math.floor(z)
    return course


def _small_steps(
    rng: random.Random, start: int, steps: tuple[float, float], low: int, high: int
) -> list[int]:
    up, back = steps
    positions = [start]
    for _ in range(SLOTS - 1):
        draw = rng.random()
        move = 1 if draw < up else -1 if draw < up + back else 0
        positions.append(min(high, max(low, positions[-1] + move)))
    return positions


def engagement_note(rng: random.Random) -> str:
    areas = "; ".join(f"{area}: {rng.choice(ENGAGEMENT_WORDS)}" for area in ENGAGEMENT_AREAS)
    return f"Engagement model. {areas[0].upper()}{areas[1:]}."


def _special(rng: random.Random, pupil: PupilPlan) -> Course:
    need = pupil.current.get("primary_need", "")
    course = Course({}, {})
    if need == "PMLD":
        course.frameworks = [("engagement", 0)]
    elif need == "SLD":
        course.frameworks = [("pre-key-stage", 0)]
    for subject in SUBJECTS:
        course.fine[subject] = rng.random()
        if need == "PMLD":
            course.values[subject] = (ENGAGEMENT_VALUE,) * SLOTS
        elif need == "SLD":
            age_then = max(0, pupil.chronological_year - 2)
            start = min(3, max(0, age_then // 3 - rng.randint(0, 1)))
            steps = _small_steps(rng, start, SPECIAL_PK_STEPS, 0, len(PK_VALUES) - 1)
            course.values[subject] = tuple(PK_VALUES[step] for step in steps)
        else:
            expected = expected_value(nc_year_at(pupil, 0), "autumn")
            start = max(BOTTOM_BAND, BOTTOM_BAND + round((expected - BOTTOM_BAND) * rng.uniform(0.2, 0.55)))
            ceiling = top_of_year(nc_year_at(pupil, SLOTS - 1))
            course.values[subject] = tuple(
                _small_steps(rng, start, SPECIAL_NC_STEPS, BOTTOM_BAND, max(BOTTOM_BAND, ceiling))
            )
    if need == "SLD" and all(v[0] == PK_VALUES[0] for v in course.values.values()) and rng.random() < 0.5:
        # on the engagement model two years ago, onto pre-key stage 1 from last September
        course.frameworks = [("engagement", 0), ("pre-key-stage", 3)]
        for subject in SUBJECTS:
            course.values[subject] = (ENGAGEMENT_VALUE,) * 3 + course.values[subject][: SLOTS - 3]
    for subject in SUBJECTS:
        for slot, value in enumerate(course.values[subject]):
            if value == ENGAGEMENT_VALUE:
                course.notes[(subject, slot)] = engagement_note(rng)
    return course


def draw_courses(plan: DemoPlan) -> dict[str, Course]:
    """UPN -> the pupil's course, for every pupil of the plan, drawn in the plan's order from a
    source seeded by the demo's seed (and nothing else)."""
    rng = random.Random(f"strides-demo-history-{plan.seed}")
    types = {school.key: school.school_type for school in plan.schools}
    courses: dict[str, Course] = {}
    for pupil in plan.pupils:
        school_type = types[pupil.school]
        if school_type == "special":
            courses[pupil.upn] = _special(rng, pupil)
        else:
            courses[pupil.upn] = _mainstream(rng, pupil, alternative=school_type == "ap")
    return courses


def academic_year_start(start_year: int, slot: int) -> dt.date:
    return dt.date(start_year - years_back(slot), 9, 1)
