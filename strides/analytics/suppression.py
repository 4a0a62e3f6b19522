"""Small numbers: for people who see aggregates but not named pupils, a figure about fewer than
``threshold`` pupils is never shown, nor one that would let it be worked out by subtraction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from strides.analytics._frames import as_columns, require

DEFAULT_THRESHOLD = 6

# Every figure the package computes about a group; the default value columns of suppress().
MEASURE_COLUMNS: tuple[str, ...] = (
    "n_with_expected",
    "n_at_expected",
    "pct_at_expected",
    "mean_points",
    "pct",
    "mean_percentile",
    "value_added",
    "own_share",
    "pool_n",
    "own_n",
    "ci_low",
    "ci_high",
    "value",
    "n_other",
    "value_other",
    "gap",
)
# Counts of pupils behind a row's figures: each must stay at or above the threshold, alone and for
# the hidden rows of a partition taken together. ``n_with_expected`` counts the pupils behind
# ``pct_at_expected`` (those with an expected point), which can be fewer than ``n``.
COUNT_COLUMNS: tuple[str, ...] = ("n", "n_with_expected")
# Words about a row's figures (why there is no interval: "fewer than 2 pupils ..."; why value added
# is withheld): hidden with
# the figures, and never a key that breaks ties.
NOTE_COLUMNS: tuple[str, ...] = ("ci_reason", "withheld")


def _check_threshold(threshold: object) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"suppress: threshold must be a whole number of at least 1, not {threshold!r}")


def _value_columns(
    table: pl.DataFrame, value_columns: Sequence[str] | None, fixed: Sequence[str]
) -> list[str]:
    if value_columns is None:
        return [
            c
            for c in MEASURE_COLUMNS
            if c in table.columns and c not in fixed and table.schema[c].is_numeric()
        ]
    values = as_columns(value_columns, what="suppress: value_columns")
    require(table, values, what="suppress")
    overlap = set(values) & ({"n", *fixed})
    if overlap:
        raise ValueError(f"suppress: {sorted(overlap)} cannot be both a value column and n or partition")
    return values


def _primary(table: pl.DataFrame, threshold: int) -> pl.Expr:
    """Small: n under the threshold (or unknown); for a gap row, either side; for a row with a %
    at expected, fewer than ``threshold`` (but some) pupils with an expected point behind it."""
    small = pl.col("n").is_null() | (pl.col("n") < threshold)
    if "n_other" in table.columns:
        small = small | pl.col("n_other").is_null() | (pl.col("n_other") < threshold)
    if "n_with_expected" in table.columns:
        some = pl.col("n_with_expected").fill_null(0)
        small = small | ((some > 0) & (some < threshold))
    return small


def _counts(row: dict[str, Any], counts: Sequence[str]) -> tuple[int, ...]:
    return tuple(int(row[c] or 0) for c in counts)


def _needs_more(hidden: list[tuple[int, ...]], threshold: int) -> bool:
    """Whether a line (rows adding up to a shown total) with these hidden rows' counts must hide
    one more: one hidden row alone is the total minus the rest; several hidden rows together are a
    group too, and must not be fewer than ``threshold`` pupils (in any count)."""
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    return any(0 < sum(column) < threshold for column in zip(*hidden, strict=True))


def _hide_more(
    members: list[int],
    hidden: list[bool],
    counts: list[tuple[int, ...]],
    order: list[tuple],
    threshold: int,
) -> bool:
    """Hides the smallest shown members of one line until it is safe; True if any was hidden."""
    changed = False
    while True:
        shown = [m for m in members if not hidden[m]]
        hidden_counts = [counts[m] for m in members if hidden[m]]
        if not _needs_more(hidden_counts, threshold) or not shown:
            return changed
        hidden[min(shown, key=lambda m: order[m])] = True
        changed = True


def _blank(marked: pl.DataFrame, table: pl.DataFrame, values: Sequence[str]) -> pl.DataFrame:
    notes = [c for c in NOTE_COLUMNS if c in table.columns and c not in values]
    hidden = [
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).cast(table.schema[c]).alias(c)
        for c in ("n", *values, *notes)
    ]
    return marked.with_columns(hidden)


def _sort_key(row: dict[str, Any], keys: Sequence[str]) -> tuple:
    """Smallest n first (unknown n last), ties by the other key columns: never by row order."""
    n = row["n"]
    return (n is None, n or 0, *((row[k] is None, row[k] if row[k] is not None else 0) for k in keys))


def suppress(
    table: pl.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    partition: Sequence[str] = (),
    value_columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """``table`` with a Boolean column ``suppressed``; a suppressed row has ``n`` and every value
    column null (its key columns stay, so the reader sees that a group exists but not its size).

    - Primary: a row is suppressed when ``n`` < ``threshold`` (or ``n`` is null). A gap row (one
      with ``n_other``) is suppressed when either side is: ``n`` or ``n_other`` < ``threshold``. A
      row with ``n_with_expected`` is suppressed when that is above 0 but under ``threshold``
      (its % at expected would be about fewer pupils).
    - Secondary, by subtraction: ``partition`` names the columns whose rows add up to a total the
      reader may see (for example ``("school_id", "subject", "dimension")`` in a table of groups;
      the default ``()`` treats the whole table as one such set). Within each, while exactly one
      row is suppressed, or the suppressed rows together count fewer than ``threshold`` pupils (so
      their figures, total minus the rest, would be a small group's), the unsuppressed row with
      the smallest ``n`` is suppressed too (ties broken by the other key columns in order).

    ``value_columns`` defaults to the numeric columns of :data:`MEASURE_COLUMNS` present; the
    columns of :data:`NOTE_COLUMNS` (why an interval is missing) are hidden with them."""
    _check_threshold(threshold)
    parts = as_columns(partition, what="suppress: partition")
    require(table, ["n", *parts], what="suppress")
    values = _value_columns(table, value_columns, parts)
    keys = [
        c
        for c in table.columns
        if c not in {"n", *parts, *values, *NOTE_COLUMNS} and not table.schema[c].is_nested()
    ]
    counts_of = [c for c in COUNT_COLUMNS if c in table.columns]

    marked = table.with_columns(_primary(table, threshold).alias("suppressed"))
    rows = marked.select([*parts, *keys, *counts_of, "suppressed"]).to_dicts()
    hidden = [bool(r["suppressed"]) for r in rows]
    counts = [_counts(r, counts_of) for r in rows]
    order = [_sort_key(r, keys) for r in rows]
    lines: dict[tuple, list[int]] = {}
    for index, row in enumerate(rows):
        lines.setdefault(tuple(row[p] for p in parts), []).append(index)
    for members in lines.values():
        _hide_more(members, hidden, counts, order, threshold)
    marked = marked.with_columns(pl.Series("suppressed", hidden, dtype=pl.Boolean))
    return _blank(marked, table, values)
