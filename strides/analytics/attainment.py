"""Attainment: where pupils are on the common scale at a drop, and how that moves across drops.

Each measure counts judgement rows. Callers pass one drop's rows (or, for :func:`trend`, every
drop's) and group by subject, so that one row is one pupil and ``n`` is pupils."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from strides.analytics._frames import COUNT, aggregate, as_columns, attainment_aggs, require

DROP_COLUMNS = ("academic_year", "term", "drop_id", "drop_date")


def attainment(obs: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """by..., n, mean_points, n_with_expected, n_at_expected, pct_at_expected.

    ``pct_at_expected`` = 100 x (judgements at or above the expected point) / (judgements with an
    expected point); null when no judgement in the group has one."""
    columns = as_columns(by)
    require(obs, [*columns, "point", "expected"], what="attainment")
    return aggregate(obs, columns, attainment_aggs())


def distribution(obs: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """by..., point, n, pct: how many judgements sit at each common point, and their share
    (percent of the group's judgements)."""
    columns = as_columns(by)
    require(obs, [*columns, "point"], what="distribution")
    counts = aggregate(obs, [*columns, "point"], [pl.len().cast(COUNT).alias("n")])
    total = pl.col("n").sum().over(columns) if columns else pl.col("n").sum()
    return counts.with_columns((100.0 * pl.col("n") / total).alias("pct"))


def trend(obs: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """by..., academic_year, term, drop_id, drop_date, n, mean_points, pct_at_expected: one row
    per group and drop, in time order within each group."""
    columns = as_columns(by)
    overlap = [c for c in columns if c in DROP_COLUMNS]
    if overlap:
        raise ValueError(f"trend: {overlap} are already in every row of a trend; leave them out of by")
    require(obs, [*columns, *DROP_COLUMNS, "point", "expected"], what="trend")
    keep = ["n", "mean_points", "pct_at_expected"]
    rows = (
        obs.group_by([*columns, *DROP_COLUMNS])
        .agg(attainment_aggs())
        .select([*columns, *DROP_COLUMNS, *keep])
    )
    return rows.sort([*columns, "drop_date", "drop_id"], nulls_last=True)
