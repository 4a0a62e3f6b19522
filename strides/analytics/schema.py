"""The observations frame every measure reads: one row per current judgement (pupil x subject x
drop), with the pupil's characteristics as at the drop's date. Column names and dtypes are fixed
here; ``strides.dashboards.frames.observations`` builds frames of exactly this shape."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

OBSERVATION_SCHEMA: dict[str, pl.DataType] = {
    "pupil_id": pl.Int64(),
    "subject": pl.String(),
    "drop_id": pl.Int64(),
    "drop_date": pl.Date(),
    "academic_year": pl.Int32(),
    "term": pl.String(),
    "school_id": pl.Int64(),
    "nc_year": pl.Int8(),
    "point": pl.Int32(),
    "expected": pl.Int32(),
    "level": pl.String(),
    "framework": pl.String(),
    "sex": pl.String(),
    "disadvantaged": pl.Boolean(),
    "sen": pl.String(),
    "primary_need": pl.String(),
    "eal": pl.Boolean(),
    "looked_after": pl.Boolean(),
    "ethnic_group": pl.String(),
}

# The pupil's characteristics as at a drop's date (they travel with every measure per pupil).
CHARACTERISTIC_COLUMNS: tuple[str, ...] = (
    "sex",
    "disadvantaged",
    "sen",
    "primary_need",
    "eal",
    "looked_after",
    "ethnic_group",
)

# The ways a table can be split into groups of pupils; each is a column of the observations.
GROUP_DIMENSIONS: tuple[str, ...] = (
    "disadvantaged",
    "sen",
    "primary_need",
    "eal",
    "sex",
    "looked_after",
    "ethnic_group",
    "nc_year",
    "school_id",
)

TERMS: tuple[str, ...] = ("autumn", "spring", "summer")
PRIMARY_LAST_NC_YEAR = 6


def phase_of(nc_year: int) -> str:
    """ "primary" for nursery to Year 6 (NC year <= 6), "secondary" from Year 7 on."""
    return "primary" if nc_year <= PRIMARY_LAST_NC_YEAR else "secondary"


def phase_expr(nc_year: pl.Expr) -> pl.Expr:
    """:func:`phase_of` as a Polars expression (null stays null)."""
    return (
        pl.when(nc_year.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(nc_year <= PRIMARY_LAST_NC_YEAR)
        .then(pl.lit("primary"))
        .otherwise(pl.lit("secondary"))
    )


def check_columns(
    frame: pl.DataFrame | pl.LazyFrame, required: Mapping[str, pl.DataType], *, what: str
) -> None:
    """Raise ValueError naming the first missing or mistyped column of ``frame``."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    missing = [name for name in required if name not in schema]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(repr(m) for m in missing)}")
    for name, dtype in required.items():
        if schema[name] != dtype:
            raise ValueError(f"{what}: column {name!r} is {schema[name]}, expected {dtype}")


def validate_observations(frame: pl.DataFrame) -> pl.DataFrame:
    """Check ``frame`` against :data:`OBSERVATION_SCHEMA` (extra columns are allowed) and return it.

    Raises ValueError naming the missing or mistyped column."""
    if not isinstance(frame, pl.DataFrame | pl.LazyFrame):
        raise ValueError(f"observations: expected a Polars DataFrame, got {type(frame).__name__}")
    check_columns(frame, OBSERVATION_SCHEMA, what="observations")
    return frame


def empty_observations() -> pl.DataFrame:
    """An observations frame with no rows (the right columns and dtypes)."""
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)
