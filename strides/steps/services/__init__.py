"""Writes of small steps: every one atomic and audited, the one path for pages, the API, imports,
the demo and tasks. Frameworks (``frameworks``), records and observations (``recording``), personal
thresholds and conversations (``conversations``), data drops from small steps (``drops``)."""

from __future__ import annotations

from strides.access.actor import Actor


class StepsError(ValueError):
    """A refused change to small steps, said in a sentence naming the field and the value."""


class StaleRecord(StepsError):
    """A record made against an older version of a pupil's statement than the one now kept."""

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


def user_or_none(actor: Actor | None) -> Actor | None:
    """The actor to store as ``recorded_by``: None for the system and for an actor with no row."""
    return actor if actor is not None and getattr(actor, "pk", None) else None
