"""Suppression audited by linear algebra: whatever a table shows is a set of linear facts about its
cells' pupils (a shown row is the sum of the cells it covers), and no set of cells with 1 to 5
pupils may follow from them. Checked exactly (fractions) on random tables with their total."""

from __future__ import annotations

import itertools
from fractions import Fraction

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.analytics import suppress

THRESHOLD = 6
AUDIT = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rank(rows: list[list[int]]) -> int:
    matrix = [[Fraction(x) for x in row] for row in rows]
    found = 0
    for column in range(len(matrix[0]) if matrix else 0):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[found][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def leaks(cells: dict[tuple, int], facts: list[list[int]]) -> list[tuple[tuple, int]]:
    """Sets of cells with 1 to THRESHOLD - 1 pupils whose sum lies in the span of ``facts``."""
    names = sorted(cells)
    if not facts:
        return []
    base = rank(facts)
    out = []
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):
            pupils = sum(cells[c] for c in subset)
            if 0 < pupils < THRESHOLD and rank([*facts, [int(c in subset) for c in names]]) == base:
                out.append((subset, pupils))
    return out


def covers(names: list[tuple], year: int | None, value: str | None) -> list[int]:
    return [int((year is None or y == year) and (value is None or v == value)) for y, v in names]


counts = st.integers(0, 14)


@AUDIT
@given(st.lists(counts, min_size=1, max_size=5))
def test_a_partition_and_its_total_give_no_small_group_away(sizes):
    cells = {(0, str(i)): n for i, n in enumerate(sizes) if n}
    if not cells:
        return
    frame = pl.DataFrame({"group": [v for _, v in cells], "n": list(cells.values())})
    shown = suppress(frame)
    names = sorted(cells)
    # the total, shown elsewhere unless it is itself small
    facts = [[1] * len(names)] if sum(cells.values()) >= THRESHOLD else []
    facts += [covers(names, None, r["group"]) for r in shown.filter(~pl.col("suppressed")).to_dicts()]
    assert not leaks(cells, facts)
