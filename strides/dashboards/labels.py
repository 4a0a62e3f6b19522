"""What the dashboards call groups, year groups and dimensions ("Disadvantaged", "SEN support",
"Year 3", "Girls"), in the order people list them, for every page, chart and export."""

from __future__ import annotations

from typing import Any

from strides.pupils.census_codes import NC_YEAR_LABELS, SenNeed

DIMENSION_LABELS = {
    "disadvantaged": "Disadvantaged",
    "sen": "SEN provision",
    "primary_need": "Primary need",
    "eal": "EAL",
    "sex": "Sex",
    "looked_after": "Looked after",
    "ethnic_group": "Ethnic group",
    "nc_year": "Year group",
    "school_id": "School",
}
# Yes/no dimensions: the "no" side is the mirror image of the "yes" side's gap, so gap tables show
# the "yes" side only ("disadvantaged against all other pupils").
YES_NO_DIMENSIONS = ("disadvantaged", "eal", "looked_after")
VALUE_LABELS = {
    "disadvantaged": {"true": "Disadvantaged", "false": "Not disadvantaged"},
    "eal": {"true": "EAL", "false": "Not EAL"},
    "looked_after": {"true": "Looked after", "false": "Not looked after"},
    "sex": {"F": "Girls", "M": "Boys"},
    "sen": {"N": "No SEN", "K": "SEN support", "E": "EHC plan"},
    "primary_need": {"": "No primary need", **{need.value: need.label for need in SenNeed}},
}
ALL_PUPILS = "All pupils"


def group_label(dimension: str, value: Any) -> str:
    """A group's name as people say it: "Disadvantaged", "SEN support", "Year 3", "Girls"."""
    text = "" if value is None else str(value)
    if dimension == "nc_year":
        try:
            return NC_YEAR_LABELS.get(int(text), text)
        except ValueError:
            return text
    return VALUE_LABELS.get(dimension, {}).get(text, text or "Not recorded")


def value_order(dimension: str, value: Any) -> tuple[int, int, str]:
    """Groups in the order people list them: yes before no, girls before boys, no SEN before SEN
    support before EHC plan, needs in the census order; other values by name; not recorded last."""
    known = list(VALUE_LABELS.get(dimension, {}))
    text = "" if value is None else str(value)
    if value is not None and text in known:
        return (0, known.index(text), "")
    return (1 if value is not None else 2, 0, group_label(dimension, value))


def year_label(nc_year: Any) -> str:
    return group_label("nc_year", nc_year)


def one_decimal(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)
