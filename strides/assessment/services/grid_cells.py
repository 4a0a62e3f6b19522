"""Saving grid cells: one cell, a batch of cells, and withdrawing a cell's judgement.

A cell's save is the same whichever way it comes (``save_cell``): the level is resolved on the
pupil's framework whatever grid.js thought (:class:`~strides.assessment.grid_queries.Vocabulary`),
then written by ``record_judgement`` against the version the cell was loaded with, so a save over
someone else's newer edit is refused with both values (ADR 7).

A batch (``SaveContext`` + ``save_cell`` for each cell) is what grid.js sends when cells queue up
while a save is on its way, and what it sends as the page is left: cells are saved in the order
given, each on its own (all or nothing per cell, not per batch: one refused cell never holds back
the others), each with its own answer. What every cell of a batch shares (the pupils of the class,
the subjects, the school's frameworks, the code book, the previous drop's judgements and the
scale's values) is read once for the batch, so a batch of n cells costs a fixed number of queries
plus ``record_judgement``'s own for each cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from strides.access.actor import Actor
from strides.access.judgements import visible_judgements
from strides.assessment.grid_queries import Vocabulary, cell_rule, class_pupils, closed_reason
from strides.assessment.models import DropSchool, Judgement
from strides.assessment.queries import PreviousJudgement, previous_judgements
from strides.assessment.services import AssessmentError, DropClosed, StaleJudgement, record_judgement
from strides.assessment.services.withdrawals import withdraw_judgement
from strides.frameworks.configuration import code_book, framework_chooser, subjects_by_code, trust_scale
from strides.frameworks.level_codes import CodeBook, jump_warning
from strides.frameworks.models import Subject
from strides.frameworks.queries import FrameworkChooser
from strides.pupils.models import Pupil

MAX_BATCH = 200  # a class of 40 x 5 subjects; grid.js sends at most this many at once


@dataclass
class Answer:
    """One cell's outcome, as JSON for grid.js: ``status`` saved, withdrawn, invalid, stale,
    closed, refused or missing, and the HTTP status a lone save answers with."""

    body: dict[str, Any]
    http_status: int = 200


def answer(status: str, message: str, http_status: int = 200, **extra: Any) -> Answer:
    return Answer({"status": status, "message": message, **extra}, http_status)


def parse_version(value: Any, label: str) -> int | Answer:
    """The cell's version as a whole number of at least 0, or the answer refusing it."""
    try:
        version = int(str(value))
        if version < 0:
            raise ValueError
    except (TypeError, ValueError):
        return answer(
            "invalid", f"{label}: the version {value!r} is not a whole number. Reload the page.", 400
        )
    return version


class SaveContext:
    """What the cells of one save share, read once: the class's pupils (through the gate) among
    ``pupil_ids``, the drop's subjects among ``subject_codes``, the school's framework choices, the
    trust's code book and the previous drop's judgements. Five or six queries."""

    def __init__(
        self,
        user: Actor,
        part: DropSchool,
        group_id: int,
        pupil_ids: Iterable[int],
        subject_codes: Iterable[str],
    ) -> None:
        self.user, self.part = user, part
        drop = part.drop
        # the configuration stamp, read with the part (grid_views._save_objects): the drop's
        # subjects, the school's framework choices and the trust's code book are kept under it
        self.token: str | None = getattr(part, "configuration_token", None)
        self.pupils: dict[int, Pupil] = {
            p.pk: p for p in class_pupils(user, group_id, drop.assessed_on).filter(pk__in=list(pupil_ids))
        }
        collected = subjects_by_code(self.token, ("drop-subjects", drop.pk), drop.subjects.all)
        self.subjects: dict[str, Subject] = {
            code: collected[code] for code in subject_codes if code in collected
        }
        subjects = list(self.subjects.values())
        self.previous: dict[tuple[int, int], PreviousJudgement] = {}
        self.chooser: FrameworkChooser | None = None
        self.book: CodeBook | None = None
        if self.pupils and subjects and part.teachers_may_edit:
            # for all the drop's subjects, so one kept chooser serves every cell of the drop
            self.chooser = framework_chooser(self.token, part.school_id, collected.values(), drop.assessed_on)
            self.book = code_book(self.token, drop.trust_id)
            readable = visible_judgements(user)
            self.previous = previous_judgements(drop, list(self.pupils), [s.pk for s in subjects], readable)

    def vocabulary(self, pupil: Pupil, subject: Subject) -> Vocabulary | None:
        if self.book is None or self.chooser is None:
            return None
        before = self.previous.get((pupil.pk, subject.pk))
        return cell_rule(
            self.book, self.chooser, self.part.school_id, self.part.drop, pupil.pk, subject.pk,
            pupil.nc_year_then, before,  # type: ignore[attr-defined]  # class_pupils' annotation
        )  # fmt: skip

    def point_value(self, point_id: int) -> int | None:
        """A point's value on the common scale (kept with the trust's configuration)."""
        return trust_scale(self.token, self.part.drop.trust_id).values.get(point_id)


def save_cell(
    context: SaveContext, pupil_id: Any, subject_code: Any, text: Any, version_given: Any
) -> Answer:
    """Save one cell: pupil ``pupil_id``, subject ``subject_code``, ``text`` as typed, against
    ``version_given`` (the version the cell was loaded with)."""
    part, user = context.part, context.user
    drop, school = part.drop, part.school
    pupil = context.pupils.get(_int(pupil_id) or 0)  # no pupil is 0
    subject = context.subjects.get(str(subject_code or ""))
    if pupil is None or subject is None:
        # out of the class, out of scope or missing: the same answer, naming no one
        return answer("missing", "This cell is not in this class's grid any more. Reload the page.", 404)
    label = f"{pupil.display_name}, {subject.name}"
    if not part.teachers_may_edit:
        return answer("closed", closed_reason(part), 423)
    version = parse_version(version_given, label)
    if isinstance(version, Answer):
        return version
    text = text if isinstance(text, str) else ""
    vocabulary = context.vocabulary(pupil, subject)
    found = vocabulary.resolution(text) if vocabulary else None
    level = found.level if found else None
    if level is None:
        message = (
            vocabulary.invalid_message(text)
            if vocabulary
            else f"{label}: no framework is set for {subject.name} at {school}."
        )
        return answer("invalid", message, 422)
    try:
        judgement = record_judgement(
            user, pupil, subject, drop, school, level,
            expected_version=version, reason="grid", framework=vocabulary.framework if vocabulary else None,
        )  # fmt: skip
    except StaleJudgement as stale:
        theirs = None
        if stale.current is not None:
            theirs = {
                "code": stale.current.level.code,
                "version": stale.current.version,
                "by": str(stale.current.recorded_by or "someone"),
                "at": stale.current.recorded_at.isoformat(),
            }
        return answer("stale", str(stale), 409, theirs=theirs, mine=level.code)
    except DropClosed as closed:
        return answer("closed", str(closed), 423)
    except PermissionError as refused:
        return answer("refused", str(refused), 403)
    except AssessmentError as error:
        return answer("invalid", str(error), 422)
    warnings = []
    before = context.previous.get((pupil.pk, subject.pk))
    if before is not None and before.value is not None and judgement.point_id is not None:
        warnings.append(jump_warning(before.code, before.value, context.point_value(judgement.point_id)))
    return answer(
        "saved",
        f"Saved {judgement.level.code}",
        code=judgement.level.code,
        label=judgement.level.label,
        version=judgement.version,
        # not refused: said in the cell and to screen readers, for the teacher to check
        warning=" ".join(w for w in warnings if w),
    )


def withdraw_cell(
    context: SaveContext, pupil_id: Any, subject_code: Any, version_given: Any, reason: Any
) -> Answer:
    """Withdraw the judgement in one cell, seen at ``version_given``, saying why (``reason``).
    While the drop is open, whoever may record; once submitted or locked, only the trust
    (``withdrawals.withdraw_judgement`` decides)."""
    pupil = context.pupils.get(_int(pupil_id) or 0)  # no pupil is 0
    subject = context.subjects.get(str(subject_code or ""))
    if pupil is None or subject is None:
        return answer("missing", "This cell is not in this class's grid any more. Reload the page.", 404)
    label = f"{pupil.display_name}, {subject.name}"
    version = parse_version(version_given, label)
    if isinstance(version, Answer):
        return version
    judgement = Judgement.objects.filter(pupil=pupil, subject=subject, drop_id=context.part.drop_id).first()
    if judgement is None:
        return answer(
            "stale",
            f"{label}: there is no judgement to withdraw now. Reload the page to see the grid as it is.",
            409,
        )
    try:
        withdrawn = withdraw_judgement(
            context.user, judgement, expected_version=version, reason=str(reason or ""), source="grid"
        )
    except StaleJudgement as stale:
        return answer("stale", f"{label}: {stale}", 409)
    except DropClosed as closed:
        return answer("closed", str(closed), 423)
    except PermissionError as refused:
        return answer("refused", str(refused), 403)
    except AssessmentError as error:
        return answer("invalid", str(error), 422)
    return answer(
        "withdrawn",
        f"Withdrawn {withdrawn.level.code}: {withdrawn.withdrawn_reason}",
        version=withdrawn.version,
        was=withdrawn.level.code,
        reason=withdrawn.withdrawn_reason,
    )


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
