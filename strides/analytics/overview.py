"""One call for a whole dashboard's data: every table the trust and school dashboards show for one
drop, computed together from one observations frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from strides.analytics._frames import as_columns
from strides.analytics.attainment import attainment, trend
from strides.analytics.groups import GAP_VALUES, MEASURES, dimension_breakdown, gaps_by_dimension, value_added
from strides.analytics.own_pool import own_share, withhold_self_compared
from strides.analytics.progress import progress
from strides.analytics.schema import GROUP_DIMENSIONS, validate_observations
from strides.analytics.similar import DEFAULT_MIN_CELL, percentiles

TABLES = ("attainment", "groups", "gaps", "value_added", "percentiles", "trend")


def _all_gaps(
    current: pl.DataFrame, pct_rows: pl.DataFrame, *, by: list[str], dimensions: Sequence[str]
) -> pl.DataFrame:
    parts = []
    for measure in MEASURES:
        rows = pct_rows if measure == "mean_percentile" else current
        table = gaps_by_dimension(rows, by=by, dimensions=dimensions, measure=measure)
        parts.append(table.with_columns(pl.lit(measure).alias("measure")))
    return pl.concat(parts).select([*by, "dimension", "group", "measure", *GAP_VALUES])


def history_until(obs: pl.DataFrame, drop_id: int, drop_date: dt.date | None = None) -> pl.DataFrame:
    """The rows of drop ``drop_id`` and of every drop before it: earlier by date, or on the same
    date with a smaller id (the order drops are taken in everywhere). ``drop_date`` is the drop's
    date; by default its rows' date in ``obs`` (no rows of the drop: no rows at all)."""
    if drop_date is None:
        dates = obs.filter(pl.col("drop_id") == drop_id).get_column("drop_date")
        if dates.is_empty():
            return obs.clear()
        drop_date = dates[0]
    day = pl.lit(drop_date, dtype=pl.Date)
    return obs.filter(
        (pl.col("drop_date") < day) | ((pl.col("drop_date") == day) & (pl.col("drop_id") <= drop_id))
    )


def overview(
    obs: pl.DataFrame,
    benchmark: pl.DataFrame,
    *,
    drop_id: int,
    group_by: Sequence[str] = ("school_id",),
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
    min_cell: int = DEFAULT_MIN_CELL,
    composition: pl.DataFrame | None = None,
    owner: Sequence[str] = ("school_id",),
) -> dict[str, pl.DataFrame]:
    """The tables of a dashboard for drop ``drop_id``, each split by ``group_by`` and subject:

    - ``attainment``: group_by x subject (see :func:`~strides.analytics.attainment.attainment`);
    - ``groups``: group_by x subject x each value of each dimension, with ``dimension`` and
      ``value`` (the dimension's value as text) columns;
    - ``gaps``: group_by x subject x each dimension value against the rest, with ``dimension``,
      ``group`` (the value as text) and ``measure`` (pct_at_expected, mean_points,
      mean_percentile), then the columns of :func:`~strides.analytics.groups.gaps`;
    - ``value_added``: group_by x subject; given the pool's ``composition`` by ``owner``
      (:func:`~strides.analytics.own_pool.pool_composition`), also how much of each group's
      comparison pool is its own owner's pupils (``own_share``), with the figures withheld above
      :data:`~strides.analytics.own_pool.OWN_SHARE_LIMIT` (``withheld`` says why);
    - ``percentiles``: one row per pupil and subject judged in the drop with a judgement in the
      same term a year before: one-year progress with its similar-learner percentile;
    - ``trend``: group_by x subject x every drop up to this one.

    Dimensions also in ``group_by`` are skipped. Nothing is suppressed here: the dashboards apply
    :func:`~strides.analytics.suppression.suppress` for the people who need it."""
    validate_observations(obs)
    by = [*as_columns(group_by, what="overview: group_by"), "subject"]
    dims = [d for d in dimensions if d not in by]
    current = obs.filter(pl.col("drop_id") == drop_id)
    history = history_until(obs, drop_id)
    pct_rows = percentiles(progress(history, since="year", until=drop_id), benchmark, min_cell=min_cell)
    va = value_added(pct_rows, by)
    if composition is not None:
        va = withhold_self_compared(va, own_share(pct_rows, composition, by=by, owner=owner), by=by)
    return {
        "attainment": attainment(current, by),
        "groups": dimension_breakdown(current, by=by, dimensions=dims),
        "gaps": _all_gaps(current, pct_rows, by=by, dimensions=dims),
        "value_added": va,
        "percentiles": pct_rows,
        "trend": trend(history, by),
    }
