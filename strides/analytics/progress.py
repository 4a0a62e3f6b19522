"""Progress: common points gained by each pupil in a subject between two of their judgements,
and each pupil's flight path (every judgement in time order)."""

from __future__ import annotations

from typing import Literal

import polars as pl

from strides.analytics._frames import require
from strides.analytics.schema import CHARACTERISTIC_COLUMNS, phase_expr

Since = Literal["baseline", "year"] | int

KEYS = ["pupil_id", "subject"]
# Drops are ordered by date, then id (two drops on one date keep the order they were made in).
ORDER = ["drop_date", "drop_id"]

PROGRESS_COLUMNS: tuple[str, ...] = (
    "pupil_id",
    "subject",
    "start_drop_id",
    "start_point",
    "start_nc_year",
    "phase",
    "end_drop_id",
    "end_point",
    "gained",
    "expected_rise",
    *CHARACTERISTIC_COLUMNS,
    "school_id",
    "nc_year",
    "start_drop_date",
    "end_drop_date",
    "end_academic_year",
    "end_term",
)

FLIGHT_PATH_COLUMNS = (
    "subject",
    "drop_id",
    "drop_date",
    "academic_year",
    "term",
    "level",
    "framework",
    "point",
    "expected",
)

_NEEDED = ["pupil_id", "subject", "drop_id", "drop_date", "academic_year", "term", "school_id", "nc_year",
           "point", "expected", *CHARACTERISTIC_COLUMNS]  # fmt: skip


def _check_since(since: object) -> None:
    if isinstance(since, bool) or not (since in ("baseline", "year") or isinstance(since, int)):
        raise ValueError(f'progress: since must be "baseline", "year" or a drop id, not {since!r}')


def _last_in_order(frame: pl.DataFrame, keys: list[str], *, first: bool = False) -> pl.DataFrame:
    """The row of each ``keys`` group that comes last (or first) in drop order."""
    pick = "min" if first else "max"
    for column in ORDER:
        frame = frame.filter(pl.col(column) == getattr(pl.col(column), pick)().over(keys))
    return frame


def _ends(obs: pl.DataFrame, until: int | None) -> pl.DataFrame:
    if until is None:
        return _last_in_order(obs, KEYS)
    if isinstance(until, bool) or not isinstance(until, int):
        raise ValueError(f"progress: until must be a drop id or None, not {until!r}")
    return obs.filter(pl.col("drop_id") == until)


def _pair(obs: pl.DataFrame, ends: pl.DataFrame, since: Since) -> pl.DataFrame:
    """Progress rows: each end row with its start judgement (strictly earlier in drop order)."""
    end = ends.select(
        *KEYS,
        pl.col("drop_id").alias("end_drop_id"),
        pl.col("drop_date").alias("end_drop_date"),
        pl.col("academic_year").alias("end_academic_year"),
        pl.col("term").alias("end_term"),
        pl.col("point").alias("end_point"),
        pl.col("expected").alias("end_expected"),
        "school_id",
        "nc_year",
        *CHARACTERISTIC_COLUMNS,
    )
    start = obs.select(
        *KEYS,
        pl.col("drop_id").alias("start_drop_id"),
        pl.col("drop_date").alias("start_drop_date"),
        pl.col("academic_year").alias("start_academic_year"),
        pl.col("term").alias("start_term"),
        pl.col("point").alias("start_point"),
        pl.col("expected").alias("start_expected"),
        pl.col("nc_year").alias("start_nc_year"),
    )
    if since == "year":
        # only last year's rows of the terms the end rows are in can be a start
        years = (ends.get_column("academic_year").unique() - 1).to_list()
        terms = ends.get_column("term").unique().to_list()
        start = start.filter(pl.col("start_academic_year").is_in(years) & pl.col("start_term").is_in(terms))
        start = start.with_columns((pl.col("start_academic_year") + 1).alias("end_academic_year"))
        pairs = end.join(
            start,
            left_on=[*KEYS, "end_academic_year", "end_term"],
            right_on=[*KEYS, "end_academic_year", "start_term"],
            how="inner",
        )
    else:
        if since != "baseline":
            start = start.filter(pl.col("start_drop_id") == since)
        pairs = end.join(start, on=KEYS, how="inner")
    earlier = (pl.col("start_drop_date") < pl.col("end_drop_date")) | (
        (pl.col("start_drop_date") == pl.col("end_drop_date"))
        & (pl.col("start_drop_id") < pl.col("end_drop_id"))
    )
    pairs = pairs.filter(earlier)
    group = [*KEYS, "end_drop_id"]
    # "baseline": the first judgement; "year" (two drops in last year's term): the later one
    for column, first in (("start_drop_date", since == "baseline"), ("start_drop_id", since == "baseline")):
        pick = pl.col(column).min() if first else pl.col(column).max()
        pairs = pairs.filter(pl.col(column) == pick.over(group))
    return pairs.with_columns(
        phase_expr(pl.col("start_nc_year")).alias("phase"),
        (pl.col("end_point") - pl.col("start_point")).alias("gained"),
        (pl.col("end_expected") - pl.col("start_expected")).alias("expected_rise"),
    ).select(PROGRESS_COLUMNS)


def progress(obs: pl.DataFrame, *, since: Since = "baseline", until: int | None = None) -> pl.DataFrame:
    """Points gained by each pupil in each subject, from a start judgement to an end judgement.

    End: the pupil's judgement in drop ``until``, or by default their latest in the subject.
    Start (always strictly before the end; pupils with no such judgement are left out):

    - ``"baseline"``: the pupil's first judgement in the subject;
    - ``"year"``: their judgement in the same term one academic year before the end;
    - a drop id: their judgement in that drop.

    ``gained`` = end_point - start_point; ``expected_rise`` = expected(end) - expected(start),
    null if either is null; ``phase`` comes from the starting NC year. Characteristics, school and
    NC year are the pupil's as at the end drop."""
    _check_since(since)
    require(obs, _NEEDED, what="progress")
    ends = _ends(obs, until)
    return _pair(obs, ends, since).sort([*KEYS, "end_drop_date", "end_drop_id"])


def annual_progress(obs: pl.DataFrame) -> pl.DataFrame:
    """One-year progress ending at every judgement that has a judgement in the same term one
    academic year before: the rows a rolling similar-learner pool is made of."""
    require(obs, _NEEDED, what="annual_progress")
    return _pair(obs, obs, "year").sort([*KEYS, "end_drop_date", "end_drop_id"])


def rolling_pool(progress_rows: pl.DataFrame, *, end_year: int, years: int = 3) -> pl.DataFrame:
    """The pool similar-learner percentiles compare with: of the progress rows whose end drop
    falls in the ``years`` academic years up to and including ``end_year`` (2025 = 2025/26), one
    per pupil, subject and academic year: the year's latest (by end drop date, then id).

    So each pupil counts once a year in a subject, however many drops the year had: with a row
    per term-pair a pupil judged every term would count three times a year, and pupils who move
    slowly (staying at one start point through the year) would fill their cell several times."""
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ValueError(f"rolling_pool: years must be a whole number of at least 1, not {years!r}")
    require(progress_rows, [*KEYS, "end_academic_year", "end_drop_date", "end_drop_id"], what="rolling_pool")
    window = progress_rows.filter(pl.col("end_academic_year").is_between(end_year - years + 1, end_year))
    group = [*KEYS, "end_academic_year"]
    for column in ("end_drop_date", "end_drop_id"):
        window = window.filter(pl.col(column) == pl.col(column).max().over(group))
    return window.sort([*KEYS, "end_drop_date", "end_drop_id"])


def flight_path(obs: pl.DataFrame, pupil_id: int) -> pl.DataFrame:
    """subject, drop_id, drop_date, academic_year, term, level, framework, point, expected: every
    judgement of one pupil, by subject and in time order."""
    require(obs, ["pupil_id", *FLIGHT_PATH_COLUMNS], what="flight_path")
    return obs.filter(pl.col("pupil_id") == pupil_id).select(FLIGHT_PATH_COLUMNS).sort(["subject", *ORDER])
