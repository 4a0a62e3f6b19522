"""Small numbers: for people who see aggregates but not named pupils, a figure about fewer than
``threshold`` pupils is never shown, nor one that would let it be worked out by subtraction."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import polars as pl

from strides.analytics._frames import as_columns, require

DEFAULT_THRESHOLD = 6

# Every figure the package computes about a group; the default value columns of suppress().
MEASURE_COLUMNS: tuple[str, ...] = (
    "n_with_expected",
    "n_at_expected",
    "pct_at_expected",
    "mean_points",
    "pct",
    "mean_percentile",
    "value_added",
    "ci_low",
    "ci_high",
    "value",
    "n_other",
    "value_other",
    "gap",
)
# Counts of pupils behind a row's figures: each must stay at or above the threshold, alone and for
# the hidden rows of a partition taken together. ``n_with_expected`` counts the pupils behind
# ``pct_at_expected`` (those with an expected point), which can be fewer than ``n``.
COUNT_COLUMNS: tuple[str, ...] = ("n", "n_with_expected")
# Words about a row's figures (why there is no interval: "fewer than 2 pupils ..."): hidden with
# the figures, and never a key that breaks ties.
NOTE_COLUMNS: tuple[str, ...] = ("ci_reason",)


def _check_threshold(threshold: object) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"suppress: threshold must be a whole number of at least 1, not {threshold!r}")


def _value_columns(
    table: pl.DataFrame, value_columns: Sequence[str] | None, fixed: Sequence[str]
) -> list[str]:
    if value_columns is None:
        return [
            c
            for c in MEASURE_COLUMNS
            if c in table.columns and c not in fixed and table.schema[c].is_numeric()
        ]
    values = as_columns(value_columns, what="suppress: value_columns")
    require(table, values, what="suppress")
    overlap = set(values) & ({"n", *fixed})
    if overlap:
        raise ValueError(f"suppress: {sorted(overlap)} cannot be both a value column and n or partition")
    return values


def _primary(table: pl.DataFrame, threshold: int) -> pl.Expr:
    """Small: n under the threshold (or unknown); for a gap row, either side; for a row with a %
    at expected, fewer than ``threshold`` (but some) pupils with an expected point behind it."""
    small = pl.col("n").is_null() | (pl.col("n") < threshold)
    if "n_other" in table.columns:
        small = small | pl.col("n_other").is_null() | (pl.col("n_other") < threshold)
    if "n_with_expected" in table.columns:
        some = pl.col("n_with_expected").fill_null(0)
        small = small | ((some > 0) & (some < threshold))
    return small


def _counts(row: dict[str, Any], counts: Sequence[str]) -> tuple[int, ...]:
    return tuple(int(row[c] or 0) for c in counts)


def _needs_more(hidden: list[tuple[int, ...]], threshold: int) -> bool:
    """Whether a line (rows adding up to a shown total) with these hidden rows' counts must hide
    one more: one hidden row alone is the total minus the rest; several hidden rows together are a
    group too, and must not be fewer than ``threshold`` pupils (in any count)."""
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    return any(0 < sum(column) < threshold for column in zip(*hidden, strict=True))


def _hide_more(
    members: list[int],
    hidden: list[bool],
    counts: list[tuple[int, ...]],
    order: list[tuple],
    threshold: int,
    *,
    total_shown: bool = True,
) -> bool:
    """Hides the smallest shown members of one line until it is safe; True if any was hidden."""
    changed = False
    while True:
        shown = [m for m in members if not hidden[m]]
        hidden_counts = [counts[m] for m in members if hidden[m]]
        # a hidden total: if every part were shown, it would be their sum
        needed = _needs_more(hidden_counts, threshold) if total_shown else not hidden_counts
        if not needed or not shown:
            return changed
        hidden[min(shown, key=lambda m: order[m])] = True
        changed = True


def _blank(marked: pl.DataFrame, table: pl.DataFrame, values: Sequence[str]) -> pl.DataFrame:
    notes = [c for c in NOTE_COLUMNS if c in table.columns and c not in values]
    hidden = [
        pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).cast(table.schema[c]).alias(c)
        for c in ("n", *values, *notes)
    ]
    return marked.with_columns(hidden)


def _sort_key(row: dict[str, Any], keys: Sequence[str]) -> tuple:
    """Smallest n first (unknown n last), ties by the other key columns: never by row order."""
    n = row["n"]
    return (n is None, n or 0, *((row[k] is None, row[k] if row[k] is not None else 0) for k in keys))


def suppress(
    table: pl.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    partition: Sequence[str] = (),
    value_columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """``table`` with a Boolean column ``suppressed``; a suppressed row has ``n`` and every value
    column null (its key columns stay, so the reader sees that a group exists but not its size).

    - Primary: a row is suppressed when ``n`` < ``threshold`` (or ``n`` is null). A gap row (one
      with ``n_other``) is suppressed when either side is: ``n`` or ``n_other`` < ``threshold``. A
      row with ``n_with_expected`` is suppressed when that is above 0 but under ``threshold``
      (its % at expected would be about fewer pupils).
    - Secondary, by subtraction: ``partition`` names the columns whose rows add up to a total the
      reader may see (for example ``("school_id", "subject", "dimension")`` in a table of groups;
      the default ``()`` treats the whole table as one such set). Within each, while exactly one
      row is suppressed, or the suppressed rows together count fewer than ``threshold`` pupils (so
      their figures, total minus the rest, would be a small group's), the unsuppressed row with
      the smallest ``n`` is suppressed too (ties broken by the other key columns in order).

    ``value_columns`` defaults to the numeric columns of :data:`MEASURE_COLUMNS` present; the
    columns of :data:`NOTE_COLUMNS` (why an interval is missing) are hidden with them."""
    _check_threshold(threshold)
    parts = as_columns(partition, what="suppress: partition")
    require(table, ["n", *parts], what="suppress")
    values = _value_columns(table, value_columns, parts)
    keys = [
        c
        for c in table.columns
        if c not in {"n", *parts, *values, *NOTE_COLUMNS} and not table.schema[c].is_nested()
    ]
    counts_of = [c for c in COUNT_COLUMNS if c in table.columns]

    marked = table.with_columns(_primary(table, threshold).alias("suppressed"))
    rows = marked.select([*parts, *keys, *counts_of, "suppressed"]).to_dicts()
    hidden = [bool(r["suppressed"]) for r in rows]
    counts = [_counts(r, counts_of) for r in rows]
    order = [_sort_key(r, keys) for r in rows]
    lines: dict[tuple, list[int]] = {}
    for index, row in enumerate(rows):
        lines.setdefault(tuple(row[p] for p in parts), []).append(index)
    for members in lines.values():
        _hide_more(members, hidden, counts, order, threshold)
    marked = marked.with_columns(pl.Series("suppressed", hidden, dtype=pl.Boolean))
    return _blank(marked, table, values)


def suppress_crossed(
    table: pl.DataFrame,
    *,
    dimensions: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    partition: Sequence[str] = (),
    value_columns: Sequence[str] | None = None,
    hidden_elsewhere: pl.Expr | None = None,
) -> pl.DataFrame:
    """:func:`suppress` for a cross-table with its margins, such as year groups x disadvantaged
    in a school where the year groups' totals, the disadvantaged pupils' total (on another page)
    and the school's total are all shown somewhere.

    ``table`` holds the cells and their margins: a null in one of ``dimensions`` marks the row of
    every value of that dimension (a total). ``partition`` names further columns that separate
    independent tables (subject, say). A *line* is the rows that differ in one dimension only, with
    their total (the row with that dimension null). Primary suppression is :func:`suppress`'s; then,
    until nothing changes, in every line:

    - when the total is shown (or not in the table), the rule of :func:`suppress`: no single
      hidden row, and the hidden rows together not fewer than ``threshold`` pupils, hiding the next
      smallest row as needed;
    - when that rule cannot be met because every row of the line is hidden (a line of one row,
      say, which *is* its total), the total is hidden too;
    - when the total is hidden but every row of its line is shown, the smallest row is hidden too
      (otherwise the total would be their sum).

    So a total can be hidden by its cells' line, not only by its own line one level up: a page that
    shows a total of this table on its own must take its suppression from this result (the
    dashboards do, through ``strides.dashboards.suppressing.crossed_suppression``), never from
    :func:`suppress` of the totals alone. Every total shown anywhere must therefore be in
    ``table``: one that is not cannot be hidden, and its line is protected only by its cells.

    ``hidden_elsewhere`` (a Boolean expression over ``table``) marks rows hidden whatever their
    n, because another table hides the same figures (a year group's total, hidden in the cross-table
    of another dimension); their counts still count among the hidden."""
    _check_threshold(threshold)
    dims = as_columns(dimensions, what="suppress_crossed: dimensions")
    if not dims:
        raise ValueError("suppress_crossed: name at least one dimension")
    parts = as_columns(partition, what="suppress_crossed: partition")
    if set(dims) & set(parts):
        raise ValueError("suppress_crossed: a column cannot be both a dimension and in partition")
    require(table, ["n", *dims, *parts], what="suppress_crossed")
    values = _value_columns(table, value_columns, [*parts, *dims])
    counts_of = [c for c in COUNT_COLUMNS if c in table.columns]

    primary = _primary(table, threshold)
    if hidden_elsewhere is not None:
        primary = primary | hidden_elsewhere.fill_null(False)
    marked = table.with_columns(primary.alias("suppressed"))
    rows = marked.select([*parts, *dims, *counts_of, "suppressed"]).to_dicts()
    hidden = [bool(r["suppressed"]) for r in rows]
    counts = [_counts(r, counts_of) for r in rows]
    where: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        key = tuple(row[c] for c in (*parts, *dims))
        if key in where:
            raise ValueError(f"suppress_crossed: two rows for {dict(zip((*parts, *dims), key, strict=True))}")
        where[key] = index

    # each line: its members, the index of its total (None: not in the table), the members' order
    lines: list[tuple[list[int], int | None, list[tuple]]] = []
    for position, dimension in enumerate(dims):
        order = [(r["n"] is None, r["n"] or 0, r[dimension] is None, r[dimension]) for r in rows]
        grouped: dict[tuple, list[int]] = {}
        for index, row in enumerate(rows):
            if row[dimension] is None:
                continue
            line: tuple[Hashable, ...] = tuple(row[c] for c in parts) + tuple(
                row[d] for d in dims if d != dimension
            )
            grouped.setdefault(line, []).append(index)
        for line, members in grouped.items():
            split = len(parts) + position
            total_key = (*line[:split], None, *line[split:])
            lines.append((members, where.get(total_key), order))
    groups: dict[tuple, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(row[c] for c in parts), []).append(index)
    while True:
        _hide_along_lines(lines, hidden, counts, threshold)
        if len(dims) != 2 or not any(
            _hide_across(members, rows, dims, hidden, counts, threshold) for members in groups.values()
        ):
            break
    marked = marked.with_columns(pl.Series("suppressed", hidden, dtype=pl.Boolean))
    return _blank(marked, table, values)


def _hide_along_lines(
    lines: list[tuple[list[int], int | None, list[tuple]]],
    hidden: list[bool],
    counts: list[tuple[int, ...]],
    threshold: int,
) -> None:
    """The rules of each line (cells and their total), until nothing changes."""
    changed = True
    while changed:
        changed = False
        for members, total, order in lines:
            total_shown = total is None or not hidden[total]
            if _hide_more(members, hidden, counts, order, threshold, total_shown=total_shown):
                changed = True
            if (
                total is not None
                and not hidden[total]
                and all(hidden[m] for m in members)
                and _needs_more([counts[m] for m in members], threshold)
            ):
                # no shown row left to hide: the total would give the hidden rows away
                hidden[total] = True
                changed = True


def _hide_across(
    members: list[int],
    rows: list[dict[str, Any]],
    dims: Sequence[str],
    hidden: list[bool],
    counts: list[tuple[int, ...]],
    threshold: int,
) -> bool:
    """One table of two dimensions with its margins, checked as a whole: True if one more row
    had to be hidden.

    Seen as a grid with a total row and column, every line adds up, so the hidden entries are the
    edges of a graph between the grid's rows and columns: an entry can be worked out exactly when
    it lies on no cycle of hidden entries (a bridge), whatever the lines say one by one (two years'
    totals and a group's total can pin down the cell where they cross). A small hidden entry that
    is a bridge gets a cycle: the smallest shown entry joining the two sides is hidden too."""
    first, second = dims
    ends = {m: (("row", rows[m][first]), ("column", rows[m][second])) for m in members}
    adjacent: dict[tuple, list[tuple[int, tuple]]] = {}
    for m in members:
        if hidden[m]:
            a, b = ends[m]
            adjacent.setdefault(a, []).append((m, b))
            adjacent.setdefault(b, []).append((m, a))
    for m in members:
        if not hidden[m] or (not any(0 < c < threshold for c in counts[m]) and rows[m]["n"] is not None):
            continue
        start, goal = ends[m]
        side = {start}
        todo = [start]
        while todo:
            vertex = todo.pop()
            for edge, other in adjacent.get(vertex, []):
                if edge != m and other not in side:
                    side.add(other)
                    todo.append(other)
        if goal in side:
            continue
        crossing = [s for s in members if not hidden[s] and (ends[s][0] in side) != (ends[s][1] in side)]
        if not crossing:
            continue
        other_side = {goal}
        todo = [goal]
        while todo:
            vertex = todo.pop()
            for edge, other in adjacent.get(vertex, []):
                if edge != m and other not in other_side:
                    other_side.add(other)
                    todo.append(other)
        joining = [s for s in crossing if ends[s][0] in other_side or ends[s][1] in other_side]

        def order(s: int) -> tuple:
            row = rows[s]
            return (row["n"] is None, row["n"] or 0, *((row[d] is None, row[d]) for d in dims))

        hidden[min(joining or crossing, key=order)] = True
        return True
    return False
