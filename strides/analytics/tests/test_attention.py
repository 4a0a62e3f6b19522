"""Pupils needing attention, by hand."""

from __future__ import annotations

import polars as pl

from strides.analytics import needing_attention
from strides.analytics.tests.builders import observations, rows_of


def frame():
    return observations(
        # pupil 1: autumn 2024 8 (expected 8) -> autumn 2025 9 (expected 11): gained 1, expected 3
        {"pupil_id": 1, "drop_id": 4, "point": 8, "expected": 8},
        {"pupil_id": 1, "drop_id": 7, "point": 9, "expected": 11},
        {"pupil_id": 1, "drop_id": 7, "point": 9, "expected": 11, "subject": "reading"},
        # pupil 2: 8 -> 12 -> 11: gained 3 over the year as expected (11 - 8), but fell back 12 -> 11
        {"pupil_id": 2, "drop_id": 4, "point": 8, "expected": 8},
        {"pupil_id": 2, "drop_id": 6, "point": 12, "expected": 9},
        {"pupil_id": 2, "drop_id": 7, "point": 11, "expected": 11},
        # pupil 3: Reception (no expected point) -> Year 1: no expected rise, so not flagged for it
        {"pupil_id": 3, "drop_id": 4, "point": 2, "expected": None, "nc_year": 0},
        {"pupil_id": 3, "drop_id": 7, "point": 3, "expected": 5, "nc_year": 1},
        # pupils 4 and 5: one judgement each; their percentiles are given below
        {"pupil_id": 4, "drop_id": 7, "point": 9, "expected": 11},
        {"pupil_id": 5, "drop_id": 7, "point": 9, "expected": 11},
        # pupil 6: 10 -> 9 at a new school: behind, fallen back, and in the bottom decile
        {"pupil_id": 6, "drop_id": 4, "point": 10, "expected": 8},
        {"pupil_id": 6, "drop_id": 7, "point": 9, "expected": 11, "school_id": 2},
    )


PERCENTILES = pl.DataFrame(
    {
        "pupil_id": [4, 5, 6, 6],
        "subject": ["maths"] * 4,
        "end_drop_id": [7, 7, 4, 7],
        "end_drop_date": observations({"drop_id": 4}, {"drop_id": 7}, {"drop_id": 4}, {"drop_id": 7})[
            "drop_date"
        ],
        # pupil 4 at 9.9 is in the bottom decile; pupil 5 at exactly 10 is not;
        # pupil 6 was at 50 a year ago and is at 5 now: the latest counts
        "percentile": [9.9, 10.0, 50.0, 5.0],
    }
)


def test_each_reason_by_hand():
    table = needing_attention(frame(), PERCENTILES)
    assert rows_of(table, "pupil_id", "subject", "school_id", "reasons") == [
        (1, "maths", 1, ["not_making_expected_progress"]),
        (2, "maths", 1, ["fallen_back"]),
        (4, "maths", 1, ["bottom_decile"]),
        (6, "maths", 2, ["not_making_expected_progress", "fallen_back", "bottom_decile"]),
    ]
    assert table.schema["reasons"] == pl.List(pl.String)


def test_without_percentiles_no_one_is_in_the_bottom_decile():
    table = needing_attention(frame())
    assert rows_of(table, "pupil_id", "reasons") == [
        (1, ["not_making_expected_progress"]),
        (2, ["fallen_back"]),
        (6, ["not_making_expected_progress", "fallen_back"]),
    ]


def test_the_order_of_rows_does_not_matter():
    assert needing_attention(frame().reverse(), PERCENTILES.reverse()).equals(
        needing_attention(frame(), PERCENTILES)
    )
