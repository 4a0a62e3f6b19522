"""How pupil characteristics read on screen: labels, values and what changed between periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from strides.pupils.census_codes import NC_YEAR_LABELS, language_label
from strides.pupils.models import CHARACTERISTIC_FIELDS, SEN_FIELDS, CharacteristicsPeriod

LABELS = {
    "nc_year": "NC year",
    "ethnicity": "Ethnicity",
    "first_language": "First language",
    "eal": "English as an additional language (EAL)",
    "sen_provision": "SEN provision",
    "primary_need": "Primary need",
    "secondary_need": "Secondary need",
    "fsm": "Free school meals (FSM)",
    "fsm_ever6": "FSM in the last six years (Ever 6)",
    "looked_after": "Looked after",
    "previously_looked_after": "Previously looked after",
    "child_in_need": "Child in need",
}
GENERAL_FIELDS = tuple(name for name in CHARACTERISTIC_FIELDS if name not in SEN_FIELDS)
NOT_RECORDED = "Not recorded"


def show(period: CharacteristicsPeriod, name: str) -> str:
    """One characteristic as a person reads it: labels, not census codes."""
    value = getattr(period, name)
    if name == "nc_year":
        return NC_YEAR_LABELS.get(value, str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value in ("", None):
        return "None" if name in ("primary_need", "secondary_need") else NOT_RECORDED
    if name == "first_language":
        return language_with_code(value)
    display = getattr(period, f"get_{name}_display", None)
    return display() if display else str(value)


def language_with_code(code: str | None) -> str:
    """A first language as people read it with the census code kept: "Romanian (RMN)"; an
    unknown code on its own, and nothing for no code."""
    code = (code or "").strip()
    if not code:
        return ""
    name = language_label(code)
    return code if name == code else f"{name} ({code.upper()})"


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    value: str
    changed: bool = False
    before: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    period: CharacteristicsPeriod
    facts: list[Fact]
    is_first: bool

    @property
    def changes(self) -> list[Fact]:
        return [fact for fact in self.facts if fact.changed]

    @property
    def last_day(self) -> dt.date | None:
        """The last day the period applied (``valid_to`` is the first day it no longer did)."""
        if self.period.valid_to is None:
            return None
        return self.period.valid_to - dt.timedelta(days=1)


def facts(period: CharacteristicsPeriod, previous: CharacteristicsPeriod | None = None) -> list[Fact]:
    rows = []
    for name in CHARACTERISTIC_FIELDS:
        value = show(period, name)
        before = show(previous, name) if previous is not None else ""
        changed = previous is not None and getattr(previous, name) != getattr(period, name)
        rows.append(Fact(name, LABELS[name], value, changed, before if changed else ""))
    return rows


def history(periods: Sequence[CharacteristicsPeriod]) -> list[HistoryEntry]:
    """Each period with what changed since the one before it, newest first."""
    ordered = sorted(periods, key=lambda p: p.valid_from)
    entries = [
        HistoryEntry(period, facts(period, ordered[i - 1] if i else None), is_first=i == 0)
        for i, period in enumerate(ordered)
    ]
    return list(reversed(entries))


def tags(period: CharacteristicsPeriod | None) -> list[tuple[str, str, str]]:
    """Short tags for list pages: (text, full meaning for screen readers, group). Groups have
    their own colours, none of them a judgement (no red for SEN)."""
    if period is None:
        return []
    out: list[tuple[str, str, str]] = []
    if period.sen_provision == "E":
        out.append(("EHCP", "Education, health and care plan", "sen"))
    elif period.sen_provision == "K":
        out.append(("SEN support", "SEN support", "sen"))
    if period.fsm:
        out.append(("FSM", "Free school meals", "pp"))
    if period.disadvantaged:
        out.append(("PP", "Pupil premium (disadvantaged)", "pp"))
    if period.eal:
        out.append(("EAL", "English as an additional language", "eal"))
    if period.looked_after:
        out.append(("LAC", "Looked after child", "lac"))
    return out
