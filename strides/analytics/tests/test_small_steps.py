"""Small-step measures, each figure worked out by hand beside the test (docs/small-steps.md)."""

import datetime as dt

import polars as pl
import pytest

from strides.analytics import small_steps as ss

D0, D1, D2, D3 = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 12, 1), dt.date(2027, 3, 1)
AREA, OTHER_AREA = 10, 20
STEP1, STEP2 = 100, 200


def statement(sid, step=STEP1, number=1, weight=1.0, key=False, removed=None, area=AREA):
    return {
        "statement_id": sid,
        "area_id": area,
        "step_id": step,
        "step_number": number,
        "weight": weight,
        "key": key,
        "removed_on": removed,
    }


def rec(sid, day, level="S", pupil=1, version=1, credit=None, **aspects):
    secured, na = level == "S", level == "NA"
    if credit is None:
        credit = 1.0 if secured else 0.0
    return {
        "pupil_id": pupil,
        "statement_id": sid,
        "assessed_on": day,
        "version": version,
        "credit": credit,
        "secured": secured,
        "not_applicable": na,
        **{a: aspects.get(a) for a in ss.ASPECTS},
    }


FOUR = ss.statements_frame([statement(s) for s in (1, 2, 3, 4)])


def percent(statements, records, day, pupil=1, step=STEP1):
    frame = ss.step_percents(statements, ss.records_frame(records), day)
    row = frame.filter((pl.col("pupil_id") == pupil) & (pl.col("step_id") == step))
    return row["percent"][0]


def test_only_secured_statements_count():
    # 4 statements, 1 secured, 1 developing (no partial credit): 1/4 = 25%
    assert percent(FOUR, [rec(1, D1), rec(2, D1, "D")], D1) == 25.0


def test_not_applicable_leaves_the_count():
    # 1 secured of 4, 1 not applicable: 1/3 = 33.3%
    assert percent(FOUR, [rec(1, D1), rec(2, D1, "NA")], D1) == pytest.approx(100 / 3)


def test_partial_credit_counts_the_level_credit():
    # secured (1) + developing at 0.5 credit: 1.5/4 = 37.5%
    assert percent(FOUR, [rec(1, D1), rec(2, D1, "D", credit=0.5)], D1) == 37.5


def test_weights():
    # weights 3,1,1,1: the weight-3 statement secured is 3/6 = 50%
    statements = ss.statements_frame([statement(1, weight=3), statement(2), statement(3), statement(4)])
    assert percent(statements, [rec(1, D1)], D1) == 50.0


def test_the_latest_record_wins_and_a_later_version_of_the_same_day():
    records = [rec(1, D1), rec(1, D2, "D"), rec(2, D2, "S", version=1), rec(2, D2, "E", version=2)]
    assert percent(FOUR, records, D1) == 25.0  # statement 1 secured on D1
    assert percent(FOUR, records, D2) == 0.0  # both taken back on D2


def test_a_removed_statement_leaves_the_step_from_its_removal_and_keeps_its_past():
    statements = ss.statements_frame([statement(1), statement(2), statement(3), statement(4, removed=D2)])
    records = [rec(1, D1), rec(4, D1)]
    assert percent(statements, records, D1) == 50.0  # 2 of 4 before removal
    assert percent(statements, records, D3) == pytest.approx(100 / 3)  # 1 of the 3 left


def test_positions_sum_steps_and_name_the_current_step():
    statements = ss.statements_frame(
        [statement(s, STEP1, 1) for s in (1, 2)] + [statement(s, STEP2, 2) for s in (3, 4, 5, 6)]
    )
    records = [rec(1, D1), rec(2, D1), rec(3, D1)]
    row = ss.area_positions(statements, ss.records_frame(records), D1).row(0, named=True)
    # step 1 100%, step 2 25%: 1.25 steps; on step 2 at 25%
    assert row["steps_secured"] == 1.25
    assert (row["current_step"], row["current_percent"], row["steps_completed"]) == (2, 25.0, 1)


def test_step_completed_at_a_configurable_percent():
    statements = ss.statements_frame(
        [statement(s, STEP1, 1) for s in (1, 2, 3, 4)] + [statement(s, STEP2, 2) for s in (5, 6)]
    )
    records = [rec(1, D1), rec(2, D1), rec(3, D1)]  # step 1 at 75%
    at_100 = ss.area_positions(statements, ss.records_frame(records), D1, 100).row(0, named=True)
    at_75 = ss.area_positions(statements, ss.records_frame(records), D1, 75).row(0, named=True)
    assert at_100["current_step"] == 1 and at_75["current_step"] == 2


def test_statements_secured_out_of_order_still_count():
    statements = ss.statements_frame(
        [statement(s, STEP1, 1) for s in (1, 2)] + [statement(s, STEP2, 2) for s in (3, 4)]
    )
    records = [rec(3, D1)]  # half of step 2 before anything of step 1
    row = ss.area_positions(statements, ss.records_frame(records), D1).row(0, named=True)
    assert row["steps_secured"] == 0.5 and row["current_step"] == 1


def test_progress_between_two_dates_in_percent_of_a_step_and_statements():
    statements = ss.statements_frame([statement(s) for s in range(1, 11)])  # 10 statements
    records = [rec(1, D0), rec(2, D1), rec(3, D2), rec(4, D2)]
    row = ss.progress_between(statements, ss.records_frame(records), D1, D2).row(0, named=True)
    # 2 secured on D1 (20%), 4 on D2 (40%): 20% of a step, 2 statements
    assert row["progress_percent"] == pytest.approx(20.0)
    assert row["statements_gained"] == 2


def test_lateral_gains_count_rises_from_the_last_rating_or_a_first_baseline():
    records = [
        rec(1, D0, independence=2, generalisation=1),
        rec(1, D2, independence=4),  # +2 independence; generalisation kept at 1
        rec(2, D1, "D", fluency=1),
        rec(2, D2, "D", fluency=3),  # first rated in the period: baseline 1, +2
        rec(3, D2, "D", maintenance=3),  # only a baseline: no gain
        rec(4, D0, "D", fluency=4),
        rec(4, D2, "D", fluency=2),  # a fall counts as nothing
    ]
    row = ss.lateral_gains(FOUR, ss.records_frame(records), D0, D3).row(0, named=True)
    assert row["independence"] == 2 and row["fluency"] == 2 and row["maintenance"] == 0
    assert row["lateral_gains"] == 4


DEFAULT_THRESHOLDS = ss.Thresholds()  # below 2%, above 20%


def crossing(progress_percent, lateral, thresholds=DEFAULT_THRESHOLDS):
    """The crossing of one pupil-area, through the frame rule the threshold run uses."""
    row = {
        "pupil_id": 1,
        "area_id": 10,
        "progress_percent": progress_percent,
        "lateral_gains": lateral,
        "below": thresholds.below,
        "above": thresholds.above,
    }
    crossed = ss.crossings(pl.DataFrame([row]))
    return crossed["crossing"][0] if crossed.height else None


def test_progress_with_only_lateral_gains_is_shown_as_such():
    records = [rec(1, D0, "D", independence=2), rec(1, D2, "D", independence=3)]
    row = ss.progress_between(FOUR, ss.records_frame(records), D1, D3).row(0, named=True)
    assert row["progress_percent"] == 0.0 and row["lateral_gains"] == 1
    assert crossing(row["progress_percent"], row["lateral_gains"]) == ss.LATERAL_ONLY


@pytest.mark.parametrize(
    ("progress", "lateral", "expected"),
    [
        (1.99, 0, ss.BELOW),
        (2.0, 0, None),
        (20.0, 0, None),
        (20.01, 0, ss.ABOVE),
        (0.0, 3, ss.LATERAL_ONLY),
        (25.0, 3, ss.ABOVE),
    ],
)
def test_thresholds_below_two_or_above_twenty(progress, lateral, expected):
    assert crossing(progress, lateral) == expected


def test_thresholds_must_be_in_order():
    with pytest.raises(ValueError, match="lower"):
        ss.Thresholds(below=20, above=2)


def test_a_pupil_changing_framework_is_measured_on_each_frameworks_statements():
    # the records of each framework are measured against its own statements: a pupil's records on
    # the old framework do not dilute the new one's %
    old = ss.statements_frame([statement(1), statement(2)])
    new = ss.statements_frame([statement(s, step=STEP2, area=OTHER_AREA) for s in (7, 8, 9, 10)])
    records = ss.records_frame([rec(1, D0), rec(2, D0), rec(7, D2)])
    assert ss.step_percents(old, records, D3)["percent"].to_list() == [100.0]
    assert ss.step_percents(new, records, D3)["percent"].to_list() == [25.0]


def test_milestones_reached_out_of_order_are_counted_not_placed():
    statements = ss.statements_frame(
        [statement(s, step=None, number=None, key=s in (3, 5)) for s in (1, 2, 3, 4, 5)]
    )
    records = [rec(5, D1), rec(3, D1), rec(4, D1, "NA")]
    row = ss.milestones_secured(statements, ss.records_frame(records), D1).row(0, named=True)
    assert row == {
        "pupil_id": 1,
        "area_id": AREA,
        "secured": 2,
        "key_secured": 2,
        "milestones": 4,
        "key_milestones": 2,
    }


def test_generalised_needs_secured_and_fully_generalised():
    records = [rec(1, D1, generalisation=5), rec(2, D1, "D", generalisation=5), rec(3, D1, generalisation=4)]
    assert ss.generalised(ss.records_frame(records), D1)["statement_id"].to_list() == [1]


def test_similar_learners_percentile_falls_back_from_need_and_suppresses_small_groups():
    rows = [
        {
            "pupil_id": p,
            "framework_id": 1,
            "area_id": AREA,
            "start_step": 2,
            "primary_need": "SLD" if p <= 6 else "ASD",
            "progress_percent": float(p),
        }
        for p in range(1, 9)
    ]
    out = ss.similar_learners(pl.DataFrame(rows)).sort("pupil_id")
    first = out.row(0, named=True)
    # six SLD pupils: pupil 1 is lowest of 6: (1 - 0.5) / 6 = 8%
    assert (first["percentile"], first["compared_with"]) == (8.0, 6)
    last = out.row(7, named=True)
    # two ASD pupils: compared with all 8 on the step instead: (8 - 0.5) / 8 = 94%
    assert (last["percentile"], last["compared_with"]) == (94.0, 8)
    lonely = ss.similar_learners(pl.DataFrame(rows[:3])).row(0, named=True)
    assert lonely["percentile"] is None and lonely["matched_on"] == "too few similar pupils"


def test_group_summary_has_n_behind_every_figure():
    progress = pl.DataFrame(
        {
            "pupil_id": [1, 1, 2, 3],
            "class": ["A", "A", "A", "B"],
            "progress_percent": [0.0, 10.0, 30.0, 5.0],
            "lateral_gains": [2, 0, 0, 0],
            "crossing": [ss.LATERAL_ONLY, None, ss.ABOVE, None],
        }
    )
    a = ss.group_summary(progress, "class").row(0, named=True)
    assert (a["n"], a["rows"], a["mean_progress"], a["pct_above"], a["pct_lateral_only"]) == (
        2,
        3,
        13.3,
        33.3,
        33.3,
    )


def test_crossings_use_each_rows_own_thresholds():
    progress = pl.DataFrame(
        {
            "pupil_id": [1, 2, 3],
            "area_id": [10, 10, 10],
            "progress_percent": [1.0, 1.0, 30.0],
            "lateral_gains": [0, 0, 0],
            "below": [2.0, 0.5, 2.0],
            "above": [20.0, 20.0, 40.0],
        }
    )
    assert ss.crossings(progress)["pupil_id"].to_list() == [1]


def test_progress_over_many_windows_is_progress_between_each():
    statements = ss.statements_frame(
        [statement(s, STEP1, 1) for s in (1, 2, 3, 4)] + [statement(s, STEP2, 2) for s in (5, 6)]
    )
    records = ss.records_frame(
        [
            rec(1, D0, independence=1),
            rec(2, D1),
            rec(3, D2, independence=3),
            rec(5, D2, "D", fluency=2),
            rec(5, D3, fluency=4),
            rec(4, D3, "NA"),
        ]
    )
    windows = [(D0, D1), (D1, D2), (D2, D3), (D0, D3)]
    many = ss.progress_over(statements, records, windows)
    for start, end in windows:
        one = ss.progress_between(statements, records, start, end).sort("area_id")
        part = (
            many.filter((pl.col("start") == start) & (pl.col("end") == end))
            .drop("start", "end")
            .sort("area_id")
        )
        assert part.to_dicts() == one.to_dicts()
