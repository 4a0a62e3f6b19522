"""Small numbers: for people who see aggregates but not named pupils, a figure about fewer than
``threshold`` pupils is never shown, nor one that would let it be worked out by subtraction."""

from __future__ import annotations

from collections.abc import Sequence

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
    "ci_low",
    "ci_high",
    "value",
    "n_other",
    "value_other",
    "gap",
)


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
      with ``n_other``) is suppressed when either side is: ``n`` or ``n_other`` < ``threshold``.
    - Secondary, by subtraction: ``partition`` names the columns whose rows add up to a total the
      reader may see (for example ``("school_id", "subject", "dimension")`` in a table of groups;
      the default ``()`` treats the whole table as one such set). Within each, when exactly one row
      is suppressed, the unsuppressed row with the smallest ``n`` is suppressed too (ties broken by
      the other key columns in order), so the hidden figure cannot be had as total minus the rest.

    ``value_columns`` defaults to the numeric columns of :data:`MEASURE_COLUMNS` present."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"suppress: threshold must be a whole number of at least 1, not {threshold!r}")
    parts = as_columns(partition, what="suppress: partition")
    require(table, ["n", *parts], what="suppress")
    if value_columns is None:
        values = [
            c
            for c in MEASURE_COLUMNS
            if c in table.columns and c not in parts and table.schema[c].is_numeric()
        ]
    else:
        values = as_columns(value_columns, what="suppress: value_columns")
        require(table, values, what="suppress")
        overlap = set(values) & ({"n", *parts})
        if overlap:
            raise ValueError(f"suppress: {sorted(overlap)} cannot be both a value column and n or partition")
    keys = [c for c in table.columns if c not in {"n", *parts, *values} and not table.schema[c].is_nested()]

    small = pl.col("n").is_null() | (pl.col("n") < threshold)
    if "n_other" in table.columns:
        small = small | pl.col("n_other").is_null() | (pl.col("n_other") < threshold)
    marked = table.with_row_index("_row").with_columns(small.alias("_primary"))
    # Non-suppressed rows first, smallest n first: the first row of each partition is the one a
    # single suppressed row drags down with it.
    marked = marked.sort([*parts, "_primary", "n", *keys], nulls_last=True)
    if parts:
        primaries = pl.col("_primary").sum().over(parts)
        first = pl.int_range(pl.len()).over(parts) == 0
    else:
        primaries = pl.col("_primary").sum()
        first = pl.int_range(pl.len()) == 0
    secondary = ~pl.col("_primary") & (primaries == 1) & first
    marked = marked.with_columns((pl.col("_primary") | secondary).alias("suppressed"))
    hidden = [
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).cast(table.schema[c]).alias(c)
        for c in ("n", *values)
    ]
    return marked.with_columns(hidden).sort("_row").drop(["_row", "_primary"])
