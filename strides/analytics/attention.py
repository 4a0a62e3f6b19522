"""Pupils needing attention: in each subject, pupils whose latest judgement raises a concern."""

from __future__ import annotations

import polars as pl

from strides.analytics._frames import require
from strides.analytics.progress import KEYS, ORDER, _last_in_order, progress

NOT_MAKING_EXPECTED_PROGRESS = "not_making_expected_progress"
FALLEN_BACK = "fallen_back"
BOTTOM_DECILE = "bottom_decile"
REASONS = (NOT_MAKING_EXPECTED_PROGRESS, FALLEN_BACK, BOTTOM_DECILE)
BOTTOM_DECILE_BELOW = 10.0


def _latest_percentiles(pct_rows: pl.DataFrame) -> pl.DataFrame:
    require(pct_rows, [*KEYS, "percentile"], what="needing_attention: pct_rows")
    rows = pct_rows.filter(pl.col("percentile").is_not_null())
    if {"end_drop_date", "end_drop_id"} <= set(rows.columns):
        for column in ("end_drop_date", "end_drop_id"):
            rows = rows.filter(pl.col(column) == pl.col(column).max().over(KEYS))
    return rows.group_by(KEYS).agg((pl.col("percentile").min() < BOTTOM_DECILE_BELOW).alias(BOTTOM_DECILE))


def needing_attention(obs: pl.DataFrame, pct_rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """pupil_id, subject, school_id, reasons (a list of text), one row per pupil and subject with
    at least one reason, judged at the pupil's latest judgement in the subject:

    - ``not_making_expected_progress``: over the last year (since the same term a year before)
      the pupil gained fewer points than the expected points rose; pupils with no expected point
      at either end are not flagged for this;
    - ``fallen_back``: the latest point is below the point of the pupil's previous judgement;
    - ``bottom_decile``: the similar-learner percentile (from ``pct_rows``, the latest end drop's)
      is below 10.

    ``school_id`` is the school of the latest judgement."""
    require(obs, [*KEYS, *ORDER, "school_id", "point"], what="needing_attention")
    latest = _last_in_order(obs, KEYS)
    earlier = obs.join(latest.select([*KEYS, "drop_id"]), on=[*KEYS, "drop_id"], how="anti")
    previous = _last_in_order(earlier, KEYS).select([*KEYS, pl.col("point").alias("_previous_point")])
    year = progress(obs, since="year").filter(pl.col("expected_rise").is_not_null())
    behind = year.select(
        *KEYS, (pl.col("gained") < pl.col("expected_rise")).alias(NOT_MAKING_EXPECTED_PROGRESS)
    )

    flags = (
        latest.select([*KEYS, "school_id", "point"])
        .join(previous, on=KEYS, how="left")
        .join(behind, on=KEYS, how="left")
        .with_columns((pl.col("point") < pl.col("_previous_point")).fill_null(False).alias(FALLEN_BACK))
    )
    if pct_rows is not None:
        flags = flags.join(_latest_percentiles(pct_rows), on=KEYS, how="left")
    else:
        flags = flags.with_columns(pl.lit(False).alias(BOTTOM_DECILE))
    reasons = pl.concat_list(
        [pl.when(pl.col(reason).fill_null(False)).then(pl.lit(reason)).otherwise(None) for reason in REASONS]
    ).list.drop_nulls()
    return (
        flags.select([*KEYS, "school_id", reasons.alias("reasons")])
        .filter(pl.col("reasons").list.len() > 0)
        .sort(KEYS)
    )
