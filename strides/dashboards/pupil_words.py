"""The pupil's attainment and progress page in the words of its reader: staff keep the terms of
their work ("judgement", "drop", "common point", "Needing attention"); a parent or carer
reads plain words ("assessment", "assessment point", "step on the trust's common scale") with a
line saying what the scale is. Who the reader is: ``strides.pupils.queries.audience``, as the
pupil's profile decides it."""

from __future__ import annotations

from dataclasses import dataclass

from strides.analytics.attention import BOTTOM_DECILE, FALLEN_BACK, NOT_MAKING_EXPECTED_PROGRESS
from strides.dashboards.reasons import REASON_WORDS
from strides.pupils.queries import PARENT


@dataclass(frozen=True)
class Words:
    judgement: str
    judgements: str
    drop: str
    drops: str
    a_drop: str
    drop_column: str  # a drop's name in a table or on an axis
    point: str  # a place on the common scale
    scale: str
    scale_line: str  # what the scale is, said once at the top ("" for staff, who know it)
    similar: str
    attention: str
    attention_column: str
    none_flagged: str
    reasons: dict[str, str]

    def points(self, number: int) -> str:
        return f"{number} {self.point}{'' if abs(number) == 1 else 's'}"

    @property
    def point_title(self) -> str:
        return self.point[:1].upper() + self.point[1:]


# Each term as staff say it, and as a parent or carer reads it.
TERMS: dict[str, tuple[str, str]] = {
    "judgement": ("judgement", "assessment"),
    "judgements": ("judgements", "assessments"),
    "drop": ("drop", "assessment point"),
    "drops": ("drops", "assessment points"),
    "a_drop": ("a data drop", "an assessment point"),
    "drop_column": ("Data drop", "Assessment point"),
    "point": ("point", "step"),
    "scale": ("the trust's common scale", "the trust's common scale of steps"),
    "scale_line": (
        "",
        "The common scale of steps puts every assessment on one ladder, whichever way the school "
        "recorded it, so that progress can be followed from one year to the next.",
    ),
    "similar": ("similar learners", "pupils who started at the same step"),
    "attention": ("Needing attention", "Where extra support may help"),
    "attention_column": ("Needs attention", "Extra support may help"),
    "none_flagged": ("No flags", "Nothing to point out"),
}

STAFF_WORDS = Words(**{term: staff for term, (staff, _) in TERMS.items()}, reasons=dict(REASON_WORDS))
PARENT_WORDS = Words(
    **{term: parent for term, (_, parent) in TERMS.items()},
    reasons={
        NOT_MAKING_EXPECTED_PROGRESS: "Less progress over the last year than expected",
        FALLEN_BACK: "A step back since the assessment point before",
        BOTTOM_DECILE: "Less progress than nine in ten pupils who started at the same step",
    },
)


def words_for(audience: str) -> Words:
    """A parent's words for a parent or carer; a school's or the trust's staff (and a placing
    school) keep the staff terms."""
    return PARENT_WORDS if audience == PARENT else STAFF_WORDS
