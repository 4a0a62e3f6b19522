"""Where a chart's words go: long category names written over lines on their axis (never cut
with "…"), and the names at the ends of a few lines, pushed apart where lines end together.
Used by the chart definitions in ``strides.dashboards.charts``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import altair as alt

# A category name longer than this many characters is written over several lines on its axis
# (never cut with "…"); each line stays within the axis's label limit (AXIS_LABEL_LIMIT px).
WRAP_AT = 30
AXIS_LABEL_LIMIT = 240
LEGEND_LABEL_LIMIT = 560


def wrap(text: str, width: int = WRAP_AT) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words (a word longer
    than the width keeps a line of its own)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [str(text)]


def lookup_expr(names: Mapping[Any, Any], key: str) -> str:
    """A Vega expression looking ``key`` up in ``names`` (a literal object: no eval, the
    interpreter reads it), falling back to the axis's own label."""
    literal = json.dumps({str(k): v for k, v in names.items()}, ensure_ascii=False, separators=(",", ":"))
    return f"{literal}[{key}] || datum.label"


def wrapped_labels(values: Iterable[Any], width: int = WRAP_AT) -> str | None:
    """A ``labelExpr`` that writes each long category name over several lines (an array is a
    multi-line label in Vega), or None when every name fits on one line."""
    long = {str(v): wrap(str(v), width) for v in values if v is not None and len(str(v)) > width}
    return lookup_expr(long, "datum.label") if long else None


def band_step(values: Iterable[Any], least: int) -> int:
    """A band's height: ``least`` px, or room for every line of the longest wrapped name."""
    lines = max((len(wrap(str(v))) for v in values if v is not None), default=1)
    return max(least, 15 * lines + 6)


def category_axis(values: Iterable[Any], **options: Any) -> alt.Axis:
    expr = wrapped_labels(values)
    if expr:
        options["labelExpr"] = expr
    return alt.Axis(labelLimit=AXIS_LABEL_LIMIT, **options)


# A slanted label (a drop on a trend's axis) is wrapped narrower than a category on a side axis.
SLANTED_WRAP_AT = 22


def slanted_axis(values: Iterable[Any]) -> alt.Axis:
    """An x axis of names written at a slant, a long one ("Baseline: The Skelton Moor Centre
    2025/26") over lines rather than cut with "…" (the tooltip and the table name it whole)."""
    options: dict[str, Any] = {"labelAngle": -30, "labelLimit": AXIS_LABEL_LIMIT}
    expr = wrapped_labels(values, SLANTED_WRAP_AT)
    if expr:
        options["labelExpr"] = expr
    return alt.Axis(**options)


def mark_line_ends(rows: list[dict[str, Any]], series: str, *, within: str | None, order: str | None) -> None:
    """Sets ``_end`` to the series name on each line's last point ("" elsewhere): the end label.
    Computed here rather than with a Vega window transform, so the spec stays plain data."""
    last: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r[order]) if order else rows:
        row["_end"] = ""
        last[(row.get(within) if within else None, row.get(series))] = row
    for row in last.values():
        row["_end"] = str(row.get(series))


# Lines are named at their ends only when there are few of them: beyond this a legend of colour,
# point shape and dash names them (end labels of many lines crowd into one another).
MAX_END_LABELS = 6
END_LABEL_GAP = 13  # px between the baselines of two end labels: an 11 px label and a little air


def spread_end_labels(
    rows: list[dict[str, Any]],
    measure: str,
    *,
    within: str | None,
    x: str,
    height: int,
    domain: tuple[float, float],
) -> None:
    """Sets ``_end_y`` on each row (the label's height, in the measure's units): the line's own
    figure, except where lines end together at the same drop near the same figure, whose labels
    are pushed apart to at least :data:`END_LABEL_GAP` px, kept inside the plot, in the lines'
    order from top to bottom. The points themselves never move."""
    low, high = domain
    per_px = (high - low) / height if high > low else 1.0
    gap = END_LABEL_GAP * per_px
    ends: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for row in rows:
        row["_end_y"] = row[measure]
        if row.get("_end"):
            ends.setdefault((row.get(within) if within else None, row.get(x)), []).append(row)
    for together in ends.values():
        together.sort(key=lambda r: (-r[measure], str(r["_end"])))
        places = [together[0][measure]]
        for row in together[1:]:
            places.append(min(row[measure], places[-1] - gap))
        # pushed below the plot: move them up from the bottom, keeping the gaps
        if places[-1] < low:
            places[-1] = low
            for index in range(len(places) - 2, -1, -1):
                places[index] = max(places[index], places[index + 1] + gap)
        for row, place in zip(together, places, strict=True):
            row["_end_y"] = place
