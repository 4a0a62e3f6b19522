"""How much of a group's comparison pool is its own pupils, and value added withheld above the
limit: hand-worked examples (docs/analytics.md, "Compared with itself") and properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.analytics import (
    OWN_SHARE_LIMIT,
    benchmark_table,
    overview,
    own_share,
    percentiles,
    pool_composition,
    value_added,
    withhold_self_compared,
)
from strides.analytics.own_pool import OWN_POOL_REASON, empty_composition
from strides.analytics.tests.builders import observations, rows_of

SCHEMA = {"pupil_id": pl.Int64, "school_id": pl.Int64, "subject": pl.String, "phase": pl.String,
          "start_point": pl.Int32, "primary_need": pl.String, "gained": pl.Int32}  # fmt: skip


def progress_rows(*rows: dict) -> pl.DataFrame:
    defaults = {"school_id": 1, "subject": "maths", "phase": "primary", "start_point": 10, "primary_need": ""}
    return pl.DataFrame([{"pupil_id": i + 1, **defaults, **r} for i, r in enumerate(rows)], schema=SCHEMA)


def test_composition_counts_each_school_in_its_need_cell_and_the_any_need_cell():
    pool = progress_rows(
        {"gained": 1}, {"gained": 2}, {"gained": 3, "primary_need": "SLCN"}, {"school_id": 2, "gained": 2}
    )
    assert rows_of(pool_composition(pool), "primary_need", "school_id", "pupils") == [
        ("", 1, 2),
        ("", 2, 1),
        ("*", 1, 3),
        ("*", 2, 1),
        ("SLCN", 1, 1),
    ]


def test_a_school_that_is_three_quarters_of_its_pool_is_withheld_the_other_shown():
    # one cell of 4 (maths, primary, start 10; too few for the need cell, so any need):
    # school 1 gained 1, 2, 3; school 2 gained 4
    pool = progress_rows({"gained": 1}, {"gained": 2}, {"gained": 3}, {"school_id": 2, "gained": 4})
    pct = percentiles(pool, benchmark_table(pool))
    shares = own_share(pct, pool_composition(pool), by=["school_id", "subject"])
    # school 1: 3 pupils x 3 own of 4 = 9 of 12 comparisons = 75%; school 2: 1 of 4 = 25%
    assert rows_of(shares, "school_id", "pool_n", "own_n", "own_share") == [
        (1, 12, 9, 75.0),
        (2, 4, 1, 25.0),
    ]
    by = ["school_id", "subject"]
    table = withhold_self_compared(value_added(pct, by), shares, by=by)
    # percentiles 12.5, 37.5, 62.5 (mean 37.5) and 87.5: school 1 withheld, school 2 shown
    assert rows_of(table.sort("school_id"), "school_id", "n", "value_added", "withheld") == [
        (1, 3, None, OWN_POOL_REASON),
        (2, 1, 37.5, None),
    ]
    withheld = table.filter(pl.col("school_id") == 1).row(0, named=True)
    assert withheld["mean_percentile"] is None and withheld["ci_low"] is None and withheld["ci_high"] is None
    assert withheld["ci_reason"] == OWN_POOL_REASON


def test_the_own_need_cell_is_the_one_counted_when_the_pupil_was_matched_on_need():
    # 2 SLCN pupils of school 1 and 1 of school 2 in the SLCN cell; min_cell 3: matched on need
    pool = progress_rows(
        {"primary_need": "SLCN", "gained": 1},
        {"primary_need": "SLCN", "gained": 2},
        {"primary_need": "SLCN", "gained": 2, "school_id": 2},
        {"gained": 5, "school_id": 2},
        {"gained": 6, "school_id": 2},
    )
    pct = percentiles(pool, benchmark_table(pool), min_cell=3)
    shares = own_share(pct, pool_composition(pool), by=["school_id"])
    # school 1: two SLCN pupils, each 2 own of a cell of 3: 4 / 6. School 2: the SLCN pupil 1 of 3;
    # the two others (no need: their cell of 2 is under 3) in the any-need cell of 5, 3 own each
    assert rows_of(shares, "school_id", "pool_n", "own_n") == [(1, 6, 4), (2, 13, 7)]
    assert shares.get_column("own_share").to_list() == pytest.approx([400 / 6, 700 / 13])


def test_an_external_benchmark_makes_no_one_their_own_pool():
    pool = progress_rows({"gained": 1}, {"gained": 2})
    pct = percentiles(pool, benchmark_table(pool))
    shares = own_share(pct, empty_composition(), by=["school_id"])
    assert rows_of(shares, "school_id", "pool_n", "own_n", "own_share") == [(1, 4, 0, 0.0)]


def test_overview_of_a_trust_with_one_school_per_phase_withholds_every_value_added():
    # The demo's fault: one primary school is its whole pool, so its value added was always +0.0.
    obs = observations(
        *(
            {"pupil_id": p, "drop_id": d, "nc_year": 3 if d == 3 else 4, "point": point}
            for p in range(1, 9)
            for d, point in ((3, 10), (6, 10 + p % 4))
        )
    )
    pool = pool_composition(percentiles_pool := _annual_pool(obs))
    tables = overview(obs, benchmark_table(percentiles_pool), drop_id=6, composition=pool)
    row = tables["value_added"].row(0, named=True)
    assert row["n"] == 8 and row["own_share"] == 100.0
    assert row["value_added"] is None and row["withheld"] == OWN_POOL_REASON
    # without a composition (as before), the meaningless figure: exactly 0
    assert overview(obs, benchmark_table(percentiles_pool), drop_id=6)["value_added"]["value_added"][0] == 0.0


def _annual_pool(obs: pl.DataFrame) -> pl.DataFrame:
    from strides.analytics import annual_progress, rolling_pool

    return rolling_pool(annual_progress(obs), end_year=int(obs["academic_year"].max()))


# --- properties ------------------------------------------------------------------------------------

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
pupil = st.fixed_dictionaries(
    {
        "school_id": st.integers(1, 3),
        "subject": st.sampled_from(["maths", "reading"]),
        "start_point": st.integers(8, 10),
        "primary_need": st.sampled_from(["", "", "SLCN"]),
        "gained": st.integers(-1, 4),
    }
)


@FAST
@given(st.lists(pupil, min_size=1, max_size=40), st.integers(1, 5))
def test_the_share_is_a_percentage_of_the_comparisons(rows, min_cell):
    pool = progress_rows(*rows)
    pct = percentiles(pool, benchmark_table(pool), min_cell=min_cell)
    shares = own_share(pct, pool_composition(pool), by=["school_id", "subject"])
    for row in shares.iter_rows(named=True):
        assert 0 < row["own_n"] <= row["pool_n"]  # each pupil is in their own cell
        assert 0.0 < row["own_share"] <= 100.0
    # every pupil is compared with the pool once per member of their cell
    assert shares["pool_n"].sum() == pct["compared_with"].sum()


@FAST
@given(st.lists(pupil, min_size=1, max_size=40))
def test_a_group_that_is_its_whole_pool_is_at_100_and_its_value_added_at_0(rows):
    pool = progress_rows(*({**row, "school_id": 1} for row in rows))
    pct = percentiles(pool, benchmark_table(pool))
    shares = own_share(pct, pool_composition(pool), by=["school_id"])
    assert shares["own_share"].to_list() == [100.0]
    # the mid-rank percentiles of a whole cell average 50: the figure the demo showed everywhere
    assert value_added(pct, ["school_id"])["value_added"][0] == pytest.approx(0.0, abs=1e-9)


@FAST
@given(st.lists(pupil, min_size=1, max_size=30), st.lists(pupil, min_size=1, max_size=30))
def test_other_schools_joining_the_pool_never_raise_a_schools_share(mine, others):
    alone = progress_rows(*({**row, "school_id": 1} for row in mine))
    wider = pl.concat([alone, progress_rows(*({**row, "school_id": 2} for row in others))])
    mine_only = pl.col("school_id") == 1

    def share(pool: pl.DataFrame) -> float:
        pct = percentiles(pool, benchmark_table(pool), min_cell=1_000).filter(mine_only)
        return own_share(pct, pool_composition(pool), by=["school_id"])["own_share"][0]

    assert share(wider) <= share(alone) == 100.0


@FAST
@given(st.lists(pupil, min_size=1, max_size=40))
def test_withheld_exactly_above_the_limit(rows):
    pool = progress_rows(*rows)
    pct = percentiles(pool, benchmark_table(pool))
    by = ["school_id", "subject"]
    shares = own_share(pct, pool_composition(pool), by=by)
    table = withhold_self_compared(value_added(pct, by), shares, by=by)
    for row in table.iter_rows(named=True):
        over = row["own_share"] > OWN_SHARE_LIMIT
        assert (row["withheld"] is not None) == over
        assert (row["value_added"] is None) == over
