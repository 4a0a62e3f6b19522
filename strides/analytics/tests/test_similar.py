"""Similar-learner percentiles and the benchmark table, worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from strides.analytics import (
    BENCHMARK_SCHEMA,
    BenchmarkError,
    benchmark_csv,
    benchmark_table,
    percentiles,
    percentiles_lazy,
    read_benchmark_csv,
)
from strides.analytics.similar import MATCHED_ON_NEED, MATCHED_ON_PHASE
from strides.analytics.tests.builders import rows_of


def pupils(*rows: dict) -> pl.DataFrame:
    """Progress rows with only what percentiles look at (and a pupil id to tell them apart)."""
    defaults = {"subject": "maths", "phase": "primary", "start_point": 10, "primary_need": "", "gained": 0}
    return pl.DataFrame(
        [{"pupil_id": i + 1, **defaults, **row} for i, row in enumerate(rows)],
        schema={"pupil_id": pl.Int64, "subject": pl.String, "phase": pl.String, "start_point": pl.Int32,
                "primary_need": pl.String, "gained": pl.Int32},
    )  # fmt: skip


def gains(counts: dict[int, int], **row) -> list[dict]:
    return [{"gained": gained, **row} for gained, count in counts.items() for _ in range(count)]


def test_benchmark_table_counts_each_pupil_in_their_need_and_in_any_need():
    pool = pupils(
        *gains({0: 2, 1: 1}), *gains({1: 1}, primary_need="SLCN"), {"subject": "reading", "gained": 2}
    )
    table = benchmark_table(pool)
    assert table.schema == pl.Schema(BENCHMARK_SCHEMA)
    # maths start 10: no need gained 0 twice and 1 once; SLCN gained 1 once; any need: 0 x 2, 1 x 2
    assert rows_of(table, "subject", "primary_need", "gained", "pupils") == [
        ("maths", "", 0, 2),
        ("maths", "", 1, 1),
        ("maths", "*", 0, 2),
        ("maths", "*", 1, 2),
        ("maths", "SLCN", 1, 1),
        ("reading", "", 2, 1),
        ("reading", "*", 2, 1),
    ]


def test_percentiles_take_the_mid_rank_of_ties():
    # a cell of 10: gained 0 x 2, 1 x 3, 2 x 4, 3 x 1
    benchmark = benchmark_table(pupils(*gains({0: 2, 1: 3, 2: 4, 3: 1})))
    rows = pupils(*({"gained": g} for g in (1, 0, 3, 2, 5, -1)))
    table = percentiles(rows, benchmark)
    assert table["percentile"].to_list() == pytest.approx([
        35.0,  # gained 1: 100 x (2 below + 3 equal / 2) / 10 = 100 x 3.5 / 10
        10.0,  # gained 0: 100 x (0 + 2 / 2) / 10
        95.0,  # gained 3: 100 x (9 + 1 / 2) / 10
        70.0,  # gained 2: 100 x (5 + 4 / 2) / 10
        100.0,  # gained 5, more than anyone in the cell: 100 x (10 + 0) / 10
        0.0,  # gained -1, less than anyone: 100 x (0 + 0) / 10
    ])  # fmt: skip
    assert table["pupil_id"].to_list() == [1, 2, 3, 4, 5, 6], "rows keep their order"
    # 10 pupils with no need is below min_cell = 30: compared with the any-need cell (also 10)
    assert set(rows_of(table, "compared_with", "matched_on")) == {(10, MATCHED_ON_PHASE)}


def need_pool() -> pl.DataFrame:
    # start point 10, primary maths: 30 SLCN pupils (15 gained 1, 15 gained 3) and 29 SEMH pupils
    # who all gained 0; any need: 59 = 29 x 0, 15 x 1, 15 x 3
    return benchmark_table(
        pupils(*gains({1: 15, 3: 15}, primary_need="SLCN"), *gains({0: 29}, primary_need="SEMH"))
    )


def test_the_need_specific_cell_is_used_from_min_cell_pupils_on():
    rows = pupils(
        {"primary_need": "SLCN", "gained": 1},
        {"primary_need": "SEMH", "gained": 1},
        {"primary_need": "HI", "gained": 1},
    )
    table = percentiles(rows, need_pool(), min_cell=30)
    assert rows_of(table, "compared_with", "matched_on") == [
        (30, MATCHED_ON_NEED),  # SLCN: 30 pupils, enough
        (59, MATCHED_ON_PHASE),  # SEMH: 29 pupils, one short: any need
        (59, MATCHED_ON_PHASE),  # HI: no cell of its own
    ]
    assert table["percentile"].to_list() == pytest.approx([
        25.0,  # SLCN: 100 x (0 below + 15 equal / 2) / 30 = 750 / 30
        100 * (29 + 7.5) / 59,  # any need: 29 gained 0 below, 15 gained 1 equal: 3650 / 59 = 61.86
        100 * (29 + 7.5) / 59,
    ])  # fmt: skip
    # with min_cell = 29 the SEMH cell is big enough: all 29 gained less than 1
    semh = percentiles(rows, need_pool(), min_cell=29).row(1, named=True)
    assert (semh["percentile"], semh["compared_with"], semh["matched_on"]) == (100.0, 29, MATCHED_ON_NEED)


def test_no_cell_to_compare_with_gives_no_percentile():
    rows = pupils({"start_point": 12}, {"phase": "secondary"}, {"subject": "reading"})
    table = percentiles(rows, need_pool())
    assert rows_of(table, "percentile", "compared_with", "matched_on") == [(None, None, None)] * 3
    with pytest.raises(ValueError, match="min_cell must be"):
        percentiles(rows, need_pool(), min_cell=0)
    with pytest.raises(ValueError, match=r"missing column.*'gained'"):
        percentiles(rows.drop("gained"), need_pool())


def test_the_lazy_form_gives_the_same_percentiles():
    rows = pupils(
        *({"primary_need": need, "gained": g} for need in ("SLCN", "SEMH", "") for g in (0, 1, 2, 3))
    )
    eager = percentiles(rows, need_pool())
    lazy = percentiles_lazy(rows.lazy(), need_pool().lazy()).collect().sort("pupil_id")
    assert lazy.equals(eager)


# --- the benchmark CSV --------------------------------------------------------------------------

GOOD = """subject,phase,start_point,primary_need,gained,pupils
maths,primary,10,,1,12
Maths,Primary,10,*,1,40
maths,primary,10,slcn,-1,3
"""


def test_a_good_csv_reads_into_the_benchmark_shape():
    table = read_benchmark_csv(GOOD.encode())
    assert table.schema == pl.Schema(BENCHMARK_SCHEMA)
    # subjects and phases in lower case, need codes in upper case, empty = no identified need
    assert rows_of(table, *BENCHMARK_SCHEMA) == [
        ("maths", "primary", 10, "", 1, 12),
        ("maths", "primary", 10, "*", 1, 40),
        ("maths", "primary", 10, "SLCN", -1, 3),
    ]


def test_a_table_written_as_csv_reads_back_the_same():
    table = need_pool()
    assert read_benchmark_csv(benchmark_csv(table)).equals(table)
    assert read_benchmark_csv("\ufeff" + benchmark_csv(table)).equals(table), "a byte-order mark is fine"


@pytest.mark.parametrize(
    ("text", "row", "field", "value", "message"),
    [
        ("", None, None, None, "empty"),
        ("subject,phase,start_point,primary_need,gained\n", 1, "pupils", None, "missing column"),
        ("subject,phase,start_point,primary_need,gained,pupils,notes\n", 1, "notes", "notes",
         "not a benchmark column"),
        ("subject,phase,phase,start_point,primary_need,gained,pupils\n", 1, "phase", "phase", "named twice"),
        ("subject,phase,start_point,primary_need,gained,pupils\n", 1, None, None, "no rows"),
        ("subject,phase,start_point,primary_need,gained,pupils\nmaths,infant,3,,1,2\n", 2, "phase", "infant",
         "primary or secondary"),
        ("subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,,1.5,2\n", 2, "gained", "1.5",
         "whole number"),
        ("subject,phase,start_point,primary_need,gained,pupils\n\nmaths,primary,-3,,1,2\n", 3, "start_point",
         "-3", "between 0"),
        ("subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,,1,0\n", 2, "pupils", "0",
         "between 1"),
        ("subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,S L,1,2\n", 2, "primary_need",
         "S L", "census need code"),
        ("subject,phase,start_point,primary_need,gained,pupils\n,primary,3,,1,2\n", 2, "subject", "",
         "subject code"),
        ("subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,,1\n", 2, None, None,
         "has 5 fields, the header has 6"),
        ("subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,,1,2\nMATHS,primary,3,,1,5\n",
         3, None, None, "repeats the cell and gain of row 2"),
        ('subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,,1,"2\n', 2, None, None,
         "not readable as CSV"),
    ],
)  # fmt: skip
def test_a_bad_csv_names_the_row_field_and_value(text, row, field, value, message):
    with pytest.raises(BenchmarkError) as caught:
        read_benchmark_csv(text.encode())
    error = caught.value
    assert (error.row, error.field, error.value) == (row, field, value)
    assert message in error.message
    assert message in str(error) and (row is None or f"row {row}" in str(error))


def test_bytes_that_are_not_utf8_are_refused_on_their_line():
    data = (
        b"subject,phase,start_point,primary_need,gained,pupils\nmaths,primary,3,,1,2\nmaths,caf\xe9,3,,1,2\n"
    )
    with pytest.raises(BenchmarkError, match="row 3, value 'e9': is not UTF-8"):
        read_benchmark_csv(data)
    with pytest.raises(BenchmarkError, match="NUL"):
        read_benchmark_csv(b"subject,phase\x00\n")


def test_invented_national_progress_streams_through_the_lazy_forms():
    from strides.analytics import benchmark_table_lazy
    from strides.analytics.synthetic import synthetic_progress_lazy

    rows = synthetic_progress_lazy(5_000, seed=3)
    benchmark = benchmark_table_lazy(rows).collect(engine="streaming")
    # every pupil counts once in their need's cell and once in the any-need cell
    assert benchmark["pupils"].sum() == 2 * 5_000
    streamed = percentiles_lazy(rows, benchmark.lazy()).collect(engine="streaming").sort("pupil_id")
    in_memory = percentiles(rows.collect(), benchmark)
    assert streamed.equals(in_memory)
    assert streamed["percentile"].null_count() == 0, "every pupil of the pool has a cell"
    assert streamed["percentile"].is_between(0, 100).all()
