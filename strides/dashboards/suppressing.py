"""Suppression rules the pages and the analytics API share, beyond ``AnalyticsView.suppress``:
rows that must be hidden because of what *another* table hides. One definition, so a page and an
endpoint showing the same figures hide the same rows."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from strides.analytics import MEASURE_COLUMNS, NOTE_COLUMNS


def hide_rows(table: pl.DataFrame, hidden: pl.Expr) -> pl.DataFrame:
    """``table`` (already through ``AnalyticsView.suppress``) with the rows where ``hidden`` holds
    suppressed too: ``suppressed`` set and ``n``, every figure and every note about the figures
    (why an interval is missing) null."""
    marked = table.with_columns((pl.col("suppressed") | hidden.fill_null(False)).alias("suppressed"))
    figures = [c for c in ("n", *MEASURE_COLUMNS) if c in table.columns and table.schema[c].is_numeric()]
    figures += [c for c in NOTE_COLUMNS if c in table.columns]
    return marked.with_columns(
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).cast(table.schema[c]).alias(c)
        for c in figures
    )


def hide_gaps_of_hidden_groups(
    gaps: pl.DataFrame, groups: pl.DataFrame, totals: pl.DataFrame, by: Sequence[str]
) -> pl.DataFrame:
    """A gap row shows its group's figures and, as "everyone else", the total minus the group: it
    is suppressed whenever its group (in ``groups``) or its total (in ``totals``) is, whatever
    its own numbers (a gap counts only pupils with an expected point, so its n can be smaller
    than the group's and its suppression could otherwise differ).

    ``gaps`` has ``by``, ``subject``, ``dimension`` and ``group`` (the value as text);
    ``groups`` has ``by``, ``subject``, ``dimension``, ``value`` (as text) and ``suppressed``;
    ``totals`` has ``by``, ``subject`` and ``suppressed``."""
    keys = [*by, "subject"]
    hidden_groups = groups.filter("suppressed").select(
        *keys, "dimension", pl.col("value").alias("group"), pl.lit(True).alias("_group_hidden")
    )
    hidden_totals = totals.filter("suppressed").select(*keys, pl.lit(True).alias("_total_hidden"))
    joined = gaps.join(hidden_groups, on=[*keys, "dimension", "group"], how="left", nulls_equal=True)
    joined = joined.join(hidden_totals, on=keys, how="left", nulls_equal=True)
    hidden = pl.col("_group_hidden").fill_null(False) | pl.col("_total_hidden").fill_null(False)
    return hide_rows(joined, hidden).drop("_group_hidden", "_total_hidden")


def hide_percentiles_among_few(
    pct_rows: pl.DataFrame, threshold: int, *, keep_cell_size: bool = False
) -> pl.DataFrame:
    """Pupil rows of ``strides.analytics.percentiles`` with no percentile where the cell compared
    with has fewer than ``threshold`` pupils: the pool is the whole trust's, so among 2 or 3 pupils a
    percentile would tell the reader how those others (perhaps at another school) progressed, and
    it would say little about the pupil. ``matched_on`` goes too; ``compared_with`` too unless
    ``keep_cell_size`` (a page that says "fewer than ..." without the number)."""
    too_few = pl.col("compared_with").is_not_null() & (pl.col("compared_with") < threshold)
    hidden = ["percentile", "matched_on", *([] if keep_cell_size else ["compared_with"])]
    return pct_rows.with_columns(
        pl.when(too_few).then(None).otherwise(pl.col(c)).cast(pct_rows.schema[c]).alias(c) for c in hidden
    )
