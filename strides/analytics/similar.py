"""Similar learners: each pupil's progress as a percentile among pupils who started from the same
common point in the same phase (and, where there are enough of them, with the same primary need).

The comparison is with a **benchmark table**: the distribution of points gained per cell, made by
:func:`benchmark_table` from a pool of progress rows (the trust's rolling three years, see
:func:`strides.analytics.progress.rolling_pool`) or read from an external CSV by
:func:`read_benchmark_csv`. Both shapes are the same:
``subject, phase, start_point, primary_need, gained, pupils``; ``primary_need`` is a census need
code, ``""`` for pupils with no identified need, or ``"*"`` for the cell of any need.

Every function has a lazy form (``*_lazy``) for data that does not fit in memory comfortably (the
8-million-pupil benchmark runs on it)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import polars as pl

from strides.analytics._frames import COUNT, require

ANY_NEED = "*"
MATCHED_ON_NEED = "start point, phase and primary need"
MATCHED_ON_PHASE = "start point and phase"
DEFAULT_MIN_CELL = 30

CELL = ["subject", "phase", "start_point", "primary_need"]
BENCHMARK_SCHEMA: dict[str, pl.DataType] = {
    "subject": pl.String(),
    "phase": pl.String(),
    "start_point": pl.Int32(),
    "primary_need": pl.String(),
    "gained": pl.Int32(),
    "pupils": pl.Int64(),
}
BENCHMARK_COLUMNS = tuple(BENCHMARK_SCHEMA)
PERCENTILE_COLUMNS = ("percentile", "compared_with", "matched_on")
_ROW_NEEDS = ["subject", "phase", "start_point", "primary_need", "gained"]


# --- the benchmark table ------------------------------------------------------------------------


def benchmark_table_lazy(pool: pl.LazyFrame) -> pl.LazyFrame:
    """:func:`benchmark_table` on a LazyFrame."""
    require(pool, _ROW_NEEDS, what="benchmark_table")
    keys = ["subject", "phase", "start_point", "gained"]
    rows = pool.select(
        pl.col("subject").cast(pl.String),
        pl.col("phase").cast(pl.String),
        pl.col("start_point").cast(pl.Int32),
        pl.col("primary_need").cast(pl.String),
        pl.col("gained").cast(pl.Int32),
    ).filter(pl.all_horizontal(pl.col(_ROW_NEEDS).is_not_null()))
    by_need = rows.group_by([*keys, "primary_need"]).agg(pl.len().cast(COUNT).alias("pupils"))
    any_need = rows.group_by(keys).agg(
        pl.lit(ANY_NEED).alias("primary_need"), pl.len().cast(COUNT).alias("pupils")
    )
    return pl.concat([by_need.select(BENCHMARK_COLUMNS), any_need.select(BENCHMARK_COLUMNS)])


def benchmark_table(pool: pl.DataFrame) -> pl.DataFrame:
    """subject, phase, start_point, primary_need, gained, pupils: how many rows of the pool
    gained each number of points, per cell. Each row counts once in the cell of its own need and
    once in the any-need cell (``primary_need = "*"``). A pool from
    :func:`~strides.analytics.progress.rolling_pool` has one row per pupil, subject and academic
    year, so there ``pupils`` counts each pupil once a year."""
    return benchmark_table_lazy(pool.lazy()).collect().sort(list(BENCHMARK_COLUMNS[:5]))


def empty_benchmark() -> pl.DataFrame:
    return pl.DataFrame(schema=BENCHMARK_SCHEMA)


# --- percentiles --------------------------------------------------------------------------------


def _check_min_cell(min_cell: int) -> None:
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise ValueError(f"percentiles: min_cell must be a whole number of at least 1, not {min_cell!r}")


def percentiles_lazy(
    progress_rows: pl.LazyFrame, benchmark: pl.LazyFrame, *, min_cell: int = DEFAULT_MIN_CELL
) -> pl.LazyFrame:
    """:func:`percentiles` on LazyFrames (row order is not kept)."""
    _check_min_cell(min_cell)
    require(progress_rows, _ROW_NEEDS, what="percentiles")
    require(benchmark, BENCHMARK_COLUMNS, what="percentiles: benchmark")
    bench = benchmark.select(
        pl.col("subject").cast(pl.String),
        pl.col("phase").cast(pl.String),
        pl.col("start_point").cast(pl.Int32),
        pl.col("primary_need").cast(pl.String),
        pl.col("gained").cast(pl.Int32),
        pl.col("pupils").cast(COUNT),
    )
    sizes = bench.group_by(CELL).agg(pl.col("pupils").sum().alias("cell_size"))
    need_sizes = sizes.rename({"cell_size": "_need_size"})
    any_sizes = sizes.filter(pl.col("primary_need") == ANY_NEED).drop("primary_need")
    any_sizes = any_sizes.rename({"cell_size": "_any_size"})

    keyed = (
        progress_rows.with_columns(
            pl.col("start_point").cast(pl.Int32).alias("_start_point"),
            pl.col("gained").cast(pl.Int32).alias("_gained"),
        )
        .join(
            need_sizes,
            left_on=["subject", "phase", "_start_point", "primary_need"],
            right_on=CELL,
            how="left",
        )
        .join(
            any_sizes,
            left_on=["subject", "phase", "_start_point"],
            right_on=["subject", "phase", "start_point"],
            how="left",
        )
    )
    use_need = pl.col("_need_size").fill_null(0) >= min_cell
    keyed = keyed.with_columns(
        pl.when(use_need)
        .then(pl.col("primary_need"))
        .when(pl.col("_any_size").is_not_null())
        .then(pl.lit(ANY_NEED))
        .otherwise(None)
        .alias("_cell_need"),
        pl.when(use_need)
        .then(pl.col("_need_size"))
        .otherwise(pl.col("_any_size"))
        .cast(COUNT)
        .alias("compared_with"),
        pl.when(use_need)
        .then(pl.lit(MATCHED_ON_NEED))
        .when(pl.col("_any_size").is_not_null())
        .then(pl.lit(MATCHED_ON_PHASE))
        .otherwise(None)
        .alias("matched_on"),
    )
    # Below and equal counts for each (cell, gained) a row may ask about: the benchmark's counts
    # plus a zero at every gain of the rows (in their own need's cell and in the any-need cell),
    # cumulated in gain order within the cell. A gain the benchmark never saw still gets its count
    # of pupils below. Taken from the rows directly (not from ``keyed``) so the plan reads them once
    # for this small table of distinct keys.
    cell_gain = ["subject", "phase", "start_point", "primary_need", "gained"]
    gains = progress_rows.select(
        pl.col("subject").cast(pl.String),
        pl.col("phase").cast(pl.String),
        pl.col("start_point").cast(pl.Int32),
        pl.col("primary_need").cast(pl.String),
        pl.col("gained").cast(pl.Int32),
    ).unique()
    asked = pl.concat(
        [gains, gains.with_columns(pl.lit(ANY_NEED).alias("primary_need")).unique()]
    ).with_columns(pl.lit(0, dtype=COUNT).alias("pupils"))
    counts = (
        pl.concat([bench.select([*cell_gain, "pupils"]), asked])
        .group_by(cell_gain)
        .agg(pl.col("pupils").sum().alias("_equal"))
        .with_columns(pl.col("_equal").cum_sum().over(CELL, order_by="gained").alias("_at_or_below"))
        .with_columns((pl.col("_at_or_below") - pl.col("_equal")).alias("_below"))
        .select([*cell_gain, "_equal", "_below"])
    )
    joined = keyed.join(
        counts,
        left_on=["subject", "phase", "_start_point", "_cell_need", "_gained"],
        right_on=cell_gain,
        how="left",
    )
    percentile = 100.0 * (pl.col("_below") + pl.col("_equal") / 2) / pl.col("compared_with")
    return joined.with_columns(
        pl.when(pl.col("compared_with") > 0)
        .then(percentile)
        .otherwise(None)
        .cast(pl.Float64)
        .alias("percentile")
    ).drop(["_start_point", "_gained", "_need_size", "_any_size", "_cell_need", "_equal", "_below"])


def percentiles(
    progress_rows: pl.DataFrame, benchmark: pl.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL
) -> pl.DataFrame:
    """The progress rows (same order) with ``percentile``, ``compared_with`` and ``matched_on``.

    A pupil's cell is the benchmark's pupils of the same subject, phase and start point, with the
    pupil's own primary need when that cell holds at least ``min_cell`` pupils, else of any need.
    ``percentile`` is the mid-rank 100 x (pupils who gained less + half of those who gained the
    same) / cell size, so it lies in [0, 100] and ties share one value. ``compared_with`` is the cell
    size; ``matched_on`` says which cell. No cell (no pupil in the benchmark started there): all
    three are null."""
    lazy = percentiles_lazy(progress_rows.lazy().with_row_index("_row"), benchmark.lazy(), min_cell=min_cell)
    return lazy.sort("_row").drop("_row").collect()


# --- the benchmark CSV --------------------------------------------------------------------------


@dataclass
class BenchmarkError(ValueError):
    """A bad benchmark CSV: the row (1 = the header), field and value at fault, and why."""

    row: int | None
    field: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            where.append(f"value {shown!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


PHASES = ("primary", "secondary")
_INT32 = (-(2**31), 2**31 - 1)
_WHOLE = re.compile(r"[+-]?[0-9]+")
_NEED = re.compile(r"[A-Z]{1,10}")
_SUBJECT = re.compile(r"[a-z0-9][a-z0-9_\-]{0,39}")
MAX_BENCHMARK_BYTES = 50 * 1024 * 1024
MAX_CELL_PUPILS = 10**9  # far above any national cohort; keeps every sum inside Int64


def _whole(text: str, *, row: int, field: str, low: int, high: int) -> int:
    if not _WHOLE.fullmatch(text):
        raise BenchmarkError(row, field, text, "must be a whole number")
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > 12 or not low <= int(text) <= high:
        raise BenchmarkError(row, field, text, f"must be between {low:,} and {high:,}")
    return int(text)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if not isinstance(data, bytes | bytearray):
        raise BenchmarkError(
            None, None, None, f"expected the file's bytes or text, not {type(data).__name__}"
        )
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = bytes(data[: error.start]).count(b"\n") + 1
        bad = bytes(data[error.start : error.end]).hex(" ")
        raise BenchmarkError(line, None, bad, "is not UTF-8 text (save the file as CSV UTF-8)") from None


def read_benchmark_csv(data: bytes | str) -> pl.DataFrame:
    """An external benchmark table from CSV text (UTF-8, a header row, comma separated).

    Columns (any order, no others): ``subject`` (a subject code, compared in lower case),
    ``phase`` (primary / secondary), ``start_point`` (a common-scale point, 0 or more),
    ``primary_need`` (a census need code, empty for no identified need, ``*`` for any need),
    ``gained`` (a whole number of points, may be negative), ``pupils`` (1 or more). Each
    (subject, phase, start_point, primary_need, gained) appears once.

    Raises :class:`BenchmarkError` naming the row, field and value of the first bad row; nothing
    is returned from a file with any bad row."""
    if isinstance(data, bytes | bytearray) and len(data) > MAX_BENCHMARK_BYTES:
        raise BenchmarkError(
            None, None, None, f"the file is larger than {MAX_BENCHMARK_BYTES // 1024 // 1024} MB"
        )
    text = _decode(data)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise BenchmarkError(line, None, None, "contains a NUL character: is this a CSV file?")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error as error:
        raise BenchmarkError(reader.line_num, None, None, f"not readable as CSV ({error})") from None
    if header is None:
        raise BenchmarkError(None, None, None, "the file is empty: expected a header row")
    header_row = reader.line_num
    names = [cell.strip().lower() for cell in header]
    for name in names:
        if name not in BENCHMARK_SCHEMA:
            expected = ", ".join(BENCHMARK_COLUMNS)
            raise BenchmarkError(
                header_row, name or None, name, f"is not a benchmark column (expected {expected})"
            )
        if names.count(name) > 1:
            raise BenchmarkError(header_row, name, name, "is named twice in the header")
    missing = [c for c in BENCHMARK_COLUMNS if c not in names]
    if missing:
        raise BenchmarkError(header_row, missing[0], None, f"missing column(s): {', '.join(missing)}")

    columns: dict[str, list] = {name: [] for name in BENCHMARK_COLUMNS}
    seen: dict[tuple, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise BenchmarkError(reader.line_num, None, None, f"not readable as CSV ({error})") from None
        row = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise BenchmarkError(row, None, None, f"has {len(cells)} fields, the header has {len(names)}")
        record = dict(zip(names, (cell.strip() for cell in cells), strict=True))
        subject = record["subject"].lower()
        if not _SUBJECT.fullmatch(subject):
            raise BenchmarkError(
                row, "subject", record["subject"], "must be a subject code (letters, digits, - or _)"
            )
        phase = record["phase"].lower()
        if phase not in PHASES:
            raise BenchmarkError(row, "phase", record["phase"], "must be primary or secondary")
        start_point = _whole(record["start_point"], row=row, field="start_point", low=0, high=_INT32[1])
        need = record["primary_need"].upper()
        if need not in ("", ANY_NEED) and not _NEED.fullmatch(need):
            raise BenchmarkError(
                row, "primary_need", record["primary_need"], "must be a census need code, empty, or *"
            )
        gained = _whole(record["gained"], row=row, field="gained", low=_INT32[0], high=_INT32[1])
        pupils = _whole(record["pupils"], row=row, field="pupils", low=1, high=MAX_CELL_PUPILS)
        key = (subject, phase, start_point, need, gained)
        if key in seen:
            raise BenchmarkError(row, None, None, f"repeats the cell and gain of row {seen[key]}")
        seen[key] = row
        for name, value in zip(BENCHMARK_COLUMNS, (*key, pupils), strict=True):
            columns[name].append(value)
    if not seen:
        raise BenchmarkError(header_row, None, None, "the file has a header but no rows")
    return pl.DataFrame(columns, schema=BENCHMARK_SCHEMA).sort(list(BENCHMARK_COLUMNS[:5]))


def benchmark_csv(table: pl.DataFrame) -> str:
    """A benchmark table as CSV text that :func:`read_benchmark_csv` reads back."""
    require(table, BENCHMARK_COLUMNS, what="benchmark_csv")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BENCHMARK_COLUMNS)
    writer.writerows(table.select(BENCHMARK_COLUMNS).iter_rows())
    return out.getvalue()
