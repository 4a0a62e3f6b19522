"""The reasons of ``strides.analytics.needing_attention`` in words: one wording for the school,
class and pupil pages, so a pupil is flagged in the same words wherever they appear."""

from __future__ import annotations

from collections.abc import Iterable

from strides.analytics.attention import BOTTOM_DECILE, FALLEN_BACK, NOT_MAKING_EXPECTED_PROGRESS

REASON_WORDS = {
    NOT_MAKING_EXPECTED_PROGRESS: "Not making expected progress over the last year",
    FALLEN_BACK: "Fallen back since the previous drop",
    BOTTOM_DECILE: "In the bottom tenth of similar learners",
}


def reason_words(reasons: Iterable[str]) -> list[str]:
    """Each reason in words (one this module does not know yet, from its code)."""
    return [REASON_WORDS.get(reason, reason.replace("_", " ")) for reason in reasons]
