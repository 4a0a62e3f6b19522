"""Small helpers shared by the measures: grouping that also works with no keys, checks of the
columns a measure needs, and the expressions of attainment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

COUNT = pl.Int64
ATTAINMENT_SCHEMA: dict[str, pl.DataType] = {
    "n": pl.Int64(),
    "mean_points": pl.Float64(),
    "n_with_expected": pl.Int64(),
    "n_at_expected": pl.Int64(),
    "pct_at_expected": pl.Float64(),
}


def as_columns(by: str | Sequence[str], *, what: str = "by") -> list[str]:
    """``by`` as a list of column names (a lone string is one column, not its letters)."""
    if isinstance(by, str):
        return [by]
    columns = list(by)
    if len(set(columns)) != len(columns):
        raise ValueError(f"{what}: a column is named twice in {columns}")
    for column in columns:
        if not isinstance(column, str):
            raise ValueError(f"{what}: column names must be strings, not {column!r}")
    return columns


def require(frame: pl.DataFrame | pl.LazyFrame, columns: Iterable[str], *, what: str) -> None:
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    missing = [c for c in columns if c not in schema]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(repr(m) for m in missing)}")


def aggregate(frame: pl.DataFrame, by: Sequence[str], aggs: Sequence[pl.Expr]) -> pl.DataFrame:
    """``frame.group_by(by).agg(aggs)`` sorted by ``by``; with no ``by``, one row for the whole
    frame (an empty frame gives the aggregates of nothing, as a table of totals should)."""
    if not by:
        return frame.select(aggs)
    return frame.group_by(list(by)).agg(aggs).sort(list(by), nulls_last=True)


def attainment_aggs() -> list[pl.Expr]:
    """n, mean_points, n_with_expected, n_at_expected, pct_at_expected over judgement rows."""
    with_expected = pl.col("expected").is_not_null().sum().cast(COUNT)
    at_expected = (pl.col("point") >= pl.col("expected")).fill_null(False).sum().cast(COUNT)
    return [
        pl.len().cast(COUNT).alias("n"),
        pl.col("point").cast(pl.Float64).mean().alias("mean_points"),
        with_expected.alias("n_with_expected"),
        at_expected.alias("n_at_expected"),
        pl.when(with_expected > 0)
        .then(100.0 * at_expected / with_expected)
        .otherwise(None)
        .cast(pl.Float64)
        .alias("pct_at_expected"),
    ]
