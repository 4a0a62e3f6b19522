"""The load drivers' maths (bench/load.py), without a server: the open loop's schedule offers the
rate it says, percentiles interpolate as numpy's default does, and the goal table says met or not."""

from __future__ import annotations

import itertools
import math

from bench.load import Measure, below, engine_table, goals_summary, percentile, schedule


def test_percentile_interpolates_between_ranks():
    assert percentile([], 50) != percentile([], 50)  # NaN
    assert percentile([5.0], 95) == 5.0
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 50) == 50.5
    assert math.isclose(percentile(values, 95), 95.05)
    assert percentile(list(reversed(values)), 50) == 50.5  # order of arrival does not matter


def test_schedule_offers_users_over_interval_per_second_by_the_clock():
    plan = schedule(users=50, interval=1.5, duration=60, jitter=0.5, seed=1)
    assert len(plan) == 50
    for times in plan:
        assert times == sorted(times)
        assert 0 <= times[0] < 1.5  # users do not all arrive at once
        assert all(0 <= t < 60 for t in times)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(0.75 - 1e-9 <= g <= 2.25 + 1e-9 for g in gaps)
    offered = sum(map(len, plan)) / 60
    assert 50 / 1.5 * 0.9 < offered < 50 / 1.5 * 1.1
    assert schedule(50, 1.5, 60, 0.5, seed=1) == plan  # the same seed, the same load


def test_engine_table_sets_each_goal_beside_its_figure():
    results = {
        "PostgreSQL": [Measure("save p95", "80 ms", 80.0, below(100, "ms")), Measure("server", "gunicorn")],
        "SQLite": [Measure("save p95", "180 ms", 180.0, below(150, "ms"))],
    }
    table = engine_table(results).splitlines()
    assert table[0] == "| measure | PostgreSQL | goal | met? | SQLite | goal | met? |"
    assert table[2] == "| save p95 | 80 ms | < 100 ms | met | 180 ms | < 150 ms | **not met** |"
    assert table[3] == "| server | gunicorn |  |  | not run |  |  |"
    assert goals_summary(results) == "PostgreSQL: 1 of 1 goals met; SQLite: 0 of 1 goals met"
    results["SQLite"] = [Measure("failed", "**failed**: the server did not start")]
    assert goals_summary(results) == "PostgreSQL: 1 of 1 goals met; SQLite: **failed**"
