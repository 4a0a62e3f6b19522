"""Progress between two drops, worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from strides.analytics import annual_progress, flight_path, progress, rolling_pool
from strides.analytics.tests.builders import observations, rows_of


def history():
    """Pupil 1 (maths): drops 1, 3, 4, 6, 7 with points 5, 7, 8, 10, 9; moves to school 2 and
    becomes disadvantaged by drop 7. Pupil 2: only drop 7. Pupil 3: drops 4 and 7. Pupil 4 moves
    from Year 6 to Year 7 between the summers of drops 3 and 6."""
    return observations(
        {"pupil_id": 1, "drop_id": 7, "point": 9, "expected": 11, "nc_year": 3, "school_id": 2,
         "disadvantaged": True},
        {"pupil_id": 1, "drop_id": 1, "point": 5, "expected": None, "nc_year": 1},
        {"pupil_id": 1, "drop_id": 3, "point": 7, "expected": 6, "nc_year": 1},
        {"pupil_id": 1, "drop_id": 4, "point": 8, "expected": 8, "nc_year": 2},
        {"pupil_id": 1, "drop_id": 6, "point": 10, "expected": 9, "nc_year": 2},
        {"pupil_id": 2, "drop_id": 7, "point": 12, "expected": 11, "nc_year": 3},
        {"pupil_id": 3, "drop_id": 4, "point": 6, "expected": 8, "nc_year": 2, "sen": "K",
         "primary_need": "SLCN"},
        {"pupil_id": 3, "drop_id": 7, "point": 9, "expected": 11, "nc_year": 3, "sen": "K",
         "primary_need": "SLCN"},
        {"pupil_id": 4, "drop_id": 3, "point": 20, "expected": 21, "nc_year": 6},
        {"pupil_id": 4, "drop_id": 6, "point": 22, "expected": 24, "nc_year": 7},
    )  # fmt: skip


COLUMNS = ("pupil_id", "start_drop_id", "start_point", "end_drop_id", "end_point", "gained", "expected_rise")


def test_from_the_baseline_to_the_latest_drop():
    table = progress(history(), since="baseline")
    # pupil 1: first drop 1 (5) to latest drop 7 (9): gained 9 - 5 = 4; drop 1 has no expected
    #          point, so the expected rise is unknown
    # pupil 2: one judgement, nothing to measure from: left out
    # pupil 3: drop 4 (6) to drop 7 (9): gained 3; expected 11 - 8 = 3
    # pupil 4: drop 3 (20) to drop 6 (22): gained 2; expected 24 - 21 = 3
    assert rows_of(table, *COLUMNS) == [
        (1, 1, 5, 7, 9, 4, None),
        (3, 4, 6, 7, 9, 3, 3),
        (4, 3, 20, 6, 22, 2, 3),
    ]


def test_over_the_last_year_compares_the_same_term_a_year_before():
    table = progress(history(), since="year")
    # pupil 1: latest drop 7 (autumn 2025) against autumn 2024 (drop 4): 9 - 8 = 1; 11 - 8 = 3
    # pupil 3: drop 7 against drop 4: 9 - 6 = 3
    # pupil 4: latest drop 6 (summer 2024) against summer 2023 (drop 3): 22 - 20 = 2
    assert rows_of(table, *COLUMNS) == [
        (1, 4, 8, 7, 9, 1, 3),
        (3, 4, 6, 7, 9, 3, 3),
        (4, 3, 20, 6, 22, 2, 3),
    ]


def test_from_an_explicit_drop_to_an_explicit_drop():
    # pupil 1: drop 3 (7) to drop 6 (10) = 3, expected 9 - 6 = 3; pupil 4: 20 to 22 = 2, 24 - 21 = 3;
    # pupil 3 has no judgement in drop 3
    assert rows_of(progress(history(), since=3, until=6), *COLUMNS) == [
        (1, 3, 7, 6, 10, 3, 3),
        (4, 3, 20, 6, 22, 2, 3),
    ]
    # pupil 1 from drop 6 (10) to the latest, drop 7 (9): fell back by 1; expected 11 - 9 = 2
    assert rows_of(progress(history(), since=6), *COLUMNS) == [(1, 6, 10, 7, 9, -1, 2)]
    # the end drop itself is never a start: pupil 3's first judgement is in drop 4
    assert rows_of(progress(history(), since="baseline", until=4), *COLUMNS) == [(1, 1, 5, 4, 8, 3, None)]


def test_characteristics_school_and_year_are_as_at_the_end_and_phase_as_at_the_start():
    table = progress(history(), since="baseline")
    assert rows_of(table, "pupil_id", "disadvantaged", "school_id", "nc_year", "start_nc_year", "phase") == [
        (1, True, 2, 3, 1, "primary"),
        (3, False, 1, 3, 2, "primary"),
        (4, False, 1, 7, 6, "primary"),  # started in Year 6: compared with primary pupils
    ]
    assert rows_of(table.filter(pupil_id=3), "sen", "primary_need") == [("K", "SLCN")]


def test_since_and_until_must_be_what_they_say():
    for since in ("last", 2.5, True, None):
        with pytest.raises(ValueError, match="since must be"):
            progress(history(), since=since)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="until must be a drop id"):
        progress(history(), until="latest")  # type: ignore[arg-type]


def test_annual_progress_and_the_rolling_pool():
    rows = annual_progress(history())
    # every judgement with one in the same term a year before: pupil 1 drop 4 (from 1), 6 (from 3)
    # and 7 (from 4); pupil 3 drop 7 (from 4); pupil 4 drop 6 (from 3)
    assert rows_of(rows, "pupil_id", "start_drop_id", "end_drop_id", "end_academic_year") == [
        (1, 1, 4, 2024), (1, 3, 6, 2024), (1, 4, 7, 2025), (3, 4, 7, 2025), (4, 3, 6, 2024),
    ]  # fmt: skip
    assert rolling_pool(rows, end_year=2025, years=1)["end_drop_id"].to_list() == [7, 7]
    # each pupil counts once per subject and academic year, with the year's latest one-year
    # progress: pupil 1 has two rows ending in 2024 (drop 4 in the autumn, drop 6 in the summer),
    # so only drop 6 (summer against summer) is in the pool; a pupil judged every term would
    # otherwise count three times a year, and slow-moving pupils (who stay in a cell) most of all
    pool = rolling_pool(rows, end_year=2025)
    assert rows_of(pool, "pupil_id", "start_drop_id", "end_drop_id", "end_academic_year") == [
        (1, 3, 6, 2024), (1, 4, 7, 2025), (3, 4, 7, 2025), (4, 3, 6, 2024),
    ]  # fmt: skip
    assert rows_of(rolling_pool(rows, end_year=2024, years=3), "pupil_id", "end_drop_id") == [(1, 6), (4, 6)]
    # the same pupil in another subject is another row
    two_subjects = pl.concat([rows, rows.filter(pupil_id=1).with_columns(pl.lit("reading").alias("subject"))])
    assert rolling_pool(two_subjects, end_year=2025).height == 6
    # the order of the rows never matters
    assert rolling_pool(rows.reverse(), end_year=2025).sort(["pupil_id", "end_drop_id"]).equals(pool)
    with pytest.raises(ValueError, match="years must be"):
        rolling_pool(rows, end_year=2025, years=0)


def test_flight_path_is_in_time_order_by_subject():
    frame = history().vstack(observations({"pupil_id": 1, "drop_id": 4, "subject": "reading", "point": 7}))
    path = flight_path(frame.reverse(), 1)
    assert rows_of(path, "subject", "drop_id", "point") == [
        ("maths", 1, 5), ("maths", 3, 7), ("maths", 4, 8), ("maths", 6, 10), ("maths", 7, 9),
        ("reading", 4, 7),
    ]  # fmt: skip
    assert path.columns == [
        "subject", "drop_id", "drop_date", "academic_year", "term", "level", "framework", "point", "expected",
    ]  # fmt: skip
    assert flight_path(frame, 99).height == 0


def test_two_drops_on_one_date_keep_the_order_they_were_made_in():
    frame = observations(
        {"drop_id": 2, "point": 6},
        {"drop_id": 3, "point": 9, "drop_date": observations({"drop_id": 2})["drop_date"][0]},
    )
    assert rows_of(progress(frame), "start_drop_id", "end_drop_id", "gained") == [(2, 3, 3)]
