"""Value added, gaps with their intervals, breakdowns and transition matrices, by hand."""

from __future__ import annotations

import math

import polars as pl
import pytest

from strides.analytics import dimension_breakdown, gaps, gaps_by_dimension, transition_matrix, value_added
from strides.analytics.groups import Z95
from strides.analytics.tests.builders import observations, rows_of


def test_z95_is_the_two_sided_95_percent_point():
    assert abs(Z95 - 1.96) < 0.0001


def test_value_added_and_its_interval():
    rows = pl.DataFrame(
        {
            "school_id": [1, 1, 1, 1, 1, 2, 2, 3],
            "percentile": [20.0, 40.0, 60.0, 80.0, None, 70.0, 90.0, 55.0],
        }
    )
    table = value_added(rows, ["school_id"])
    # school 1: mean (20 + 40 + 60 + 80) / 4 = 50 -> value added 0 (the row with no percentile is
    #   left out); sd = sqrt((30² + 10² + 10² + 30²) / 3) = sqrt(2000 / 3) = 25.82;
    #   half-width 1.96 x 25.82 / sqrt(4) = 25.30
    # school 2: mean 80 -> +30; sd = sqrt((10² + 10²) / 1) = 14.14; 1.96 x 14.14 / sqrt(2) = 1.96 x 10
    # school 3: one pupil: 55 -> +5, no interval
    half_1 = Z95 * math.sqrt(2000 / 3) / 2
    half_2 = Z95 * 10
    assert rows_of(table, "school_id", "n", "mean_percentile", "value_added") == [
        (1, 4, 50.0, 0.0),
        (2, 2, 80.0, 30.0),
        (3, 1, 55.0, 5.0),
    ]
    assert half_1 == pytest.approx(25.30, abs=0.01)
    assert table["ci_low"].to_list() == pytest.approx([-half_1, 30 - half_2, None])
    assert table["ci_high"].to_list() == pytest.approx([half_1, 30 + half_2, None])


def at_expected_rows():
    # disadvantaged: 4 with an expected point, 1 at it (and one with none: not counted);
    # others: 6 with an expected point, 3 at it
    disadvantaged = [(12, 11), (10, 11), (9, 11), (8, 11), (14, None)]
    others = [(11, 11), (12, 11), (13, 11), (10, 11), (9, 11), (7, 11)]
    return observations(
        *(
            {"pupil_id": i, "point": p, "expected": e, "disadvantaged": True}
            for i, (p, e) in enumerate(disadvantaged)
        ),
        *({"pupil_id": 10 + i, "point": p, "expected": e} for i, (p, e) in enumerate(others)),
    )


def test_gap_in_percent_at_expected_with_the_interval_of_a_difference_of_proportions():
    table = gaps(at_expected_rows(), "disadvantaged")
    # disadvantaged 1/4 = 25%, others 3/6 = 50%: gap -25 points;
    # se = sqrt(0.25 x 0.75 / 4 + 0.5 x 0.5 / 6) = sqrt(0.046875 + 0.041667) = 0.29756 -> 29.756 points
    half = Z95 * math.sqrt(0.25 * 0.75 / 4 + 0.5 * 0.5 / 6) * 100
    assert half == pytest.approx(58.32, abs=0.01)
    assert rows_of(table, "disadvantaged", "n", "value", "n_other", "value_other", "gap") == [
        (False, 6, 50.0, 4, 25.0, 25.0),
        (True, 4, 25.0, 6, 50.0, -25.0),
    ]
    assert table["ci_low"].to_list() == pytest.approx([25 - half, -25 - half])
    assert table["ci_high"].to_list() == pytest.approx([25 + half, -25 + half])


def test_gap_in_mean_points_with_the_interval_of_a_difference_of_means():
    frame = observations(
        *({"pupil_id": i, "point": p, "sex": "F"} for i, p in enumerate((10, 12, 14))),
        *({"pupil_id": 10 + i, "point": p, "sex": "M"} for i, p in enumerate((8, 10))),
    )
    table = gaps(frame, "sex", measure="mean_points")
    # F: mean 12, variance (2² + 0 + 2²) / 2 = 4; M: mean 9, variance (1 + 1) / 1 = 2
    # gap F - M = 3, se = sqrt(4 / 3 + 2 / 2) = sqrt(7 / 3) = 1.5275; 1.96 x 1.5275 = 2.994
    half = Z95 * math.sqrt(7 / 3)
    assert rows_of(table, "sex", "n", "value", "n_other", "value_other", "gap") == [
        ("F", 3, 12.0, 2, 9.0, 3.0),
        ("M", 2, 9.0, 3, 12.0, -3.0),
    ]
    assert table["ci_low"].to_list() == pytest.approx([3 - half, -3 - half])
    assert table["ci_high"].to_list() == pytest.approx([3 + half, -3 + half])


def test_gap_in_mean_percentile_and_the_edges():
    rows = pl.DataFrame(
        {"subject": ["maths"] * 4 + ["reading"], "eal": [True, False, False, False, True],
         "percentile": [90.0, 30.0, 50.0, None, 40.0]}
    )  # fmt: skip
    table = gaps(rows, "eal", by=["subject"], measure="mean_percentile")
    # maths: EAL one pupil at 90 against (30 + 50) / 2 = 40 -> gap 50, but one pupil: no interval;
    # reading: only EAL pupils, so nothing to compare with: no gap
    assert rows_of(table, "subject", "eal", "n", "value", "n_other", "value_other", "gap", "ci_low") == [
        ("maths", False, 2, 40.0, 1, 90.0, -50.0, None),
        ("maths", True, 1, 90.0, 2, 40.0, 50.0, None),
        ("reading", True, 1, 40.0, 0, None, None, None),
    ]
    with pytest.raises(ValueError, match="measure must be one of"):
        gaps(rows, "eal", measure="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="both the dimension and in by"):
        gaps(rows, "eal", by=["eal"])


def test_gaps_by_dimension_stacks_the_gaps_of_each_dimension():
    frame = at_expected_rows()
    stacked = gaps_by_dimension(frame, dimensions=["disadvantaged", "sex"])
    single = gaps(frame, "disadvantaged")
    assert rows_of(stacked.filter(dimension="disadvantaged"), "group", "n", "gap") == [
        ("false", 6, 25.0),
        ("true", 4, -25.0),
    ]
    assert stacked.filter(dimension="disadvantaged")["ci_low"].to_list() == single["ci_low"].to_list()
    # everyone is F: one group and no one to compare with
    assert rows_of(stacked.filter(dimension="sex"), "group", "n", "n_other", "gap") == [("F", 10, 0, None)]


def test_dimension_breakdown():
    frame = at_expected_rows()
    table = dimension_breakdown(frame, by=["subject"], dimensions=["disadvantaged", "subject", "nc_year"])
    # subject is in by: skipped; disadvantaged: 5 pupils (mean (12+10+9+8+14)/5 = 10.6), 6 others
    # (mean (11+12+13+10+9+7)/6 = 10.33); nc_year: all 11 in Year 3
    assert rows_of(table, "subject", "dimension", "value", "n", "n_with_expected", "n_at_expected") == [
        ("maths", "disadvantaged", "false", 6, 6, 3),
        ("maths", "disadvantaged", "true", 5, 4, 1),
        ("maths", "nc_year", "3", 11, 10, 4),
    ]
    assert table["mean_points"].to_list() == pytest.approx([62 / 6, 53 / 5, 115 / 11])


def test_transition_matrix_counts_moves_from_start_to_end_point():
    rows = pl.DataFrame(
        {
            "subject": ["maths", "maths", "maths", "reading"],
            "start_point": [5, 5, 6, 5],
            "end_point": [8, 8, 8, 7],
        }
    )
    assert rows_of(transition_matrix(rows), "subject", "start_point", "end_point", "n") == [
        ("maths", 5, 8, 2),
        ("maths", 6, 8, 1),
        ("reading", 5, 7, 1),
    ]
