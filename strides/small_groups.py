"""Small groups: counts shown to readers who may not see named pupils (governors, directors, the
trust's aggregate pages), by pages, exports and the API alike.

The rule itself is :func:`strides.analytics.suppression.suppress` (pure Polars, no Django): a group
under the threshold is hidden, and so is another when one hidden group, or the hidden groups
together, could be worked out from a shown total. This module only reads the threshold from the
settings (``STRIDES_SMALL_GROUP_THRESHOLD``) and puts plain counts through that rule, so that there
is one rule for every reader.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
from django.conf import settings

from strides.analytics.suppression import suppress

K = TypeVar("K", bound=Hashable)


def small_group_threshold() -> int:
    """The fewest pupils a figure shown to an aggregate-only reader may be about."""
    return settings.STRIDES_SMALL_GROUP_THRESHOLD


@dataclass(frozen=True)
class Cell:
    """One count as an aggregate-only reader sees it: the number, or ``suppressed``."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


def _as_is(key: Any) -> Any:
    return key


def suppress_counts(counts: Mapping[K, int], threshold: int | None = None) -> tuple[dict[K, Cell], Cell]:
    """Counts by group (which add up to the total), and the total, safe to show to readers who
    may never see a named pupil: the groups as :func:`strides.analytics.suppression.suppress`
    leaves them (the whole mapping is one set adding up to the total; ties go to the smaller key),
    and the total, hidden when it is itself under the threshold."""
    threshold = small_group_threshold() if threshold is None else threshold
    try:  # ties between equal small groups go to the smaller key (Year 3 before Year 4)
        keys = sorted(counts, key=_as_is)
    except TypeError:
        keys = list(counts)
    total = sum(counts.values())
    table = pl.DataFrame(
        {"order": range(len(keys)), "n": [counts[key] for key in keys]},
        schema={"order": pl.Int64, "n": pl.Int64},
    )
    hidden = suppress(table, threshold=threshold)["suppressed"].to_list()
    cells = {key: Cell(None if gone else counts[key]) for key, gone in zip(keys, hidden, strict=True)}
    return cells, Cell(total if total >= threshold else None)


def share_cell(count: int, of: int, threshold: int | None = None) -> Cell:
    """``count`` of ``of`` pupils (those in a group, such as EAL, of those on roll), when ``of`` is
    shown: hidden when the group, or the rest (``of - count``), is small, since either gives the
    other away."""
    cells, total = suppress_counts({"in": count, "rest": of - count}, threshold)
    return cells["in"] if not total.suppressed else Cell(None)


def count_cell(count: int, threshold: int | None = None) -> Cell:
    """One count alone (a school's pupils on roll on a card): hidden when small."""
    return suppress_counts({None: count}, threshold)[1]
