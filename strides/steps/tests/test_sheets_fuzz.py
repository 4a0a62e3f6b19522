"""Hypothesis tests of the framework spreadsheet reader (strides/steps/sheets.py): whatever bytes or
CSV it is given it raises nothing but SheetError, and rows it writes read back as they were."""

from __future__ import annotations

import csv
import io
import string
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strides.steps.models import Shape
from strides.steps.services.frameworks import StatementRow
from strides.steps.sheets import TEMPLATE_HEADER, SheetError, SheetResult, read_statements, to_csv

SHAPES = st.sampled_from([Shape.LINEAR, Shape.MILESTONES, Shape.MATRIX, Shape.ENGAGEMENT])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_refuse(data: bytes, shape: str) -> SheetResult | None:
    try:
        result = read_statements(data, shape)
    except SheetError as error:
        assert str(error)  # a refusal always says why
        return None
    # every row either became a statement or has an error naming its row and column
    for error in result.errors:
        assert (
            error.row >= 1 and error.column in TEMPLATE_HEADER and str(error).startswith(f"Row {error.row}, ")
        )
    if result.errors:
        assert not result.ok
    return result


@FUZZ
@given(data=st.binary(max_size=2000), shape=SHAPES)
def test_arbitrary_bytes_raise_nothing_but_sheet_error(data, shape):
    read_or_refuse(data, shape)


@FUZZ
@given(data=st.binary(max_size=400), shape=SHAPES)
def test_arbitrary_bytes_after_a_valid_header_raise_nothing_but_sheet_error(data, shape):
    read_or_refuse(",".join(TEMPLATE_HEADER).encode() + b"\n" + data, shape)


cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "1", "2.5", "0", "-1", "NaN", "Infinity", "1e9", "yes", "N", "M1;M2", "step 3", "C1"]
    ),
)


@FUZZ
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=11), max_size=25),
    shape=SHAPES,
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_arbitrary_csv_under_the_template_header_raises_nothing_but_sheet_error(rows, shape, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(rows)
    read_or_refuse(out.getvalue().encode("utf-8"), shape)


word = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
words = (
    st.text(alphabet=string.ascii_letters + string.digits + " ,.;'\"-()", min_size=1, max_size=60)
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)
weights = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2).map(
    lambda d: d.quantize(Decimal("1")) if d == d.to_integral_value() else d.normalize()
)


@st.composite
def framework_rows(draw, shape: str) -> list[StatementRow]:
    areas = draw(st.lists(word.map(str.lower), min_size=1, max_size=3, unique=True))
    rows: list[StatementRow] = []
    codes: dict[str, list[str]] = {}
    for area in areas:
        area_name = draw(st.one_of(st.just(""), words.filter(lambda t: t[0].isalnum())))
        step_names: dict[int, str] = {}
        for code in draw(st.lists(word, min_size=1, max_size=5, unique_by=str.lower)):
            step = None if shape == Shape.MILESTONES else draw(st.integers(min_value=1, max_value=12))
            step_name = (
                "" if step is None else step_names.setdefault(step, draw(st.one_of(st.just(""), words)))
            )
            rows.append(
                StatementRow(
                    row=len(rows) + 2,
                    area=area,
                    area_name=area_name,
                    step=step,
                    step_name=step_name,
                    code=code,
                    text=draw(words),
                    weight=draw(st.one_of(st.just(Decimal("1")), weights)),
                    key=draw(st.booleans()),
                )
            )
            codes.setdefault(area, []).append(code)
    if shape == Shape.MILESTONES:
        everything = [row.code for row in rows]
        for row in rows:
            others = [c for c in codes[row.area] if c.lower() != row.code.lower()]
            row.leads_to = draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []
        assert everything  # every milestone has a code
    return rows


@FUZZ
@given(data=st.data(), shape=st.sampled_from([Shape.LINEAR, Shape.MILESTONES, Shape.MATRIX]))
def test_valid_rows_read_back_as_they_were_written(data, shape):
    rows = data.draw(framework_rows(shape))
    result = read_statements(to_csv(rows).encode("utf-8"), shape)
    assert result.ok, [str(e) for e in result.errors]
    assert result.rows == rows
