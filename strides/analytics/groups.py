"""Groups of pupils: value added (mean similar-learner percentile against 50), gaps between a
group and everyone else, attainment by every group dimension, and transition matrices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import polars as pl

from strides.analytics._frames import (
    ATTAINMENT_SCHEMA,
    COUNT,
    aggregate,
    as_columns,
    attainment_aggs,
    require,
)
from strides.analytics.intervals import (
    FEWER_THAN_TWO,
    FEWER_THAN_TWO_ON_A_SIDE,
    NO_OTHERS,
    NO_SPREAD,
    NO_SPREAD_ON_A_SIDE,
    newcombe,
    t95_expr,
    welch_df,
    zero_spread,
)
from strides.analytics.schema import GROUP_DIMENSIONS

Measure = Literal["pct_at_expected", "mean_points", "mean_percentile"]
MEASURES: tuple[str, ...] = ("pct_at_expected", "mean_points", "mean_percentile")
GAP_VALUES = ("n", "value", "n_other", "value_other", "gap", "ci_low", "ci_high", "ci_reason")
# What each figure can be: value added is a mean percentile (0..100) less 50; a gap of mean
# percentiles is at most 100 either way. Intervals are clipped to these.
VALUE_ADDED_RANGE = (-50.0, 50.0)
PERCENTILE_GAP_RANGE = (-100.0, 100.0)


def value_added(pct_rows: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """by..., n, mean_percentile, value_added, ci_low, ci_high, ci_reason.

    ``value_added`` = mean similar-learner percentile - 50 (0 = progress like similar learners';
    above 0 = more). ``ci_low`` / ``ci_high`` bound a 95% t interval for it: value_added +/-
    t(n - 1) x sd / sqrt(n) (sd of the percentiles, n - 1 in the denominator), clipped to -50..+50.
    No interval (null, with ``ci_reason`` saying why) for fewer than 2 pupils or when every pupil
    has the same percentile. Rows with no percentile (no cell to compare with) are left out."""
    columns = as_columns(by)
    require(pct_rows, [*columns, "percentile"], what="value_added")
    rows = pct_rows.filter(pl.col("percentile").is_not_null())
    table = aggregate(
        rows,
        columns,
        [
            pl.len().cast(COUNT).alias("n"),
            pl.col("percentile").mean().alias("mean_percentile"),
            pl.col("percentile").var(ddof=1).alias("_variance"),
        ],
    )
    count = pl.col("n").cast(pl.Float64)
    few = pl.col("n") < 2
    flat = zero_spread(pl.col("_variance"), pl.col("mean_percentile"))
    half = t95_expr(count - 1.0) * (pl.col("_variance") / count).sqrt()
    with_interval = ~few & ~flat
    low, high = VALUE_ADDED_RANGE
    return (
        table.with_columns((pl.col("mean_percentile") - 50.0).alias("value_added"))
        .with_columns(
            pl.when(with_interval).then((pl.col("value_added") - half).clip(low, high)).alias("ci_low"),
            pl.when(with_interval).then((pl.col("value_added") + half).clip(low, high)).alias("ci_high"),
            pl.when(few)
            .then(pl.lit(FEWER_THAN_TWO))
            .when(flat)
            .then(pl.lit(NO_SPREAD))
            .otherwise(None)
            .cast(pl.String)
            .alias("ci_reason"),
        )
        .drop("_variance")
    )


def _measure_sums(rows: pl.DataFrame, measure: str) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """(rows that count for the measure, per-group sums: _n, _s, _ss)."""
    if measure == "pct_at_expected":
        require(rows, ["point", "expected"], what="gaps")
        rows = rows.filter(pl.col("expected").is_not_null())
        hit = (pl.col("point") >= pl.col("expected")).cast(pl.Float64)
        return rows, [pl.len().cast(COUNT).alias("_n"), hit.sum().alias("_s"), hit.sum().alias("_ss")]
    column = {"mean_points": "point", "mean_percentile": "percentile"}.get(measure)
    if column is None:
        raise ValueError(f"gaps: measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    require(rows, [column], what="gaps")
    rows = rows.filter(pl.col(column).is_not_null())
    value = pl.col(column).cast(pl.Float64)
    return rows, [
        pl.len().cast(COUNT).alias("_n"),
        value.sum().alias("_s"),
        (value * value).sum().alias("_ss"),
    ]


def _mean(n: str, s: str) -> pl.Expr:
    count = pl.col(n).cast(pl.Float64)
    return pl.when(count > 0).then(pl.col(s) / count).otherwise(None)


def _sample_variance(n: str, s: str, ss: str) -> pl.Expr:
    """The sample variance (n - 1 in the denominator) from a count, a sum and a sum of squares."""
    count = pl.col(n).cast(pl.Float64)
    variance = ((pl.col(ss) - pl.col(s) * pl.col(s) / count) / (count - 1.0)).clip(lower_bound=0.0)
    return pl.when(count >= 2).then(variance).otherwise(None)


def _finish_gaps(groups: pl.DataFrame, totals: pl.DataFrame, by: list[str], *, measure: str) -> pl.DataFrame:
    """Each group's sums against its ``by`` totals minus its own: value, other, gap, interval.

    % at expected: Newcombe's hybrid score interval of the difference of proportions (in
    percentage points). Means: Welch's t interval, clipped for mean percentiles to -100..+100."""
    totals = totals.rename({"_n": "_tn", "_s": "_ts", "_ss": "_tss"})
    joined = groups.join(totals, on=by, how="left") if by else groups.join(totals, how="cross")
    joined = joined.with_columns(
        (pl.col("_tn") - pl.col("_n")).alias("_on"),
        (pl.col("_ts") - pl.col("_s")).alias("_os"),
        (pl.col("_tss") - pl.col("_ss")).alias("_oss"),
    )
    no_others = pl.col("_on") == 0
    few = (pl.col("_n") < 2) | (pl.col("_on") < 2)
    if measure == "pct_at_expected":
        scale = 100.0
        low, high = newcombe(pl.col("_s"), pl.col("_n"), pl.col("_os"), pl.col("_on"))
        flat = pl.lit(False)
        joined = joined.with_columns(low.alias("_low"), high.alias("_high"))
    else:
        scale = 1.0
        joined = joined.with_columns(
            _sample_variance("_n", "_s", "_ss").alias("_var"),
            _sample_variance("_on", "_os", "_oss").alias("_ovar"),
            _mean("_n", "_s").alias("_mean"),
            _mean("_on", "_os").alias("_omean"),
        )
        flat = zero_spread(pl.col("_var"), pl.col("_mean")) | zero_spread(pl.col("_ovar"), pl.col("_omean"))
        mine = pl.col("_var") / pl.col("_n").cast(pl.Float64)
        theirs = pl.col("_ovar") / pl.col("_on").cast(pl.Float64)
        half = t95_expr(welch_df(mine, pl.col("_n"), theirs, pl.col("_on"))) * (mine + theirs).sqrt()
        difference = pl.col("_mean") - pl.col("_omean")
        low, high = difference - half, difference + half
        if measure == "mean_percentile":
            low, high = low.clip(*PERCENTILE_GAP_RANGE), high.clip(*PERCENTILE_GAP_RANGE)
        joined = joined.with_columns(low.alias("_low"), high.alias("_high"))
    with_interval = ~few & ~flat
    return (
        joined.with_columns(
            pl.col("_n").alias("n"),
            (scale * _mean("_n", "_s")).alias("value"),
            pl.col("_on").alias("n_other"),
            (scale * _mean("_on", "_os")).alias("value_other"),
        )
        .with_columns(
            (pl.col("value") - pl.col("value_other")).alias("gap"),
            pl.when(with_interval).then(scale * pl.col("_low")).otherwise(None).alias("ci_low"),
            pl.when(with_interval).then(scale * pl.col("_high")).otherwise(None).alias("ci_high"),
            pl.when(no_others)
            .then(pl.lit(NO_OTHERS))
            .when(few)
            .then(pl.lit(FEWER_THAN_TWO_ON_A_SIDE))
            .when(flat)
            .then(pl.lit(NO_SPREAD_ON_A_SIDE))
            .otherwise(None)
            .cast(pl.String)
            .alias("ci_reason"),
        )
        .select(pl.exclude("^_.*$"))
    )


def gaps(
    rows: pl.DataFrame,
    dimension: str,
    *,
    by: Sequence[str] = (),
    measure: Measure = "pct_at_expected",
) -> pl.DataFrame:
    """by..., <dimension>, n, value, n_other, value_other, gap, ci_low, ci_high, ci_reason.

    Each value of ``dimension`` (within each ``by`` group) against all other pupils of that group:
    ``value`` is the measure for pupils with that value, ``value_other`` for the rest, ``gap`` =
    value - value_other. Measures: ``pct_at_expected`` (of observation rows with an expected
    point; ``n`` counts those), ``mean_points`` (observation rows), ``mean_percentile`` (percentile
    rows with a percentile). The 95% interval of the gap (see :mod:`strides.analytics.intervals`):
    Newcombe's hybrid score interval for a difference of proportions (in percentage points);
    Welch's t interval for a difference of means (clipped to -100..+100 for mean percentiles).
    No interval, with ``ci_reason`` saying why, when either side has fewer than 2 pupils or, for
    means, every pupil of a side has the same value."""
    columns = as_columns(by)
    if dimension in columns:
        raise ValueError(f"gaps: {dimension!r} is both the dimension and in by")
    require(rows, [*columns, dimension], what="gaps")
    counted, sums = _measure_sums(rows, measure)
    groups = aggregate(counted, [*columns, dimension], sums)
    totals = aggregate(counted, columns, sums)
    table = _finish_gaps(groups, totals, columns, measure=measure)
    return table.select([*columns, dimension, *GAP_VALUES]).sort([*columns, dimension], nulls_last=True)


def gaps_by_dimension(
    rows: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
    measure: Measure = "pct_at_expected",
) -> pl.DataFrame:
    """by..., dimension, group, n, value, n_other, value_other, gap, ci_low, ci_high: :func:`gaps`
    for every dimension, stacked (``group`` is the dimension's value as text)."""
    columns = as_columns(by)
    dims = [d for d in as_columns(dimensions, what="dimensions") if d not in columns]
    require(rows, [*columns, *dims], what="gaps")
    counted, sums = _measure_sums(rows, measure)
    totals = aggregate(counted, columns, sums)
    parts = [
        aggregate(counted, [*columns, d], sums).select(
            *columns,
            pl.lit(d).alias("dimension"),
            pl.col(d).cast(pl.String).alias("group"),
            "_n",
            "_s",
            "_ss",
        )
        for d in dims
    ]
    if not parts:
        schema = {c: rows.schema[c] for c in columns} | {"dimension": pl.String(), "group": pl.String()}
        sums_schema = {"_n": pl.Int64(), "_s": pl.Float64(), "_ss": pl.Float64()}
        parts = [pl.DataFrame(schema=schema | sums_schema)]
    table = _finish_gaps(pl.concat(parts), totals, columns, measure=measure)
    return table.select([*columns, "dimension", "group", *GAP_VALUES])


def dimension_breakdown(
    obs: pl.DataFrame, *, by: Sequence[str] = (), dimensions: Sequence[str] = GROUP_DIMENSIONS
) -> pl.DataFrame:
    """by..., dimension, value, n, mean_points, n_with_expected, n_at_expected, pct_at_expected:
    :func:`strides.analytics.attainment.attainment` for each value of each dimension, stacked.
    ``value`` is the dimension's value as text ("true"/"false" for yes/no dimensions, "3" for NC
    year 3, "" for no primary need). A dimension that is also in ``by`` is skipped."""
    columns = as_columns(by)
    parts = []
    for dimension in dimensions:
        if dimension in columns:
            continue
        require(obs, [dimension], what="dimension_breakdown")
        part = aggregate(obs, [*columns, dimension], attainment_aggs())
        parts.append(
            part.select(
                *columns,
                pl.lit(dimension).alias("dimension"),
                pl.col(dimension).cast(pl.String).alias("value"),
                pl.exclude([*columns, dimension]),
            )
        )
    if not parts:
        schema = {c: obs.schema[c] for c in columns} | {"dimension": pl.String(), "value": pl.String()}
        return pl.DataFrame(schema=schema | ATTAINMENT_SCHEMA)
    return pl.concat(parts)


def transition_matrix(progress_rows: pl.DataFrame, by: Sequence[str] = ("subject",)) -> pl.DataFrame:
    """by..., start_point, end_point, n: how many pupils moved from each starting point to each
    end point."""
    columns = as_columns(by)
    require(progress_rows, [*columns, "start_point", "end_point"], what="transition_matrix")
    return aggregate(progress_rows, [*columns, "start_point", "end_point"], [pl.len().cast(COUNT).alias("n")])
