"""Small hand-made observation frames for the tests: give only the columns a test is about."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from strides.analytics.schema import OBSERVATION_SCHEMA

# drop_id -> (academic_year, term, assessed_on): three years of termly drops
DROPS: dict[int, tuple[int, str, dt.date]] = {
    1: (2023, "autumn", dt.date(2023, 12, 1)),
    2: (2023, "spring", dt.date(2024, 3, 20)),
    3: (2023, "summer", dt.date(2024, 7, 1)),
    4: (2024, "autumn", dt.date(2024, 12, 1)),
    5: (2024, "spring", dt.date(2025, 3, 20)),
    6: (2024, "summer", dt.date(2025, 7, 1)),
    7: (2025, "autumn", dt.date(2025, 12, 1)),
    8: (2025, "spring", dt.date(2026, 3, 20)),
    9: (2025, "summer", dt.date(2026, 7, 1)),
}

DEFAULTS: dict[str, Any] = {
    "pupil_id": 1,
    "subject": "maths",
    "drop_id": 1,
    "school_id": 1,
    "nc_year": 3,
    "point": 10,
    "expected": None,
    "level": "Y3 EXS",
    "framework": "nc-bands",
    "sex": "F",
    "disadvantaged": False,
    "sen": "N",
    "primary_need": "",
    "eal": False,
    "looked_after": False,
    "ethnic_group": "White",
}


def observations(*rows: dict[str, Any], **common: Any) -> pl.DataFrame:
    """An observations frame: each row is DEFAULTS, then ``common``, then the row's own values;
    academic_year, term and drop_date follow from drop_id (see DROPS) unless given."""
    records = []
    for row in rows:
        record = {**DEFAULTS, **common, **row}
        year, term, date = DROPS[record["drop_id"]]
        record.setdefault("academic_year", year)
        record.setdefault("term", term)
        record.setdefault("drop_date", date)
        records.append({name: record[name] for name in OBSERVATION_SCHEMA})
    return pl.DataFrame(records, schema=OBSERVATION_SCHEMA)


def rows_of(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    """The frame's rows (these columns only) as tuples, for comparing with a hand-written list."""
    return list(frame.select(columns).iter_rows())
