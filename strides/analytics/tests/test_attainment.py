"""Attainment, distribution and trend on small frames worked out by hand."""

from __future__ import annotations

import pytest

from strides.analytics import attainment, distribution, trend
from strides.analytics.tests.builders import observations, rows_of


def school_drop():
    # school 1: points 10, 11, 12, 14 against expected 11 (one has no expected point);
    # school 2: points 8, 9 against expected 11
    return observations(
        {"pupil_id": 1, "point": 10, "expected": 11},
        {"pupil_id": 2, "point": 11, "expected": 11},
        {"pupil_id": 3, "point": 12, "expected": 11},
        {"pupil_id": 4, "point": 14, "expected": None},
        {"pupil_id": 5, "point": 8, "expected": 11, "school_id": 2},
        {"pupil_id": 6, "point": 9, "expected": 11, "school_id": 2},
    )


def test_attainment_by_school():
    table = attainment(school_drop(), ["school_id", "subject"])
    # school 1: n = 4, mean = (10 + 11 + 12 + 14) / 4 = 47 / 4 = 11.75; 3 have an expected point,
    # of whom 2 (11 and 12) are at or above 11: 100 x 2 / 3 = 66.67%
    # school 2: n = 2, mean = (8 + 9) / 2 = 8.5; 2 with expected, none at it: 0%
    assert rows_of(table, "school_id", "n", "mean_points", "n_with_expected", "n_at_expected") == [
        (1, 4, 11.75, 3, 2),
        (2, 2, 8.5, 2, 0),
    ]
    assert table["pct_at_expected"].to_list() == pytest.approx([200 / 3, 0.0])


def test_attainment_of_the_whole_and_with_no_expected_point():
    whole = attainment(school_drop(), [])
    # 6 pupils, (47 + 17) / 6 = 64 / 6; 2 of the 5 with an expected point are at it: 40%
    assert whole.height == 1
    assert whole.row(0) == (6, pytest.approx(64 / 6), 5, 2, 40.0)
    reception = attainment(observations({"point": 3, "nc_year": 0}), ["nc_year"])
    # no pupil has an expected point: the percentage is unknown, not 0
    assert rows_of(reception, "n", "n_with_expected", "pct_at_expected") == [(1, 0, None)]


def test_distribution_counts_pupils_at_each_point():
    table = distribution(
        observations({"pupil_id": 1, "point": 10}, {"pupil_id": 2, "point": 10}, {"pupil_id": 3, "point": 12},
                     {"pupil_id": 4, "point": 7, "subject": "reading"}),
        ["subject"],
    )  # fmt: skip
    # maths: 2 of 3 at point 10 (66.7%), 1 of 3 at 12 (33.3%); reading: 1 of 1 at 7
    assert rows_of(table, "subject", "point", "n") == [("maths", 10, 2), ("maths", 12, 1), ("reading", 7, 1)]
    assert table["pct"].to_list() == pytest.approx([200 / 3, 100 / 3, 100.0])


def test_trend_has_one_row_per_drop_in_time_order():
    frame = observations(
        {"pupil_id": 1, "drop_id": 4, "point": 12, "expected": 11},
        {"pupil_id": 2, "drop_id": 4, "point": 10, "expected": 11},
        {"pupil_id": 1, "drop_id": 1, "point": 9, "expected": 8},
        {"pupil_id": 2, "drop_id": 1, "point": 7, "expected": 8},
        {"pupil_id": 1, "drop_id": 2, "point": 10, "expected": 8},
    )
    table = trend(frame, ["subject"])
    # drop 1: (9 + 7) / 2 = 8, one of two at 8 = 50%; drop 2: 10, 1 of 1 = 100%;
    # drop 4: (12 + 10) / 2 = 11, 1 of 2 at 11 = 50%
    assert rows_of(table, "drop_id", "academic_year", "term", "n", "mean_points", "pct_at_expected") == [
        (1, 2023, "autumn", 2, 8.0, 50.0),
        (2, 2023, "spring", 1, 10.0, 100.0),
        (4, 2024, "autumn", 2, 11.0, 50.0),
    ]


def test_bad_groupings_are_refused_with_the_column_named():
    with pytest.raises(ValueError, match=r"missing column.*'house'"):
        attainment(school_drop(), ["house"])
    with pytest.raises(ValueError, match="leave them out of by"):
        trend(school_drop(), ["drop_id"])
    with pytest.raises(ValueError, match="named twice"):
        attainment(school_drop(), ["subject", "subject"])
