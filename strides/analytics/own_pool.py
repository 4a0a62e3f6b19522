"""Is a group compared mostly with itself? The share of a value added's comparison pool that is
the group's own pupils, and value added withheld where that share is too large to mean anything.

With the trust's own pool, a school that is the only one of its phase is compared with itself:
its pupils fill every cell they are ranked in. A group that is a share ``s`` of its cell has a
mean mid-rank percentile of exactly ``100 x (s/2 + (1 - s) x U)``, where ``U`` is the chance that
one of its pupils gained more than one of the others in the cell (ties count half): so its value
added is ``100 x (1 - s) x (U - 1/2)``, the comparison with the others shrunk by ``1 - s``. At
``s = 1`` it is 0 whatever the pupils did. Above :data:`OWN_SHARE_LIMIT` (50%) most of what the
figure could show is lost to the self-comparison, and no value added or mean percentile is shown:
the figure is withheld with :data:`OWN_POOL_REASON`. Definitions: docs/analytics.md."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from strides.analytics._frames import COUNT, aggregate, as_columns, require
from strides.analytics.similar import ANY_NEED, CELL, MATCHED_ON_NEED

# Above this percentage of its comparison pool being its own pupils, a group's value added is
# withheld: it would be less than half the comparison with anybody else (see the module docstring).
OWN_SHARE_LIMIT = 50.0
OWN_POOL_REASON = "compared mostly with itself"
OWN_POOL_COLUMNS = ("pool_n", "own_n", "own_share")
# what a withheld value-added row no longer shows
WITHHELD_COLUMNS = ("mean_percentile", "value_added", "ci_low", "ci_high")


def pool_composition(pool: pl.DataFrame, owner: str | Sequence[str] = ("school_id",)) -> pl.DataFrame:
    """subject, phase, start_point, primary_need, owner..., pupils: how many rows of a
    similar-learner pool (``rolling_pool``) each owner (a school, by default) has in each cell, in
    the cell of its own need and in the any-need cell (``primary_need = "*"``), as
    :func:`~strides.analytics.similar.benchmark_table` counts them (without ``gained``)."""
    owners = as_columns(owner, what="pool_composition: owner")
    require(pool, [*CELL, *owners], what="pool_composition")
    rows = pool.select(
        pl.col("subject").cast(pl.String),
        pl.col("phase").cast(pl.String),
        pl.col("start_point").cast(pl.Int32),
        pl.col("primary_need").cast(pl.String),
        *owners,
    ).filter(pl.all_horizontal(pl.col(CELL).is_not_null()))
    keys = ["subject", "phase", "start_point"]
    by_need = rows.group_by([*keys, "primary_need", *owners]).agg(pl.len().cast(COUNT).alias("pupils"))
    any_need = rows.group_by([*keys, *owners]).agg(
        pl.lit(ANY_NEED).alias("primary_need"), pl.len().cast(COUNT).alias("pupils")
    )
    columns = [*CELL, *owners, "pupils"]
    return pl.concat([by_need.select(columns), any_need.select(columns)]).sort(columns[:-1])


def empty_composition(owner_schema: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    """No pool of the trust's own (an external benchmark is in use): nobody is compared with
    themselves, every share is 0."""
    owners = owner_schema if owner_schema is not None else {"school_id": pl.Int64()}
    schema = {"subject": pl.String(), "phase": pl.String(), "start_point": pl.Int32(),
              "primary_need": pl.String(), **owners, "pupils": pl.Int64()}  # fmt: skip
    return pl.DataFrame(schema=schema)


def own_share(
    pct_rows: pl.DataFrame,
    composition: pl.DataFrame,
    *,
    by: str | Sequence[str],
    owner: str | Sequence[str] = ("school_id",),
) -> pl.DataFrame:
    """by..., pool_n, own_n, own_share: for each group, of every comparison behind its value added
    (each pupil with a percentile against each member of the cell they were ranked in), how many
    (``pool_n``, the sum of ``compared_with``) and how many with the pool rows of the pupil's own
    ``owner`` (``own_n``); ``own_share`` = 100 x own_n / pool_n (0..100; null with no
    comparison). Which cell a pupil was ranked in follows ``matched_on`` (their own need's cell or
    the any-need cell), as :func:`~strides.analytics.similar.percentiles` chose it. An empty
    ``composition`` (an external benchmark) gives 0 for every group that has a comparison."""
    columns = as_columns(by)
    owners = as_columns(owner, what="own_share: owner")
    needed = [*columns, *owners, *CELL, "percentile", "compared_with", "matched_on"]
    require(pct_rows, needed, what="own_share")
    require(composition, [*CELL, *owners, "pupils"], what="own_share: composition")
    counts = composition.select(
        pl.col("subject").cast(pl.String),
        pl.col("phase").cast(pl.String),
        pl.col("start_point").cast(pl.Int32),
        pl.col("primary_need").cast(pl.String).alias("_cell_need"),
        *[pl.col(o).cast(pct_rows.schema[o]) for o in owners],
        pl.col("pupils").cast(COUNT).alias("_own"),
    )
    ranked = pct_rows.filter(pl.col("percentile").is_not_null()).with_columns(
        pl.col("subject").cast(pl.String).alias("_subject"),
        pl.col("phase").cast(pl.String).alias("_phase"),
        pl.col("start_point").cast(pl.Int32).alias("_start_point"),
        pl.when(pl.col("matched_on") == MATCHED_ON_NEED)
        .then(pl.col("primary_need").cast(pl.String))
        .otherwise(pl.lit(ANY_NEED))
        .alias("_cell_need"),
    )
    joined = ranked.join(
        counts,
        left_on=["_subject", "_phase", "_start_point", "_cell_need", *owners],
        right_on=["subject", "phase", "start_point", "_cell_need", *owners],
        how="left",
    )
    table = aggregate(
        joined,
        columns,
        [
            pl.col("compared_with").sum().cast(COUNT).alias("pool_n"),
            pl.col("_own").fill_null(0).sum().cast(COUNT).alias("own_n"),
        ],
    )
    share = pl.when(pl.col("pool_n") > 0).then(100.0 * pl.col("own_n") / pl.col("pool_n")).otherwise(None)
    # own_n can exceed pool_n only if the composition is not the pool the percentiles used
    return table.with_columns(share.clip(0.0, 100.0).cast(pl.Float64).alias("own_share"))


def withhold_self_compared(
    value_added_table: pl.DataFrame,
    shares: pl.DataFrame,
    *,
    by: str | Sequence[str],
    limit: float = OWN_SHARE_LIMIT,
) -> pl.DataFrame:
    """The value-added table with ``pool_n``, ``own_n``, ``own_share`` and ``withheld`` (the
    reason, :data:`OWN_POOL_REASON`, or null); where ``own_share`` is above ``limit`` the mean
    percentile, value added and its interval are null (``ci_reason`` says the same), so no
    figure is shown as if it meant something."""
    columns = as_columns(by)
    require(value_added_table, [*columns, *WITHHELD_COLUMNS, "ci_reason"], what="withhold_self_compared")
    require(shares, [*columns, *OWN_POOL_COLUMNS], what="withhold_self_compared: shares")
    if columns:
        table = value_added_table.join(
            shares.select(*columns, *OWN_POOL_COLUMNS), on=columns, how="left", nulls_equal=True
        )
    else:
        table = value_added_table.join(shares.select(OWN_POOL_COLUMNS), how="cross")
    over = pl.col("own_share").fill_null(0.0) > limit
    return table.with_columns(
        *[pl.when(over).then(None).otherwise(pl.col(c)).alias(c) for c in WITHHELD_COLUMNS],
        pl.when(over).then(pl.lit(OWN_POOL_REASON)).otherwise(pl.col("ci_reason")).alias("ci_reason"),
        pl.when(over).then(pl.lit(OWN_POOL_REASON)).otherwise(None).cast(pl.String).alias("withheld"),
    )
