"""What a drop spreadsheet says about a school's part that is no longer open: submitted by the head
or locked by the trust. The template page, ``strides drop-template``, the upload page, the check
of an upload and ``strides import-drop`` all say it once per school, in these words, instead of
offering a template or refusing every cell (issue 8)."""

from __future__ import annotations

from strides.assessment.grid_queries import closed_by, reopeners
from strides.assessment.models import DropSchool


def closed_notice(part: DropSchool, reopen_names: list[str] | None = None) -> str:
    """ "Northfield Primary's Autumn 2026/27 was submitted by the head (Hana Head) on 3 December
    2026: nothing can be recorded or imported for it until the trust reopens it (Alice Admin or Ann
    Analyst can)." Empty while teachers may edit. ``reopen_names`` saves the query for the trust's
    assessment team (:func:`~strides.assessment.grid_queries.reopeners`) when the caller has it."""
    if part.teachers_may_edit:
        return ""
    how = closed_by(part).rstrip(".")  # "Submitted by the head (Hana Head) on 3 December 2026"
    names = reopeners(part.drop) if reopen_names is None else reopen_names
    who = f" ({_either(names)} can)" if names else ""
    return (
        f"{part.school.name}'s {part.drop.title} was {how[:1].lower()}{how[1:]}: nothing can be recorded "
        f"or imported for it until the trust reopens it{who}."
    )


def _either(names: list[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
