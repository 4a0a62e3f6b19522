"""read_benchmark_csv on anything: it returns a benchmark table or raises BenchmarkError naming
where the fault is; never another exception."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.analytics import BENCHMARK_SCHEMA, BenchmarkError, benchmark_csv, read_benchmark_csv

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = "subject,phase,start_point,primary_need,gained,pupils"

cell = st.one_of(
    st.sampled_from(["maths", "Reading", "primary", "secondary", "SLCN", "*", "", "10", "-2", "0", "1.5",
                     "9" * 15, " 7 ", '"a,b"', '"', "é", "\u0663", "+3", "NaN", "\t", "\r"]),
    st.text(max_size=8),
)  # fmt: skip


def check(data: bytes | str) -> None:
    try:
        table = read_benchmark_csv(data)
    except BenchmarkError as error:
        assert error.message
        text = str(error)
        if error.row is not None:
            assert f"row {error.row}" in text and error.row >= 1
        if error.field is not None:
            assert repr(error.field) in text
        return
    assert table.schema == pl.Schema(BENCHMARK_SCHEMA)
    assert table.height >= 1 and (table["pupils"] >= 1).all()
    assert set(table["phase"].unique().to_list()) <= {"primary", "secondary"}
    assert table.select(["subject", "phase", "start_point", "primary_need", "gained"]).is_unique().all()
    # what was read writes back and reads the same
    assert read_benchmark_csv(benchmark_csv(table)).equals(table)


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes(data):
    check(data)
    check(HEADER.encode() + b"\n" + data)


@FUZZ
@given(st.text(max_size=300))
def test_any_text(text):
    check(text)
    check(HEADER + "\n" + text)


@FUZZ
@given(
    st.permutations(HEADER.split(",")),
    st.lists(st.lists(cell, min_size=5, max_size=7), max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_rows_of_plausible_cells(header, rows, newline):
    lines = [",".join(header), *(",".join(r) for r in rows)]
    check(newline.join(lines) + newline)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["maths", "reading", "writing"]),
            st.sampled_from(["primary", "secondary"]),
            st.integers(0, 40),
            st.sampled_from(["", "*", "SLCN", "ASD"]),
            st.integers(-10, 10),
            st.integers(1, 500),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda r: r[:5],
    )
)
def test_well_formed_files_are_read_exactly(rows):
    text = HEADER + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"
    table = read_benchmark_csv(text.encode())
    assert sorted(table.iter_rows()) == sorted(rows)


def test_the_error_message_shortens_a_long_value():
    text = HEADER + "\nmaths,primary,3,," + "9" * 200 + ",1\n"
    try:
        read_benchmark_csv(text)
    except BenchmarkError as error:
        assert error.value == "9" * 200 and "..." in str(error) and len(str(error)) < 200
    else:
        raise AssertionError("a 200-digit gain was read")
