"""Small steps' refusals as API answers. A service refuses with a sentence that names the field
("Ava Archer, C1.1: Level: 'X' is not a level of this framework (0, E, D, S, NA)."); this finds
which field of the request that is, so the 400 names it and the value sent (``strides.api.errors``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rest_framework import exceptions

from strides.api.errors import service_errors
from strides.steps.services import StaleRecord, StepsError

# (what the sentence says, the request's field): the first that matches names the field
Clues = Sequence[tuple[str, str]]

RECORD_CLUES: Clues = (
    (r"Level:", "level"),
    (r"Evidence:", "evidence_links"),
    (r"Date:", "assessed_on"),
    (r"Independence:", "independence"),
    (r"Fluency:", "fluency"),
    (r"Maintenance:", "maintenance"),
    (r"Generalisation:", "generalisation"),
    (r"the pupil is not one you record", "pupil"),
    (r"You do not record small steps", "school"),
    (r"statement .* was removed|engagement model|delegated", "statement"),
)
OBSERVATION_CLUES: Clues = (
    (r"Area:", "area"),
    (r"What you saw:", "narrative"),
    (r"Date:", "observed_on"),
    (r"Evidence:", "evidence_links"),
    (r"you do not record", "pupil"),
)
HOLD_CLUES: Clues = (
    (r"Held on:", "held_on"),
    (r"Agreed:", "agreed_action"),
    (r"Details:", "agreed_detail"),
    (r"Who met:", "attendees"),
    (r"Follow up on:", "follow_up_on"),
)
CLOSE_CLUES: Clues = ((r"Outcome:", "outcome"),)


def field_of(message: str, clues: Clues, default: str) -> str:
    for pattern, field in clues:
        if re.search(pattern, message):
            return field
    return default


def nested(path: Sequence[str | int], message: str) -> dict[Any, Any]:
    """``("records", 1, "level")`` -> ``{"records": {1: {"level": [message]}}}``: the error
    handler names it ``records.1.level`` with the value sent there."""
    detail: Any = [message]
    for step in reversed(path):
        detail = {step: detail}
    return detail


Path = Sequence[str | int]


@contextmanager
def steps_refusals(clues: Clues, default: str, at: Path | Callable[[str], Path] = ()) -> Iterator[None]:
    """A ``StepsError`` becomes a 400 naming the field its sentence is about, under ``at`` (or
    what ``at`` finds in the sentence: the position of a record in a bulk request). A
    ``StaleRecord`` is left to the view: it answers 409."""
    try:
        with service_errors(default):
            yield
    except StaleRecord:
        raise
    except StepsError as refused:
        message = str(refused)
        where = at(message) if callable(at) else at
        raise exceptions.ValidationError(
            nested([*where, field_of(message, clues, default)], message)
        ) from refused
