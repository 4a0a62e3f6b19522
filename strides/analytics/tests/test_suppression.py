"""Small-number suppression, including by subtraction, by hand."""

from __future__ import annotations

import polars as pl
import pytest

from strides.analytics import suppress
from strides.analytics.tests.builders import rows_of


def test_a_group_of_5_is_suppressed_and_a_group_of_6_is_shown():
    table = pl.DataFrame({"group": ["a", "b"], "n": [5, 6], "mean_points": [10.0, 12.0]})
    # each row is its own partition here: nothing to work out by subtraction
    shown = suppress(table, partition=["group"])
    assert rows_of(shown, "group", "n", "mean_points", "suppressed") == [
        ("a", None, None, True),
        ("b", 6, 12.0, False),
    ]
    assert shown.schema["n"] == pl.Int64 and shown.schema["mean_points"] == pl.Float64


def test_the_threshold_can_be_set():
    table = pl.DataFrame({"group": ["a", "b"], "n": [5, 9]})
    assert suppress(table, threshold=10, partition=["group"])["suppressed"].to_list() == [True, True]
    assert suppress(table, threshold=5, partition=["group"])["suppressed"].to_list() == [False, False]
    with pytest.raises(ValueError, match="threshold must be"):
        suppress(table, threshold=0)


def test_one_suppressed_row_in_a_partition_takes_the_next_smallest_with_it():
    # school 1's SEN groups add up to its total of 100: E (3) alone hidden would be 100 - 80 - 17;
    # so the next smallest, K (17), is hidden too. School 2: two small groups hide each other.
    table = pl.DataFrame(
        {
            "school_id": [1, 1, 1, 2, 2, 2],
            "sen": ["N", "K", "E", "N", "K", "E"],
            "n": [80, 17, 3, 50, 4, 2],
            "pct_at_expected": [60.0, 40.0, 0.0, 70.0, 25.0, 50.0],
        }
    )
    shown = suppress(table, partition=["school_id"])
    assert rows_of(shown, "school_id", "sen", "n", "pct_at_expected", "suppressed") == [
        (1, "N", 80, 60.0, False),
        (1, "K", None, None, True),  # secondary: the next smallest
        (1, "E", None, None, True),  # primary: 3 < 6
        (2, "N", 50, 70.0, False),
        (2, "K", None, None, True),
        (2, "E", None, None, True),
    ]


def test_with_no_partition_the_whole_table_is_one():
    table = pl.DataFrame({"school_id": [1, 2, 3], "n": [40, 2, 30], "value_added": [1.0, 2.0, 3.0]})
    assert rows_of(suppress(table), "school_id", "n", "suppressed") == [
        (1, 40, False),
        (2, None, True),
        (3, None, True),  # 30 is smaller than 40
    ]


def test_ties_for_next_smallest_are_broken_by_the_keys_not_the_row_order():
    table = pl.DataFrame({"group": ["b", "a", "c"], "n": [10, 10, 1]})
    for frame in (table, table.reverse()):
        hidden = suppress(frame).filter("suppressed")["group"].sort().to_list()
        assert hidden == ["a", "c"]


def test_a_gap_row_is_suppressed_when_either_side_is_small():
    table = pl.DataFrame(
        {
            "eal": [True, False, True, False],
            "subject": ["maths", "maths", "reading", "reading"],
            "n": [5, 40, 20, 25],
            "value": [30.0, 50.0, 45.0, 55.0],
            "n_other": [40, 5, 25, 20],
            "value_other": [50.0, 30.0, 55.0, 45.0],
            "gap": [-20.0, 20.0, -10.0, 10.0],
            "ci_low": [-40.0, 0.0, -30.0, -10.0],
            "ci_high": [0.0, 40.0, 10.0, 30.0],
        }
    )
    shown = suppress(table, partition=["subject"])
    # maths: 5 EAL pupils -> both the EAL row (n = 5) and the other row (n_other = 5) are hidden
    assert shown["suppressed"].to_list() == [True, True, False, False]
    hidden = shown.filter("suppressed").select(
        "n", "value", "n_other", "value_other", "gap", "ci_low", "ci_high"
    )
    assert hidden.null_count().row(0) == (2,) * 7
    assert rows_of(shown.filter(subject="reading"), "n", "gap") == [(20, -10.0), (25, 10.0)]


def test_the_value_of_a_groups_table_is_a_key_and_stays():
    # the overview's groups table calls the dimension's value "value" (text): it is not a figure
    table = pl.DataFrame(
        {"dimension": ["sen", "sen"], "value": ["N", "E"], "n": [30, 2], "mean_points": [9.0, 4.0]}
    )
    shown = suppress(table, partition=["dimension"])
    assert rows_of(shown, "value", "n", "mean_points") == [("N", None, None), ("E", None, None)]


def test_value_columns_can_be_named_and_must_exist():
    table = pl.DataFrame({"g": ["a", "b"], "n": [2, 20], "score": [1.0, 2.0], "pct": [5.0, 6.0]})
    shown = suppress(table, partition=["g"], value_columns=["score"])
    assert rows_of(shown, "g", "n", "score", "pct") == [("a", None, None, 5.0), ("b", 20, 2.0, 6.0)]
    with pytest.raises(ValueError, match=r"missing column.*'nope'"):
        suppress(table, value_columns=["nope"])
    with pytest.raises(ValueError, match=r"missing column.*'n'"):
        suppress(table.drop("n"))


def test_two_small_rows_that_together_are_a_small_group_take_the_next_smallest_with_them():
    # no SEN 30, SEN support 2, EHC plan 3: both small rows are hidden, but together they are the
    # 5 pupils with SEN (35 - 30), so "no SEN" is hidden too. With 2 + 4 = 6 the two hide each other.
    table = pl.DataFrame(
        {
            "school_id": [1, 1, 1, 2, 2, 2],
            "sen": ["N", "K", "E", "N", "K", "E"],
            "n": [30, 2, 3, 30, 2, 4],
            "mean_points": [10.0, 8.0, 6.0, 10.0, 8.0, 6.0],
        }
    )
    shown = suppress(table, partition=["school_id"])
    assert rows_of(shown, "school_id", "sen", "n", "suppressed") == [
        (1, "N", None, True),
        (1, "K", None, True),
        (1, "E", None, True),
        (2, "N", 30, False),
        (2, "K", None, True),
        (2, "E", None, True),
    ]


def test_a_percentage_about_fewer_than_the_threshold_pupils_with_an_expected_point_is_hidden():
    # 9 pupils, of whom only 5 have an expected point (4 in Reception): their % at expected is
    # about 5 pupils. 0 with an expected point hides nothing (there is no percentage).
    table = pl.DataFrame(
        {
            "group": ["a", "b", "c"],
            "n": [9, 9, 20],
            "n_with_expected": [5, 0, 20],
            "n_at_expected": [3, 0, 10],
            "pct_at_expected": [60.0, None, 50.0],
        }
    )
    shown = suppress(table, partition=["group"])
    assert rows_of(shown, "group", "n", "n_with_expected", "pct_at_expected", "suppressed") == [
        ("a", None, None, None, True),
        ("b", 9, 0, None, False),
        ("c", 20, 20, 50.0, False),
    ]
    # within one total: a hidden takes the next smallest, b, with it; but a and b together still
    # have 5 pupils with an expected point (total minus c), so c is hidden as well
    assert suppress(table)["suppressed"].to_list() == [True, True, True]


def test_why_an_interval_is_missing_is_hidden_with_the_figures_and_breaks_no_ties():
    # A gap row's ci_reason ("fewer than 2 pupils ...") describes its figures: hidden with them.
    # It is not a key either: ties for "next smallest" break on the group (a before b), whatever
    # the reasons say ("z..." before "every..." would pick b).
    table = pl.DataFrame(
        {
            "group": ["a", "b", "c"],
            "n": [10, 10, 1],
            "gap": [1.0, 2.0, 3.0],
            "ci_reason": ["zero", "every", "fewer than 2 pupils in the group or in the rest"],
        }
    )
    for frame in (table, table.reverse()):
        shown = suppress(frame).sort("group")
        assert rows_of(shown, "group", "suppressed", "ci_reason") == [
            ("a", True, None),
            ("b", False, "every"),
            ("c", True, None),
        ]
