"""Properties that hold for any data: a partition of pupils adds up to the whole, the order of rows
never changes a result, and a percentile is always between 0 and 100."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from strides.analytics import (
    GROUP_DIMENSIONS,
    annual_progress,
    attainment,
    benchmark_table,
    dimension_breakdown,
    gaps_by_dimension,
    needing_attention,
    overview,
    percentiles,
    progress,
    suppress,
    value_added,
)
from strides.analytics.tests.builders import observations

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

row = st.fixed_dictionaries(
    {
        "pupil_id": st.integers(1, 12),
        "subject": st.sampled_from(["maths", "reading"]),
        "drop_id": st.integers(1, 9),
        "school_id": st.integers(1, 3),
        "nc_year": st.integers(0, 8),
        "point": st.integers(1, 20),
        "expected": st.none() | st.integers(1, 20),
        "sex": st.sampled_from(["F", "M"]),
        "disadvantaged": st.booleans(),
        "sen": st.sampled_from(["N", "K", "E"]),
        "primary_need": st.sampled_from(["", "SLCN", "ASD"]),
        "eal": st.booleans(),
        "looked_after": st.booleans(),
        "ethnic_group": st.sampled_from(["White", "Asian", "Black", "Unclassified"]),
    }
)
frames = st.lists(
    row, min_size=1, max_size=60, unique_by=lambda r: (r["pupil_id"], r["subject"], r["drop_id"])
).map(lambda rows: observations(*rows))


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame sorted by every column that can be sorted (so two orders of one result compare)."""
    sortable = [c for c, dtype in frame.schema.items() if not dtype.is_nested() and not dtype.is_float()]
    floats = [c for c, dtype in frame.schema.items() if dtype.is_float()]
    return frame.sort([*sortable, *floats], nulls_last=True) if frame.columns else frame


def same(left: pl.DataFrame, right: pl.DataFrame) -> None:
    assert_frame_equal(canonical(left), canonical(right), check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


@FAST
@given(frames)
def test_a_dimension_partitions_the_whole(obs):
    whole = attainment(obs, ["subject", "drop_id"])
    parts = dimension_breakdown(obs, by=["subject", "drop_id"], dimensions=GROUP_DIMENSIONS)
    recombined = (
        parts.group_by(["subject", "drop_id", "dimension"])
        .agg(
            pl.col("n").sum(),
            (pl.col("mean_points") * pl.col("n")).sum().alias("points"),
            pl.col("n_with_expected").sum(),
            pl.col("n_at_expected").sum(),
        )
        .join(whole, on=["subject", "drop_id"], suffix="_whole")
    )
    assert recombined.height == whole.height * len(GROUP_DIMENSIONS)
    for column in ("n", "n_with_expected", "n_at_expected"):
        assert (recombined[column] == recombined[f"{column}_whole"]).all(), column
    # the weighted mean of the groups' means is the whole's mean
    assert recombined["points"].to_list() == pytest.approx(
        (recombined["mean_points"] * recombined["n_whole"]).to_list()
    )
    # each gap's two sides are the whole
    for gap in gaps_by_dimension(obs, by=["subject", "drop_id"]).iter_rows(named=True):
        total = whole.filter(subject=gap["subject"], drop_id=gap["drop_id"]).row(0, named=True)
        assert gap["n"] + gap["n_other"] == total["n_with_expected"]


@FAST
@given(frames)
def test_value_added_of_the_parts_recombines(obs):
    pool = benchmark_table(annual_progress(obs))
    rows = percentiles(annual_progress(obs), pool, min_cell=2)
    whole = value_added(rows, ["subject"])
    for dimension in ("sen", "school_id", "disadvantaged"):
        parts = value_added(rows, ["subject", dimension])
        back = parts.group_by("subject").agg(
            pl.col("n").sum(), (pl.col("mean_percentile") * pl.col("n")).sum().alias("sum")
        )
        joined = back.join(whole, on="subject")
        assert (joined["n"] == joined["n_right"]).all()
        assert joined["sum"].to_list() == pytest.approx(
            (joined["mean_percentile"] * joined["n_right"]).to_list()
        )


@FAST
@given(frames, st.randoms(use_true_random=False))
def test_the_order_of_rows_never_changes_a_result(obs, random):
    order = list(range(obs.height))
    random.shuffle(order)
    shuffled = obs[order]
    benchmark = benchmark_table(annual_progress(obs))
    shuffled_benchmark = benchmark_table(annual_progress(shuffled))
    same(benchmark, shuffled_benchmark)
    drop = int(obs["drop_id"].max())
    first = overview(obs, benchmark, drop_id=drop, min_cell=2)
    second = overview(shuffled, shuffled_benchmark[::-1], drop_id=drop, min_cell=2)
    for name, table in first.items():
        same(table, second[name])
    for since in ("baseline", "year", 1):
        same(progress(obs, since=since), progress(shuffled, since=since))
    same(needing_attention(obs, first["percentiles"]), needing_attention(shuffled, second["percentiles"]))
    groups = first["groups"]
    partition = ["school_id", "subject", "dimension"]
    same(suppress(groups, partition=partition), suppress(groups[::-1], partition=partition))


POOL_ROWS = st.tuples(st.integers(1, 4), st.sampled_from(["", "ASD"]), st.integers(-3, 3))
ASKED_ROWS = st.tuples(st.integers(1, 5), st.sampled_from(["", "ASD", "HI"]), st.integers(-6, 6))
PROGRESS_SCHEMA = {
    "subject": pl.String,
    "phase": pl.String,
    "start_point": pl.Int32,
    "primary_need": pl.String,
    "gained": pl.Int32,
}


@FAST
@given(
    st.lists(POOL_ROWS, min_size=1, max_size=40),
    st.lists(ASKED_ROWS, min_size=1, max_size=20),
    st.integers(1, 10),
)
def test_percentiles_lie_between_0_and_100(pool, asked, min_cell):
    def rows(items):
        return pl.DataFrame(
            [("maths", "primary", start, need, gained) for start, need, gained in items],
            schema=PROGRESS_SCHEMA,
            orient="row",
        )

    table = percentiles(rows(asked), benchmark_table(rows(pool)), min_cell=min_cell)
    found = table.filter(pl.col("percentile").is_not_null())
    assert found["percentile"].is_between(0, 100).all()
    assert (found["compared_with"] >= 1).all()
    # a start point in the pool always has a cell (the any-need one at least)
    starts = {s for s, _, _ in pool}
    assert set(found["start_point"].to_list()) == {s for s, _, _ in asked if s in starts}
