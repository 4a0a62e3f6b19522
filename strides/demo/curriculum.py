"""The secondary curriculum the demo trust's termly drops collect beyond the core subjects.

Every drop collects reading, writing and maths (every phase) and the shipped secondary subjects
below; under the phase rule (docs/frameworks.md, "Subjects") the primary owes the core subjects,
and the secondary, the special school (every phase) and the AP (secondary) owe all twelve.

A pupil's course in a secondary subject follows the course of a related core subject (English and
the humanities follow writing or reading, the sciences and computing follow maths) a steady number
of bands apart, with the same stalls and spurts: a pupil strong in maths tends to be strong in
physics. Pupils on the engagement model or pre-key stage standards in the core subjects are
assessed on the engagement model in the others. Drawn from a source of its own, so the core
subjects' courses are the same as without it.
"""

from __future__ import annotations

import random

from strides.demo import history_model as model
from strides.demo.plan import DemoPlan

# (shipped subject code, the core subject its course follows)
CURRICULUM: tuple[tuple[str, str], ...] = (
    ("english-language", "reading"),
    ("english-literature", "writing"),
    ("combined-science", "maths"),
    ("history", "writing"),
    ("geography", "writing"),
    ("french", "reading"),
    ("computing", "maths"),
    ("art-and-design", "writing"),
    ("physical-education", "maths"),
)
CODES = tuple(code for code, _ in CURRICULUM)
# How many bands a pupil's secondary subject sits from the core subject it follows: mostly none, a
# band either way for some. Leaning up a little, as NC bands stop at greater depth of the pupil's
# year (a shift up is often cut off there, a shift down never is).
SUBJECT_SHIFT = (0.2, 0.6)  # mean and spread
NOT_SUBJECT_SPECIFIC = {"engagement", "pre-key-stage"}


def add_curriculum(courses: dict[str, model.Course], plan: DemoPlan) -> None:
    """Give every pupil's course the secondary subjects (in place), in the plan's order."""
    rng = random.Random(f"strides-demo-curriculum-{plan.seed}")
    for pupil in plan.pupils:
        course = courses[pupil.upn]
        engaged = any(framework in NOT_SUBJECT_SPECIFIC for framework, _ in course.frameworks)
        for code, base in CURRICULUM:
            course.fine[code] = course.fine[base]
            if engaged:
                course.values[code] = (model.ENGAGEMENT_VALUE,) * model.SLOTS
                for slot in range(model.SLOTS):
                    course.notes[(code, slot)] = model.engagement_note(rng)
                continue
            shift = round(rng.gauss(*SUBJECT_SHIFT))
            course.values[code] = tuple(
                max(model.BOTTOM_BAND, value + shift) for value in course.values[base]
            )
