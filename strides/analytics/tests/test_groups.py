"""Value added, gaps with their intervals, breakdowns and transition matrices, by hand."""

from __future__ import annotations

import itertools
import math

import polars as pl
import pytest

from strides.analytics import dimension_breakdown, gaps, gaps_by_dimension, transition_matrix, value_added
from strides.analytics.intervals import (
    FEWER_THAN_TWO,
    FEWER_THAN_TWO_ON_A_SIDE,
    NO_OTHERS,
    NO_SPREAD,
    NO_SPREAD_ON_A_SIDE,
    T95,
    Z95,
    t95,
    t95_expr,
    wilson,
)
from strides.analytics.tests.builders import observations, rows_of


def test_z95_is_the_two_sided_95_percent_point():
    assert abs(Z95 - 1.96) < 0.0001


def test_t_critical_values_for_small_samples_then_1_96():
    # Student's t, two-sided 95%: 12.706 for 1 df, 4.303 for 2, 2.042 for 30; beyond 30, 1.96.
    # Fractional Welch degrees of freedom round down (2.88 -> 2); an exact 4 computed as
    # 3.9999999999 is still 4.
    assert t95(1) == 12.7062 and t95(2) == 4.3027 and t95(30) == 2.0423
    assert t95(31) == Z95 and t95(10_000) == Z95
    assert t95(2.88) == 4.3027 and t95(3.9999999999) == t95(4) == 2.7764
    assert list(T95) == list(range(1, 31))
    assert all(a > b for a, b in itertools.pairwise(T95.values()))  # falling towards 1.96
    with pytest.raises(ValueError, match="at least 1"):
        t95(0.5)
    df = pl.DataFrame({"df": [1.0, 2.88, 30.0, 31.0, 500.0, 0.5, None, float("nan"), float("inf")]})
    assert df.select(t95_expr(pl.col("df")))["df"].to_list() == [
        12.7062, 4.3027, 2.0423, Z95, Z95, None, None, None, Z95,
    ]  # fmt: skip


def test_wilson_interval_of_a_proportion_has_width_at_0_and_100_percent():
    frame = pl.DataFrame({"x": [1, 0, 8, 0], "n": [4, 5, 8, 0]})
    low, high = wilson(pl.col("x"), pl.col("n"))
    table = frame.select(low.alias("low"), high.alias("high"))
    # 1 of 4 with z = 1.96, z² = 3.8415: denominator 1 + 3.8415/4 = 1.9604;
    #   centre (0.25 + 3.8415/8) / 1.9604 = 0.3725; half 1.96 x sqrt(0.25 x 0.75/4 + 3.8415/64) / 1.9604
    #   = 1.96 x 0.3270 / 1.9604 = 0.3269 -> 0.0456 to 0.6994
    # 0 of 5: centre = half = (3.8415/10) / (1 + 3.8415/5) = 0.2172 -> 0 to 0.4345 (not 0 to 0)
    # 8 of 8: the mirror of 0 of 8: centre 1 - (3.8415/16) / (1 + 3.8415/8) = 1 - 0.1622 -> 0.6756 to 1
    # 0 of 0: no interval
    assert table["low"].to_list() == pytest.approx([0.04559, 0.0, 0.67559, None], abs=1e-5)
    assert table["high"].to_list() == pytest.approx([0.69936, 0.43448, 1.0, None], abs=1e-5)


def test_value_added_and_its_interval():
    rows = pl.DataFrame(
        {
            "school_id": [1, 1, 1, 1, 1, 2, 2, 3, 4, 4],
            "percentile": [20.0, 40.0, 60.0, 80.0, None, 70.0, 90.0, 55.0, 290 / 3, 290 / 3],
        }
    )
    table = value_added(rows, ["school_id"])
    # school 1: mean (20 + 40 + 60 + 80) / 4 = 50 -> value added 0 (the row with no percentile is
    #   left out); sd = sqrt((30² + 10² + 10² + 30²) / 3) = sqrt(2000 / 3) = 25.82; t for 3 df =
    #   3.1824; half-width 3.1824 x 25.82 / sqrt(4) = 41.08 -> -41.08 to +41.08
    # school 2: mean 80 -> +30; sd = sqrt((10² + 10²) / 1) = 14.14; t for 1 df = 12.7062;
    #   12.7062 x 14.14 / sqrt(2) = 127.06 -> -97.06 to +157.06, clipped to what value added can
    #   be: -50 to +50 (two pupils say nothing either way)
    # school 3: one pupil: 55 -> +5, no interval
    # school 4: two pupils both at 96.7: sd 0, so no interval (not "+46.7 (+46.7 to +46.7)")
    half_1 = 3.1824 * math.sqrt(2000 / 3) / 2
    assert half_1 == pytest.approx(41.08, abs=0.01)
    assert rows_of(table, "school_id", "n", "mean_percentile", "value_added") == [
        (1, 4, 50.0, 0.0),
        (2, 2, 80.0, 30.0),
        (3, 1, 55.0, 5.0),
        (4, 2, pytest.approx(290 / 3), pytest.approx(290 / 3 - 50)),
    ]
    assert table["ci_low"].to_list() == pytest.approx([-half_1, -50.0, None, None])
    assert table["ci_high"].to_list() == pytest.approx([half_1, 50.0, None, None])
    assert table["ci_reason"].to_list() == [None, None, FEWER_THAN_TWO, NO_SPREAD]


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


def test_gap_in_percent_at_expected_with_newcombes_interval_of_a_difference_of_proportions():
    table = gaps(at_expected_rows(), "disadvantaged")
    # disadvantaged 1/4 = 25%, others 3/6 = 50%: gap -25 points. Wilson intervals (see above):
    #   1/4: l1 = 0.0456, u1 = 0.6994; 3/6: denominator 1 + 3.8415/6 = 1.6402, centre 0.5, half
    #   1.96 x sqrt(0.25/6 + 3.8415/144) / 1.6402 = 0.3124 -> l2 = 0.1876, u2 = 0.8124.
    # Newcombe: low = d - sqrt((p1 - l1)² + (u2 - p2)²) = -0.25 - sqrt(0.2044² + 0.3124²)
    #   = -0.25 - 0.3733 = -0.6233; high = d + sqrt((u1 - p1)² + (p2 - l2)²)
    #   = -0.25 + sqrt(0.4494² + 0.3124²) = -0.25 + 0.5473 = +0.2973 -> -62.33 to +29.73 points
    #   (the Wald interval, -25 +/- 58.3, was symmetric and would run past -100 for bigger gaps).
    # The "not disadvantaged" row is the mirror image: -29.73 to +62.33.
    assert rows_of(table, "disadvantaged", "n", "value", "n_other", "value_other", "gap") == [
        (False, 6, 50.0, 4, 25.0, 25.0),
        (True, 4, 25.0, 6, 50.0, -25.0),
    ]
    assert table["ci_low"].to_list() == pytest.approx([-29.727, -62.332], abs=1e-3)
    assert table["ci_high"].to_list() == pytest.approx([62.332, 29.727], abs=1e-3)
    assert table["ci_reason"].to_list() == [None, None]


def test_a_gap_between_0_and_100_percent_has_an_interval_inside_100_points():
    frame = observations(
        *({"pupil_id": i, "point": 9, "expected": 11, "eal": True} for i in range(5)),
        *({"pupil_id": 10 + i, "point": 12, "expected": 11} for i in range(8)),
    )
    table = gaps(frame, "eal").filter(pl.col("eal"))
    # EAL 0 of 5 (Wilson 0 to 0.4345), others 8 of 8 (Wilson 0.6756 to 1): gap -100 points;
    # low = -1 - sqrt((0 - 0)² + (1 - 1)²) = -1; high = -1 + sqrt((0.4345 - 0)² + (1 - 0.6756)²)
    # = -1 + sqrt(0.1888 + 0.1052) = -1 + 0.5422 = -0.4578 -> -100 to -45.78 (Wald gave -100 to -100)
    assert rows_of(table, "n", "value", "n_other", "value_other", "gap") == [(5, 0.0, 8, 100.0, -100.0)]
    assert table["ci_low"].to_list() == pytest.approx([-100.0])
    assert table["ci_high"].to_list() == pytest.approx([-45.777], abs=1e-3)


def test_gap_in_mean_points_with_welchs_t_interval_of_a_difference_of_means():
    frame = observations(
        *({"pupil_id": i, "point": p, "sex": "F"} for i, p in enumerate((10, 12, 14))),
        *({"pupil_id": 10 + i, "point": p, "sex": "M"} for i, p in enumerate((8, 10))),
    )
    table = gaps(frame, "sex", measure="mean_points")
    # F: mean 12, variance (2² + 0 + 2²) / 2 = 4; M: mean 9, variance (1 + 1) / 1 = 2
    # v1 = 4/3 = 1.333, v2 = 2/2 = 1: se = sqrt(7/3) = 1.5275;
    # Welch df = (v1 + v2)² / (v1²/2 + v2²/1) = 5.444 / 1.889 = 2.88 -> 2 -> t = 4.3027;
    # half-width 4.3027 x 1.5275 = 6.572 -> gap 3, interval -3.57 to +9.57
    half = 4.3027 * math.sqrt(7 / 3)
    assert half == pytest.approx(6.572, abs=0.001)
    assert rows_of(table, "sex", "n", "value", "n_other", "value_other", "gap") == [
        ("F", 3, 12.0, 2, 9.0, 3.0),
        ("M", 2, 9.0, 3, 12.0, -3.0),
    ]
    assert table["ci_low"].to_list() == pytest.approx([3 - half, -3 - half])
    assert table["ci_high"].to_list() == pytest.approx([3 + half, -3 + half])


def test_gap_in_mean_percentile_is_clipped_to_what_it_can_be():
    rows = pl.DataFrame({"eal": [True, True, False, False], "percentile": [90.0, 100.0, 0.0, 10.0]})
    table = gaps(rows, "eal", measure="mean_percentile").filter(pl.col("eal"))
    # EAL mean 95, variance 50; others mean 5, variance 50: gap 90; v1 = v2 = 25, se = sqrt(50)
    # = 7.071; Welch df = 50² / (25²/1 + 25²/1) = 2 -> t = 4.3027; half 30.42 -> 59.58 to 120.42,
    # but a gap of mean percentiles is at most 100: 59.58 to 100
    assert rows_of(table, "gap") == [(90.0,)]
    assert table["ci_low"].to_list() == pytest.approx([90 - 4.3027 * math.sqrt(50)])
    assert table["ci_high"].to_list() == pytest.approx([100.0])


def test_a_gap_of_means_with_no_spread_on_one_side_has_no_interval():
    frame = observations(
        *({"pupil_id": i, "point": 12, "sex": "F"} for i in range(3)),
        *({"pupil_id": 10 + i, "point": p, "sex": "M"} for i, p in enumerate((8, 10, 11))),
    )
    table = gaps(frame, "sex", measure="mean_points")
    # the girls are all at 12: their variance 0 says nothing of the spread of girls like them
    assert rows_of(table, "sex", "gap", "ci_low", "ci_high", "ci_reason") == [
        ("F", pytest.approx(12 - 29 / 3), None, None, NO_SPREAD_ON_A_SIDE),
        ("M", pytest.approx(29 / 3 - 12), None, None, NO_SPREAD_ON_A_SIDE),
    ]
    # both sides with no spread: Welch's degrees of freedom are 0 / 0, still no interval, no error
    both_flat = observations(
        *({"pupil_id": i, "point": 12, "sex": "F"} for i in range(3)),
        *({"pupil_id": 10 + i, "point": 9, "sex": "M"} for i in range(2)),
    )
    table = gaps(both_flat, "sex", measure="mean_points")
    assert rows_of(table, "sex", "gap", "ci_low", "ci_high", "ci_reason") == [
        ("F", 3.0, None, None, NO_SPREAD_ON_A_SIDE),
        ("M", -3.0, None, None, NO_SPREAD_ON_A_SIDE),
    ]


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
    assert table["ci_reason"].to_list() == [FEWER_THAN_TWO_ON_A_SIDE, FEWER_THAN_TWO_ON_A_SIDE, NO_OTHERS]
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
