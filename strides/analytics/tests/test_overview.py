"""overview() gives the same tables as the measures called one by one, on an invented trust."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from strides.analytics import (
    GROUP_DIMENSIONS,
    OBSERVATION_SCHEMA,
    TABLES,
    annual_progress,
    attainment,
    benchmark_table,
    dimension_breakdown,
    gaps,
    history_until,
    overview,
    percentiles,
    progress,
    rolling_pool,
    trend,
    validate_observations,
    value_added,
)
from strides.analytics.synthetic import synthetic_observations, trust_schools


@pytest.fixture(scope="module")
def trust():
    obs = synthetic_observations(900, seed=7)
    benchmark = benchmark_table(rolling_pool(annual_progress(obs), end_year=2025, years=3))
    return obs, benchmark


def test_the_invented_trust_has_the_schema_and_is_the_same_each_time(trust):
    obs, _ = trust
    validate_observations(obs)
    assert obs.schema == pl.Schema(OBSERVATION_SCHEMA)
    assert obs.equals(synthetic_observations(900, seed=7))
    assert not obs.equals(synthetic_observations(900, seed=8))
    assert sorted(obs["drop_id"].unique().to_list()) == list(range(1, 10))
    assert obs.select(["pupil_id", "subject", "drop_id"]).is_unique().all()
    kinds = {school.kind for school in trust_schools(900, seed=7)}
    assert kinds == {"primary", "secondary", "special"}


def test_overview_for_the_trust_matches_the_measures_one_by_one(trust):
    obs, benchmark = trust
    tables = overview(obs, benchmark, drop_id=8)
    assert tuple(tables) == TABLES
    current = obs.filter(drop_id=8)
    by = ["school_id", "subject"]
    assert_frame_equal(tables["attainment"], attainment(current, by))
    dims = [d for d in GROUP_DIMENSIONS if d != "school_id"]
    assert_frame_equal(tables["groups"], dimension_breakdown(current, by=by, dimensions=dims))
    pct = percentiles(progress(obs.filter(pl.col("drop_id") <= 8), since="year", until=8), benchmark)
    assert_frame_equal(tables["percentiles"], pct)
    assert_frame_equal(tables["value_added"], value_added(pct, by))
    # trend: every drop up to this one, none after
    assert_frame_equal(tables["trend"], trend(obs.filter(pl.col("drop_id") <= 8), by))
    assert tables["trend"]["drop_id"].max() == 8
    # gaps: each dimension and measure, the dimension's value as text in "group"
    sen = tables["gaps"].filter(dimension="sen", measure="pct_at_expected").drop("dimension", "measure")
    expected = gaps(current, "sen", by=by).rename({"sen": "group"})
    assert_frame_equal(sen, expected)
    eal = tables["gaps"].filter(dimension="eal", measure="mean_percentile")
    assert eal["group"].unique().sort().to_list() == ["false", "true"]
    assert set(tables["gaps"]["measure"].unique()) == {"pct_at_expected", "mean_points", "mean_percentile"}


def test_a_school_page_groups_by_year(trust):
    obs, benchmark = trust
    school = obs.filter(school_id=1)
    tables = overview(school, benchmark, drop_id=9, group_by=("nc_year",))
    assert tables["attainment"].columns[:2] == ["nc_year", "subject"]
    assert "nc_year" not in tables["groups"]["dimension"].unique().to_list()
    assert tables["attainment"]["n"].sum() == school.filter(drop_id=9).height


def test_a_drop_with_no_judgements_gives_empty_tables(trust):
    obs, benchmark = trust
    tables = overview(obs, benchmark, drop_id=999)
    assert all(table.height == 0 for table in tables.values())
    assert tables["attainment"].columns[:2] == ["school_id", "subject"]


def test_history_until_a_drop_takes_earlier_dates_and_earlier_drops_of_the_same_date():
    day = dt.date(2025, 3, 1)
    rows = pl.DataFrame(
        {
            "drop_id": [1, 2, 3, 4],
            "drop_date": [dt.date(2024, 12, 1), day, day, dt.date(2025, 7, 1)],
        }
    )
    # drop 3 shares its date with drop 2: 2 came first (smaller id), so it is history too
    assert history_until(rows, 3)["drop_id"].to_list() == [1, 2, 3]
    assert history_until(rows, 2)["drop_id"].to_list() == [1, 2]
    assert history_until(rows, 3, day)["drop_id"].to_list() == [1, 2, 3]
    # a drop with no rows: its date says where history ends, and without it there is none
    assert history_until(rows, 9, day)["drop_id"].to_list() == [1, 2, 3]
    assert history_until(rows, 9).height == 0
