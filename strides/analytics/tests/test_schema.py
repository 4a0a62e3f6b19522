from __future__ import annotations

import polars as pl
import pytest

from strides.analytics import GROUP_DIMENSIONS, OBSERVATION_SCHEMA, phase_of, validate_observations
from strides.analytics.tests.builders import observations


def test_a_frame_of_the_schema_passes_and_extra_columns_are_allowed():
    frame = observations({"pupil_id": 1}).with_columns(pl.lit("x").alias("note"))
    assert validate_observations(frame) is frame


def test_a_missing_column_is_named():
    frame = observations({"pupil_id": 1}).drop("expected")
    with pytest.raises(ValueError, match=r"missing column.*'expected'"):
        validate_observations(frame)


def test_a_mistyped_column_is_named_with_both_types():
    frame = observations({"pupil_id": 1}).with_columns(pl.col("nc_year").cast(pl.Int64))
    with pytest.raises(ValueError, match="column 'nc_year' is Int64, expected Int8"):
        validate_observations(frame)


def test_something_else_than_a_frame_is_refused():
    with pytest.raises(ValueError, match="expected a Polars DataFrame, got list"):
        validate_observations([])  # type: ignore[arg-type]


def test_phase_comes_from_nc_year():
    assert [phase_of(year) for year in (-2, 0, 6, 7, 11, 13)] == [
        "primary", "primary", "primary", "secondary", "secondary", "secondary",
    ]  # fmt: skip


def test_every_group_dimension_is_a_column():
    assert set(GROUP_DIMENSIONS) <= set(OBSERVATION_SCHEMA)
    assert OBSERVATION_SCHEMA["expected"] == pl.Int32 and OBSERVATION_SCHEMA["nc_year"] == pl.Int8
