"""Small-step measures: % of a step secured, steps secured, progress between two dates in % of a
step and in statements, lateral gains, milestones secured, personal thresholds and similar
learners. Pure: frames in, frames out (docs/small-steps.md, "Measures", defines every figure).

Two frames describe everything:

- **statements** (:data:`STATEMENT_SCHEMA`): one row per statement, with its area, step (null in a
  milestone map), step number, weight, whether it is key and the day it was removed (null if
  never). A removed statement leaves the step's count from its removal day; its records stay.
- **records** (:data:`RECORD_SCHEMA`): every achievement record, append-only: pupil, statement, the
  day it describes, its version (later versions of the same day win), what its level counts for
  (``credit``: 1 for a secured level, the level's partial credit otherwise, already 0 when the
  framework gives none), whether it is secured and whether it is "not applicable", and the four
  lateral ratings (null where not rated).

What a pupil has on a day is the latest record of each statement on or before it. A statement
marked not applicable leaves the step's count for that pupil. The engagement model has no
statements and is never measured here: it has no score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

ASPECTS = ("independence", "fluency", "maintenance", "generalisation")
FULLY = 5  # the top of the lateral scale: a statement rated 5 for generalisation is "generalised"

STATEMENT_SCHEMA: dict[str, pl.DataType] = {
    "statement_id": pl.Int64(),
    "area_id": pl.Int64(),
    "step_id": pl.Int64(),
    "step_number": pl.Int32(),
    "weight": pl.Float64(),
    "key": pl.Boolean(),
    "removed_on": pl.Date(),
}
RECORD_SCHEMA: dict[str, pl.DataType] = {
    "pupil_id": pl.Int64(),
    "statement_id": pl.Int64(),
    "assessed_on": pl.Date(),
    "version": pl.Int32(),
    "credit": pl.Float64(),
    "secured": pl.Boolean(),
    "not_applicable": pl.Boolean(),
    **{aspect: pl.Int8() for aspect in ASPECTS},
}


def statements_frame(rows: Sequence[dict] | Sequence[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=STATEMENT_SCHEMA, orient="row")


def records_frame(rows: Sequence[dict] | Sequence[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


def _days(days: Sequence[dt.date]) -> pl.DataFrame:
    return pl.DataFrame({"day": sorted(set(days))}, schema={"day": pl.Date()})


def _latest_many(records: pl.DataFrame, days: Sequence[dt.date]) -> pl.DataFrame:
    """Each pupil's latest record of each statement on or before each of ``days`` (a ``day``
    column): one pass for every day, so a page of six terms costs one sort, not twelve."""
    return (
        _days(days)
        .join(records, how="cross")
        .filter(pl.col("assessed_on") <= pl.col("day"))
        .sort(["day", "pupil_id", "statement_id", "assessed_on", "version"])
        .group_by(["day", "pupil_id", "statement_id"], maintain_order=True)
        .last()
    )


def latest_on(records: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Each pupil's latest record of each statement on or before ``day``."""
    return _latest_many(records, [day]).drop("day")


def _active_many(statements: pl.DataFrame, days: Sequence[dt.date]) -> pl.DataFrame:
    return (
        _days(days)
        .join(statements, how="cross")
        .filter(pl.col("removed_on").is_null() | (pl.col("removed_on") > pl.col("day")))
    )


def _active(statements: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return _active_many(statements, [day]).drop("day")


def _step_percents_many(
    statements: pl.DataFrame, records: pl.DataFrame, days: Sequence[dt.date]
) -> pl.DataFrame:
    active = _active_many(statements, days).filter(pl.col("step_id").is_not_null())
    latest = _latest_many(records, days).join(active, on=["day", "statement_id"], how="inner")
    per_step_records = latest.group_by(["day", "pupil_id", "step_id"]).agg(
        (pl.col("credit") * pl.col("weight")).filter(~pl.col("not_applicable")).sum().alias("credit_w"),
        pl.col("weight").filter(pl.col("not_applicable")).sum().alias("na_w"),
        pl.col("not_applicable").sum().cast(pl.Int64).alias("na_n"),
        (pl.col("secured") & ~pl.col("not_applicable")).sum().cast(pl.Int64).alias("secured"),
    )
    steps = active.group_by(["day", "area_id", "step_id", "step_number"]).agg(
        pl.col("weight").sum().alias("total_w"), pl.len().cast(pl.Int64).alias("statements")
    )
    pupils_areas = latest.select(["day", "pupil_id", "area_id"]).unique()
    grid = pupils_areas.join(steps, on=["day", "area_id"], how="inner")
    out = grid.join(per_step_records, on=["day", "pupil_id", "step_id"], how="left").with_columns(
        pl.col("credit_w").fill_null(0.0),
        pl.col("na_w").fill_null(0.0),
        pl.col("na_n").fill_null(0),
        pl.col("secured").fill_null(0),
    )
    denominator = pl.col("total_w") - pl.col("na_w")
    return out.select(
        "day",
        "pupil_id",
        "area_id",
        "step_id",
        "step_number",
        pl.when(denominator > 1e-9)
        .then((100.0 * pl.col("credit_w") / denominator).clip(0.0, 100.0))
        .otherwise(None)
        .alias("percent"),
        "secured",
        (pl.col("statements") - pl.col("na_n")).alias("counted"),
        "statements",
    ).sort(["day", "pupil_id", "area_id", "step_number"])


def step_percents(statements: pl.DataFrame, records: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """% of each step secured on ``day``, per pupil with a record in the step's area:
    ``pupil_id, area_id, step_id, step_number, percent, secured, counted, statements``.

    ``percent`` = 100 x (weight of the statements secured, or their credit) / (weight of the
    step's statements in use that day, less those not applicable to the pupil); null when every
    statement is not applicable. ``secured`` counts statements secured, ``counted`` the ones in
    the denominator."""
    return _step_percents_many(statements, records, [day]).drop("day")


POSITION_SCHEMA: dict[str, pl.DataType] = {
    "day": pl.Date(),
    "pupil_id": pl.Int64(),
    "area_id": pl.Int64(),
    "steps_secured": pl.Float64(),
    "statements_secured": pl.Int64(),
    "current_step": pl.Int32(),
    "current_percent": pl.Float64(),
    "steps_completed": pl.Int64(),
}


def area_positions_on(
    statements: pl.DataFrame, records: pl.DataFrame, days: Sequence[dt.date], complete_percent: float = 100.0
) -> pl.DataFrame:
    """:func:`area_positions` on each of ``days`` at once, with a ``day`` column."""
    percents = _step_percents_many(statements, records, days)
    if percents.is_empty():
        return pl.DataFrame(schema=POSITION_SCHEMA)
    done = pl.col("percent").is_null() | (pl.col("percent") >= complete_percent - 1e-9)
    return (
        percents.sort(["day", "pupil_id", "area_id", "step_number"])
        .group_by(["day", "pupil_id", "area_id"], maintain_order=True)
        .agg(
            (pl.col("percent").fill_null(0.0).sum() / 100.0).alias("steps_secured"),
            pl.col("secured").sum().alias("statements_secured"),
            pl.col("step_number").filter(~done).first().alias("_open_step"),
            pl.col("percent").filter(~done).first().alias("_open_percent"),
            pl.col("step_number").last().alias("_last_step"),
            pl.col("percent").last().alias("_last_percent"),
            (pl.col("percent").is_not_null() & done).sum().cast(pl.Int64).alias("steps_completed"),
        )
        .select(
            "day",
            "pupil_id",
            "area_id",
            "steps_secured",
            "statements_secured",
            pl.coalesce("_open_step", "_last_step").alias("current_step"),
            pl.when(pl.col("_open_step").is_null())
            .then(pl.col("_last_percent"))
            .otherwise(pl.col("_open_percent").fill_null(0.0))
            .alias("current_percent"),
            "steps_completed",
        )
    )


def area_positions(
    statements: pl.DataFrame, records: pl.DataFrame, day: dt.date, complete_percent: float = 100.0
) -> pl.DataFrame:
    """Where each pupil stands in each area on ``day``:
    ``pupil_id, area_id, steps_secured, statements_secured, current_step, current_percent,
    steps_completed``.

    ``steps_secured`` is the sum over the area's steps of each step's % / 100: a pupil with step 1
    complete and half of step 2 has 1.5, whatever order the statements were secured in, so the
    difference between two days is progress in steps (x 100: in % of a step). The current step is
    the first step not yet completed (at ``complete_percent``; a step wholly not applicable is
    passed over); once every step is completed it is the last."""
    return area_positions_on(statements, records, [day], complete_percent).drop("day")


def ratings_on(records: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Each pupil's latest rating of each aspect of each statement on or before ``day`` (a record
    that leaves an aspect unrated keeps the last rating): ``pupil_id, statement_id, aspect,
    rating``."""
    return (
        records.filter(pl.col("assessed_on") <= day)
        .unpivot(index=["pupil_id", "statement_id", "assessed_on", "version"], on=list(ASPECTS))
        .rename({"variable": "aspect", "value": "rating"})
        .drop_nulls("rating")
        .sort(["pupil_id", "statement_id", "aspect", "assessed_on", "version"])
        .group_by(["pupil_id", "statement_id", "aspect"], maintain_order=True)
        .agg(pl.col("rating").last())
    )


def _lateral_many(statements: pl.DataFrame, records: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    rated = (
        records.unpivot(index=["pupil_id", "statement_id", "assessed_on", "version"], on=list(ASPECTS))
        .rename({"variable": "aspect", "value": "rating"})
        .drop_nulls("rating")
        .join(windows, how="cross")
        .filter(pl.col("assessed_on") <= pl.col("end"))
        .sort(["start", "end", "pupil_id", "statement_id", "aspect", "assessed_on", "version"])
    )
    keys = ["start", "end", "pupil_id", "statement_id", "aspect"]
    before = (
        rated.filter(pl.col("assessed_on") <= pl.col("start"))
        .group_by(keys, maintain_order=True)
        .agg(pl.col("rating").last().alias("base"))
    )
    after = (
        rated.filter(pl.col("assessed_on") > pl.col("start"))
        .group_by(keys, maintain_order=True)
        .agg(pl.col("rating").first().alias("first_after"), pl.col("rating").last().alias("last_after"))
    )
    gains = (
        after.join(before, on=keys, how="left")
        .with_columns(
            (pl.col("last_after").cast(pl.Int32) - pl.coalesce("base", "first_after").cast(pl.Int32))
            .clip(lower_bound=0)
            .alias("gain")
        )
        .join(statements.select("statement_id", "area_id"), on="statement_id", how="inner")
    )
    per_aspect = gains.pivot(
        on="aspect", index=["start", "end", "pupil_id", "area_id"], values="gain", aggregate_function="sum"
    )
    for aspect in ASPECTS:
        if aspect not in per_aspect.columns:
            per_aspect = per_aspect.with_columns(pl.lit(0, pl.Int32).alias(aspect))
    return per_aspect.select(
        "start",
        "end",
        "pupil_id",
        "area_id",
        pl.sum_horizontal([pl.col(a).fill_null(0) for a in ASPECTS]).cast(pl.Int64).alias("lateral_gains"),
        *[pl.col(a).fill_null(0).cast(pl.Int64) for a in ASPECTS],
    )


def _windows(windows: Sequence[tuple[dt.date, dt.date]]) -> pl.DataFrame:
    return pl.DataFrame(
        list(dict.fromkeys(windows)), schema={"start": pl.Date(), "end": pl.Date()}, orient="row"
    )


def lateral_gains(
    statements: pl.DataFrame, records: pl.DataFrame, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """Rating points gained on the four aspects between ``start`` and ``end``, per pupil and area:
    ``pupil_id, area_id, lateral_gains`` and one column per aspect.

    For each statement and aspect, the gain is the rating on ``end`` less the rating on ``start``
    or, when it had none then, its first rating after ``start`` (a first rating is a baseline, not
    a gain); falls count as nothing, so a gain elsewhere is never cancelled out."""
    return _lateral_many(statements, records, _windows([(start, end)])).drop("start", "end")


def progress_over(
    statements: pl.DataFrame,
    records: pl.DataFrame,
    windows: Sequence[tuple[dt.date, dt.date]],
    complete_percent: float = 100.0,
) -> pl.DataFrame:
    """:func:`progress_between` for each ``(start, end)`` window at once (a pupil's terms), with
    ``start`` and ``end`` columns: every boundary day's positions are worked out in one pass."""
    frame = _windows(windows)
    days = sorted({d for pair in frame.iter_rows() for d in pair})
    positions = area_positions_on(statements, records, days, complete_percent)
    at_end = frame.join(positions.rename({"day": "end"}), on="end", how="inner")
    at_start = positions.select(
        pl.col("day").alias("start"),
        "pupil_id",
        "area_id",
        pl.col("steps_secured").alias("_from"),
        pl.col("statements_secured").alias("_from_n"),
    )
    lateral = _lateral_many(statements, records, frame)
    return (
        at_end.join(at_start, on=["start", "pupil_id", "area_id"], how="left")
        .join(lateral, on=["start", "end", "pupil_id", "area_id"], how="left")
        .select(
            "start",
            "end",
            "pupil_id",
            "area_id",
            ((pl.col("steps_secured") - pl.col("_from").fill_null(0.0)) * 100.0).alias("progress_percent"),
            (pl.col("statements_secured") - pl.col("_from_n").fill_null(0)).alias("statements_gained"),
            pl.col("lateral_gains").fill_null(0),
            *[pl.col(a).fill_null(0) for a in ASPECTS],
            "current_step",
            "current_percent",
            "steps_secured",
        )
    )


def progress_between(
    statements: pl.DataFrame,
    records: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    complete_percent: float = 100.0,
) -> pl.DataFrame:
    """Progress of each pupil in each area between two days: ``pupil_id, area_id,
    progress_percent`` (in % of a step: steps secured on ``end`` less on ``start``, x 100),
    ``statements_gained`` (statements secured, net), ``lateral_gains``, the position on ``end``
    (``current_step``, ``current_percent``, ``steps_secured``). A pupil with records in an area
    only after ``start`` started from nothing in it."""
    return progress_over(statements, records, [(start, end)], complete_percent).drop("start", "end")


def milestones_secured(statements: pl.DataFrame, records: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """A milestone map's count, per pupil and strand: ``secured``, ``key_secured``, ``milestones``,
    ``key_milestones`` (those in use on ``day`` and applicable to the pupil). Reached in any order:
    never a position on a line, never a %."""
    active = _active(statements, day)
    latest = latest_on(records, day).join(active, on="statement_id", how="inner")
    per_pupil = latest.group_by(["pupil_id", "area_id"]).agg(
        (pl.col("secured") & ~pl.col("not_applicable")).sum().cast(pl.Int64).alias("secured"),
        (pl.col("secured") & ~pl.col("not_applicable") & pl.col("key"))
        .sum()
        .cast(pl.Int64)
        .alias("key_secured"),
        pl.col("not_applicable").sum().cast(pl.Int64).alias("_na"),
        (pl.col("not_applicable") & pl.col("key")).sum().cast(pl.Int64).alias("_na_key"),
    )
    totals = active.group_by("area_id").agg(
        pl.len().cast(pl.Int64).alias("_all"), pl.col("key").sum().cast(pl.Int64).alias("_all_key")
    )
    return per_pupil.join(totals, on="area_id").select(
        "pupil_id",
        "area_id",
        "secured",
        "key_secured",
        (pl.col("_all") - pl.col("_na")).alias("milestones"),
        (pl.col("_all_key") - pl.col("_na_key")).alias("key_milestones"),
    )


def generalised(records: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Statements each pupil has secured and rated fully generalised on ``day``:
    ``pupil_id, statement_id``."""
    secured = latest_on(records, day).filter(pl.col("secured") & ~pl.col("not_applicable"))
    rated = ratings_on(records, day).filter(
        (pl.col("aspect") == "generalisation") & (pl.col("rating") >= FULLY)
    )
    return secured.select("pupil_id", "statement_id").join(
        rated.select("pupil_id", "statement_id"), on=["pupil_id", "statement_id"], how="inner"
    )


# --- personal thresholds ----------------------------------------------------------------------

BELOW = "below"
LATERAL_ONLY = "lateral_only"
ABOVE = "above"


@dataclass(frozen=True)
class Thresholds:
    """A term's progress below ``below`` or above ``above`` (in % of a step) starts a conversation.
    The example trust's policy, and the default: below 2% or above 20%."""

    below: float = 2.0
    above: float = 20.0

    def __post_init__(self) -> None:
        if not self.below < self.above:
            raise ValueError(f"Thresholds: the lower ({self.below}) must be under the upper ({self.above}).")


def crossings(progress: pl.DataFrame) -> pl.DataFrame:
    """Every pupil-area whose progress crosses its thresholds. ``progress`` has ``pupil_id,
    area_id, progress_percent, lateral_gains, below, above`` (each row's own thresholds: its
    school's, for its framework) and anything else, kept. Adds ``crossing``: ``below``,
    ``above``, or ``lateral_only`` for a pupil under the lower threshold whose gains were lateral
    (never plain "below")."""
    return progress.with_columns(
        pl.when(pl.col("progress_percent") < pl.col("below"))
        .then(pl.when(pl.col("lateral_gains") > 0).then(pl.lit(LATERAL_ONLY)).otherwise(pl.lit(BELOW)))
        .when(pl.col("progress_percent") > pl.col("above"))
        .then(pl.lit(ABOVE))
        .otherwise(None)
        .alias("crossing")
    ).filter(pl.col("crossing").is_not_null())


# --- similar learners --------------------------------------------------------------------------

DEFAULT_MIN_PEERS = 6


def similar_learners(progress: pl.DataFrame, min_peers: int = DEFAULT_MIN_PEERS) -> pl.DataFrame:
    """Each pupil's progress as a percentile among pupils on the same framework, area and starting
    step (and the same primary need, where at least ``min_peers`` share it).

    ``progress`` has ``pupil_id, framework_id, area_id, start_step, primary_need,
    progress_percent``. Adds ``percentile`` (0-100: the share of peers with less progress, ties
    counting half), ``compared_with`` (the pupils in the comparison, the pupil included) and
    ``matched_on``; a pupil with fewer than ``min_peers`` in any comparison gets no percentile."""
    cell = ["framework_id", "area_id", "start_step"]

    def ranked(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return frame.with_columns(
            pl.len().over(keys).alias("compared_with"),
            (
                100.0 * (pl.col("progress_percent").rank("average").over(keys) - 0.5) / pl.len().over(keys)
            ).alias("percentile"),
        )

    by_need = ranked(progress, [*cell, "primary_need"]).with_columns(
        pl.lit("framework, area, starting step and primary need").alias("matched_on")
    )
    by_step = ranked(progress, cell).with_columns(
        pl.lit("framework, area and starting step").alias("matched_on")
    )
    chosen = (
        by_need.join(
            by_step.select(
                "pupil_id",
                "area_id",
                pl.col("percentile").alias("_p"),
                pl.col("compared_with").alias("_n"),
                pl.col("matched_on").alias("_m"),
            ),
            on=["pupil_id", "area_id"],
        )
        .with_columns(
            pl.when(pl.col("compared_with") >= min_peers)
            .then(pl.col("percentile"))
            .otherwise(pl.col("_p"))
            .alias("percentile"),
            pl.when(pl.col("compared_with") >= min_peers)
            .then(pl.col("matched_on"))
            .otherwise(pl.col("_m"))
            .alias("matched_on"),
            pl.when(pl.col("compared_with") >= min_peers)
            .then(pl.col("compared_with"))
            .otherwise(pl.col("_n"))
            .alias("compared_with"),
        )
        .drop("_p", "_n", "_m")
    )
    return chosen.with_columns(
        pl.when(pl.col("compared_with") >= min_peers)
        .then(pl.col("percentile").round(0))
        .otherwise(None)
        .alias("percentile"),
        pl.when(pl.col("compared_with") >= min_peers)
        .then(pl.col("matched_on"))
        .otherwise(pl.lit("too few similar pupils"))
        .alias("matched_on"),
    )


# --- group analysis ----------------------------------------------------------------------------


def group_summary(progress: pl.DataFrame, by: str) -> pl.DataFrame:
    """Mean progress in % of a step, mean lateral gains and the % of pupil-areas crossing each
    threshold, per value of ``by``, with ``n`` (pupils) and ``rows`` (pupil-areas) behind each.
    ``progress`` has ``pupil_id``, ``by``, ``progress_percent``, ``lateral_gains`` and
    ``crossing`` (null where none)."""
    return (
        progress.group_by(by)
        .agg(
            pl.col("pupil_id").n_unique().alias("n"),
            pl.len().alias("rows"),
            pl.col("progress_percent").mean().round(1).alias("mean_progress"),
            pl.col("lateral_gains").mean().round(2).alias("mean_lateral"),
            (100.0 * (pl.col("crossing") == BELOW).sum() / pl.len()).round(1).alias("pct_below"),
            (100.0 * (pl.col("crossing") == LATERAL_ONLY).sum() / pl.len())
            .round(1)
            .alias("pct_lateral_only"),
            (100.0 * (pl.col("crossing") == ABOVE).sum() / pl.len()).round(1).alias("pct_above"),
        )
        .sort(by)
    )


# --- the common scale --------------------------------------------------------------------------


def half_of_step(percent: float | None) -> bool:
    """Whether a pupil is half way or more through their current step (they then sit on the
    step's "+" level on the common scale)."""
    return percent is not None and percent >= 50.0
