"""Chart definitions: Vega-Lite specs built with Altair, one definition for screen and print.

Each function takes the rows a dashboard table shows (a Polars frame or a sequence of dicts) and
returns a Vega-Lite spec (a JSON-ready dict) with its data inline. The page renders it with the
vendored vega-embed (``static/strides/dashboards/charts.js``, CSP-safe: no ``eval``); print
renders it offline with vl-convert (:func:`to_svg`, :func:`to_png`). See docs/adr/0008-charts.md.

Accessibility is built in rather than left to callers: every chart needs a title and a
description (the SVG's accessible name), colours are the Okabe-Ito palette, and nothing is told
by colour alone (series also differ by shape and dash, named in a legend and, when few, at their
ends; bars and heat-map cells carry their figure and n as text; intervals are drawn and
written). Suppressed rows never reach a mark as a number: bars and points leave them out,
heat-map cells say "<6".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import polars as pl
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6 import schema as vega_lite_schema
from django.conf import settings
from django.utils.safestring import SafeString

from strides.dashboards.chart_labels import (
    AXIS_LABEL_LIMIT,
    LEGEND_LABEL_LIMIT,
    MAX_END_LABELS,
    WRAP_AT,
    band_step,
    category_axis,
    lookup_expr,
    mark_line_ends,
    slanted_axis,
    spread_end_labels,
    wrap,
)
from strides.dashboards.charts_style import PALETTE, series_encodings
from strides.dashboards.tables import Table
from strides.small_groups import small_group_threshold

BAR_COLOUR = PALETTE[0]
MUTED = "#6B6B6B"  # 5.3:1 on white: the expected line and suppressed-cell text
SUPPRESSED_FILL = "#EEEEEE"
HEAT_RANGE = ("#F2F7FC", "#5BA3CF")  # #1A1A1A text on either end: 16:1 and 6.3:1
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
VEGA_LITE_VERSION = "6.4"  # what Altair writes and vl-convert renders (see the vendor README)


@dataclass(frozen=True)
class Figure:
    """A chart and the table with its figures, shown side by side (``dashboards/_chart.html``).
    The table's name names the chart too: ``chart-NAME`` in the page, ``table=NAME`` to export."""

    spec: dict[str, Any]
    table: Table
    # its markup by (the page's filters, the words for a suppressed figure): see fragments.py
    html: dict[tuple[str, str], SafeString] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def dom_id(self) -> str:
        return f"chart-{self.table.name}"

    @property
    def spec_id(self) -> str:
        return f"chart-{self.table.name}-spec"

    @property
    def title(self) -> str:
        return str(self.spec["title"])

    @property
    def description(self) -> str:
        return str(self.spec["description"])


def records(table: pl.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ISO strings (Vega parses them), everything else as is."""
    rows = table.to_dicts() if isinstance(table, pl.DataFrame) else [dict(row) for row in table]
    for row in rows:
        for key, value in row.items():
            if isinstance(value, dt.date):
                row[key] = value.isoformat()
    return rows


def _shown(rows: list[dict[str, Any]], measure: str) -> list[dict[str, Any]]:
    """Rows a mark may draw: not suppressed and with a figure."""
    return [row for row in rows if not row.get("suppressed") and row.get(measure) is not None]


def _order(rows: list[dict[str, Any]], field: str) -> list[Any]:
    """The values of a field in first-seen order, so the chart keeps the table's order."""
    seen: dict[Any, None] = {}
    for row in rows:
        seen.setdefault(row.get(field), None)
    return [value for value in seen if value is not None]


def _only(rows: list[dict[str, Any]], *fields: str | None) -> list[dict[str, Any]]:
    """The rows with only the fields a chart draws or tells (the page carries every spec inline:
    a table row's links and ids are the table's business)."""
    keep = [name for name in dict.fromkeys(fields) if name]
    return [{name: row[name] for name in keep if name in row} for row in rows]


def validating() -> bool:
    """Whether each spec is checked against the Vega-Lite JSON schema: in tests and with DEBUG on,
    so a builder that writes a bad spec fails there. Not in production: jsonschema walks every row
    (about half the time of the trust page's charts), and a builder's specs differ from one
    request to the next only in their rows."""
    return settings.DEBUG or getattr(settings, "MODE", "") == "test"


# A chart's rows stay out of Altair, which would copy, convert and validate each of them (most of
# the cost of a chart of hundreds of rows): the chart names this placeholder, and _spec puts the
# rows in its place in the finished spec.
ROWS_PLACEHOLDER = "strides-rows"


def _rows_data() -> alt.Data:
    return alt.Data(name=ROWS_PLACEHOLDER)


def _with_rows(node: Any, rows: list[dict[str, Any]]) -> Any:
    if isinstance(node, dict):
        if node == {"name": ROWS_PLACEHOLDER}:
            return {"values": rows}
        return {key: _with_rows(value, rows) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_rows(value, rows) for value in node]
    return node


@functools.cache
def _vega_lite_schema() -> dict[str, Any]:
    return vega_lite_schema.load_schema()


def _spec(
    chart: alt.TopLevelMixin, *, title: str, description: str, rows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    if not title.strip() or not description.strip():
        raise ValueError("A chart needs a title and a description (its accessible name).")
    spec = chart.properties(title=title, description=description).to_dict(validate=False)
    if rows is not None:
        spec = _with_rows(spec, rows)
    spec["config"] = {
        **spec.get("config", {}),
        "font": FONT,
        "background": "white",
        "range": {"category": list(PALETTE)},
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 220},
        # facet panels are headed by their label (the subject) above the panel, read left to right
        "header": {
            "labelFontSize": 13,
            "labelFontWeight": "bold",
            "labelAngle": 0,
            "labelOrient": "top",
            "labelAnchor": "start",
            "labelPadding": 6,
        },
        # long school names wrap on the axes (wrapped_labels); a legend line takes a whole name
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": LEGEND_LABEL_LIMIT},
        "title": {"fontSize": 15, "anchor": "start"},
        "view": {"stroke": None},
    }
    if validating():
        validate_jsonschema(spec, _vega_lite_schema())
    return spec


def _percent(measure: str) -> bool:
    return measure.startswith("pct")


def _x_scale(measure: str) -> alt.Scale:
    return alt.Scale(domain=[0, 100]) if _percent(measure) else alt.Scale(zero=False, nice=True)


def _figure_text(value: float, measure: str, n: Any = None) -> str:
    """A figure as a chart writes it: '62% (n=45)' or '23.4 (n=45)'."""
    text = f"{value:.0f}%" if _percent(measure) else f"{value:.1f}"
    return f"{text} (n={n})" if n is not None else text


def attainment_bars(
    table: pl.DataFrame | Iterable[Mapping[str, Any]],
    *,
    title: str,
    description: str,
    category: str = "school",
    category_title: str = "School",
    measure: str = "pct_at_expected",
    measure_title: str = "% at or above expected",
    facet: str | None = "subject",
    facet_title: str = "Subject",
    width: int = 420,
    category_names: Mapping[Any, str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars, one per category (school, year group, group), a panel per facet
    (subject); each bar is labelled with its figure and n. Suppressed rows are left out. Long
    category names wrap over lines; ``category_names`` writes a name beside each category's
    value on the axis (a common point's code: "NS12 Year 3 at the expected standard")."""
    rows = _shown(records(table), measure)
    for row in rows:
        # a % at expected is of the pupils who have an expected point (Reception has none)
        behind = row.get("n_with_expected") if measure == "pct_at_expected" else None
        row["_label"] = _figure_text(row[measure], measure, row.get("n") if behind is None else behind)
    categories = _order(rows, category)
    if category_names:
        named = {c: wrap(f"{c} {category_names[c]}" if c in category_names else str(c)) for c in categories}
        axis = alt.Axis(labelLimit=AXIS_LABEL_LIMIT, labelExpr=lookup_expr(named, "datum.label"))
    else:
        axis = category_axis(categories)
    y = alt.Y(f"{category}:N", title=category_title, sort=categories, axis=axis)
    x = alt.X(f"{measure}:Q", title=measure_title, scale=_x_scale(measure))
    tooltip = [alt.Tooltip(f"{category}:N", title=category_title)]
    if facet:
        tooltip.append(alt.Tooltip(f"{facet}:N", title=facet_title))
    tooltip += [alt.Tooltip(f"{measure}:Q", title=measure_title, format=".1f"), alt.Tooltip("n:Q", title="n")]
    base = alt.Chart().encode(y=y, x=x)
    bars = base.mark_bar(color=BAR_COLOUR, height={"band": 0.7}).encode(tooltip=tooltip)
    labels = base.mark_text(align="left", dx=4, fontSize=11, color="#1A1A1A", aria=False)
    labels = labels.encode(text="_label:N")
    step = band_step(
        [f"{c} {category_names.get(c, '')}" for c in categories] if category_names else categories, 24
    )
    layer = alt.layer(bars, labels, data=_rows_data()).properties(width=width, height=alt.Step(step))
    if facet:
        chart = layer.facet(row=alt.Row(f"{facet}:N", title=None, sort=_order(rows, facet)))
        chart = chart.resolve_scale(y="independent")
    else:
        chart = layer
    rows = _only(rows, category, facet, measure, "n", "_label")
    return _spec(chart, title=title, description=description, rows=rows)


def _series_encodings(series: str, series_title: str, names: list[Any]) -> dict[str, Any]:
    return series_encodings(
        series, series_title, names, long_names=any(len(str(name)) > WRAP_AT for name in names)
    )


def trend_lines(
    table: pl.DataFrame | Iterable[Mapping[str, Any]],
    *,
    title: str,
    description: str,
    x: str = "drop",
    x_title: str = "Data drop",
    series: str = "school",
    series_title: str = "School",
    measure: str = "pct_at_expected",
    measure_title: str = "% at or above expected",
    facet: str | None = "subject",
    facet_title: str = "Subject",
    width: int = 520,
    height: int = 220,
) -> dict[str, Any]:
    """A line per series across drops (x in the table's order), a panel per facet. Colour, point
    shape and dash follow the series, named in the legend; up to :data:`MAX_END_LABELS` lines also
    end in their name, labels of lines that end together pushed apart so none covers another.
    Suppressed points are left out, so a line breaks there rather than invent one."""
    rows = _shown(records(table), measure)
    names = _order(rows, series)  # every series is drawn (charts_style: any number)
    encodings = _series_encodings(series, series_title, names)
    base = alt.Chart().encode(
        x=alt.X(f"{x}:O", title=x_title, sort=_order(rows, x), axis=slanted_axis(_order(rows, x))),
        y=alt.Y(f"{measure}:Q", title=measure_title, scale=_x_scale(measure)),
    )
    tooltip = [alt.Tooltip(f"{series}:N", title=series_title), alt.Tooltip(f"{x}:O", title=x_title)]
    if facet:
        tooltip.append(alt.Tooltip(f"{facet}:N", title=facet_title))
    tooltip += [alt.Tooltip(f"{measure}:Q", title=measure_title, format=".1f"), alt.Tooltip("n:Q", title="n")]
    lines = base.mark_line(strokeWidth=2).encode(color=encodings["color"], strokeDash=encodings["strokeDash"])
    points = base.mark_point(filled=True, size=60, opacity=1).encode(
        color=encodings["color"], shape=encodings["shape"], tooltip=tooltip
    )
    layers = [lines, points]
    if len(names) <= MAX_END_LABELS:
        mark_line_ends(rows, series, within=facet, order=None)
        values = [row[measure] for row in rows]
        domain = (0.0, 100.0) if _percent(measure) else (min(values, default=0.0), max(values, default=1.0))
        spread_end_labels(rows, measure, within=facet, x=x, height=height, domain=domain)
        ends = base.mark_text(align="left", dx=8, baseline="middle", fontSize=11, color="#1A1A1A", aria=False)
        label_y = alt.Y("_end_y:Q", title=measure_title, scale=_x_scale(measure))  # the lines' scale
        layers.append(ends.encode(y=label_y, text="_end:N"))
    layer = alt.layer(*layers, data=_rows_data()).properties(width=width, height=height)
    chart = layer.facet(row=alt.Row(f"{facet}:N", title=None, sort=_order(rows, facet))) if facet else layer
    rows = _only(rows, x, series, facet, measure, "n", "_end", "_end_y")
    return _spec(chart, title=title, description=description, rows=rows)


def heatmap(
    table: pl.DataFrame | Iterable[Mapping[str, Any]],
    *,
    title: str,
    description: str,
    row: str = "school",
    row_title: str = "School",
    column: str = "group",
    column_title: str = "Group",
    measure: str = "pct_at_expected",
    measure_title: str = "% at or above expected",
    column_order: Iterable[str] | None = None,
    threshold: int | None = None,
) -> dict[str, Any]:
    """Rows x columns cells shaded by the measure, each with its figure and the pupils behind it
    written in it ("71%" over "n=12", so a cell of one pupil never passes for a school's figure);
    a suppressed cell is pale grey and says "<6" (fewer than the threshold), never a number.
    Columns come in ``column_order`` when given, else in the order the rows first name them."""
    rows = records(table)
    with_expected = measure == "pct_at_expected" and any("n_with_expected" in item for item in rows)
    threshold = threshold or small_group_threshold()
    for item in rows:
        suppressed = bool(item.get("suppressed")) or item.get(measure) is None
        item["_suppressed"] = suppressed
        if suppressed:
            item["_label"] = f"<{threshold}" if item.get("suppressed") else "–"
            item[measure] = None
            if item.get("suppressed"):
                item["n"] = None  # the tooltip must not tell what the cell hides
                item["n_with_expected"] = None
        else:
            # a % at expected is of the pupils who have an expected point (Reception has none)
            behind = item.get("n_with_expected") if with_expected else None
            behind = item.get("n") if behind is None else behind
            figure = _figure_text(item[measure], measure)
            item["_label"] = figure if behind is None else f"{figure}\nn={behind}"
    values = [item[measure] for item in rows if item[measure] is not None]
    if _percent(measure):
        domain = [0, 100]
    else:
        domain = [min(values, default=0), max(values, default=1)]
        if domain[0] == domain[1]:
            domain[1] = domain[0] + 1
    # From near white to a mid blue, so the figure written in every cell keeps at least 6:1 contrast
    # with dark text; a darker end would need white text on some cells and fail 4.5:1 in between.
    scale = alt.Scale(domain=domain, range=list(HEAT_RANGE))
    base = alt.Chart().encode(
        x=alt.X(
            f"{column}:N",
            title=column_title,
            sort=list(column_order) if column_order is not None else _order(rows, column),
            axis=alt.Axis(labelAngle=-30),
        ),
        y=alt.Y(f"{row}:N", title=row_title, sort=_order(rows, row), axis=category_axis(_order(rows, row))),
    )
    tooltip = [
        alt.Tooltip(f"{row}:N", title=row_title),
        alt.Tooltip(f"{column}:N", title=column_title),
        alt.Tooltip(f"{measure}:Q", title=measure_title, format=".1f"),
        alt.Tooltip("n:Q", title="Pupils (n)"),
    ]
    if with_expected:
        tooltip.append(alt.Tooltip("n_with_expected:Q", title="Pupils with an expected point (n)"))
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition(
            "datum._suppressed",
            alt.value(SUPPRESSED_FILL),
            alt.Color(f"{measure}:Q", title=measure_title, scale=scale, legend=alt.Legend(orient="right")),
        ),
        tooltip=tooltip,
    )
    labels = base.mark_text(fontSize=11, lineHeight=13, lineBreak="\n", color="#1A1A1A", aria=False)
    labels = labels.encode(text="_label:N")
    # two lines of text in each cell: the figure, and the pupils behind it
    height = band_step(_order(rows, row), 40)
    chart = alt.layer(cells, labels, data=_rows_data()).properties(
        width=alt.Step(72), height=alt.Step(height)
    )
    rows = _only(rows, row, column, measure, "n", "n_with_expected", "_label", "_suppressed")
    return _spec(chart, title=title, description=description, rows=rows)


def gap_chart(
    table: pl.DataFrame | Iterable[Mapping[str, Any]],
    *,
    title: str,
    description: str,
    group: str = "group",
    group_title: str = "Group",
    gap: str = "gap",
    low: str = "ci_low",
    high: str = "ci_high",
    gap_title: str = "Gap to all other pupils (percentage points)",
    facet: str | None = "subject",
    facet_title: str = "Subject",
    width: int = 420,
) -> dict[str, Any]:
    """Each group's gap to all other pupils as a point with its 95% interval (a line), a zero
    line for "no gap", and the figures written beside: '-8.2 (-15.0 to -1.4)'."""
    rows = _shown(records(table), gap)
    for item in rows:
        if item.get(low) is None or item.get(high) is None:
            item["_interval"] = "no interval (too few pupils)"
        else:
            item["_interval"] = f"{item[low]:+.1f} to {item[high]:+.1f}"
        # every figure with the pupils behind it: the group's n, and the others' where compared
        counts = f"n={item['n']}" if item.get("n") is not None else ""
        if counts and item.get("n_other") is not None:
            counts += f" against {item['n_other']}"
        item["_label"] = f"{item[gap]:+.1f} ({item['_interval']})" + (f", {counts}" if counts else "")
    groups = _order(rows, group)
    y = alt.Y(f"{group}:N", title=group_title, sort=groups, axis=category_axis(groups))
    tooltip = [alt.Tooltip(f"{group}:N", title=group_title)]
    if facet:
        tooltip.append(alt.Tooltip(f"{facet}:N", title=facet_title))
    tooltip += [
        alt.Tooltip(f"{gap}:Q", title=gap_title, format="+.1f"),
        alt.Tooltip("_interval:N", title="95% interval"),
        alt.Tooltip("n:Q", title="n"),
    ]
    base = alt.Chart().encode(y=y)
    zero = alt.Chart().mark_rule(color=MUTED, strokeDash=[4, 4], aria=False).encode(x=alt.datum(0))
    interval = base.mark_rule(color=BAR_COLOUR, strokeWidth=2).encode(
        x=alt.X(f"{low}:Q", title=gap_title), x2=f"{high}:Q"
    )
    point = base.mark_point(filled=True, size=70, opacity=1, color=BAR_COLOUR, shape="diamond").encode(
        x=alt.X(f"{gap}:Q", title=gap_title), tooltip=tooltip
    )
    labels = base.mark_text(align="left", fontSize=11, color="#1A1A1A", x="width", dx=6, aria=False).encode(
        text="_label:N"
    )
    layer = alt.layer(zero, interval, point, labels, data=_rows_data()).properties(
        width=width, height=alt.Step(band_step(groups, 26))
    )
    if facet:
        chart = layer.facet(row=alt.Row(f"{facet}:N", title=None, sort=_order(rows, facet)))
        chart = chart.resolve_scale(y="independent")
    else:
        chart = layer
    rows = _only(rows, group, facet, gap, low, high, "n", "_interval", "_label")
    return _spec(chart, title=title, description=description, rows=rows)


def timeline(
    table: pl.DataFrame | Iterable[Mapping[str, Any]],
    *,
    title: str,
    description: str,
    x: str = "drop_date",
    x_title: str = "Data drop date",
    series: str = "subject",
    series_title: str = "Subject",
    point: str = "point",
    point_title: str = "Common point",
    expected: str | None = "expected",
    label: str | None = "level",
    point_names: Mapping[int, str] | None = None,
    width: int = 560,
    height: int = 260,
) -> dict[str, Any]:
    """A pupil's common points per subject across drops (dates on a time axis, so uneven gaps
    look uneven), with the expected point for their age as a grey dashed line. Each line and
    the expected line are named at their ends, labels that would touch pushed apart (never
    over one another). ``point_names`` (value -> "NS12 Year 3 at the expected standard") names
    the points on the axis, one tick per whole point."""
    rows = [row for row in records(table) if row.get(point) is not None]
    names = _order(rows, series)  # every series is drawn (charts_style: any number)
    encodings = _series_encodings(series, series_title, names)
    x_encoding = alt.X(f"{x}:T", title=x_title, axis=alt.Axis(format="%b %Y", labelAngle=-30))
    values = [row[point] for row in rows] + [
        row[expected] for row in rows if expected and row.get(expected) is not None
    ]
    low, high = (min(values, default=0), max(values, default=1))
    axis = alt.Axis(tickMinStep=1, format="d")
    if point_names:
        shown = {v: point_names[v] for v in range(int(low) - 1, int(high) + 2) if v in point_names}
        axis = alt.Axis(
            tickMinStep=1,
            format="d",
            labelLimit=AXIS_LABEL_LIMIT,
            labelExpr=lookup_expr(shown, "datum.value"),
            # the title sits above the named labels, level with the axis, rather than beside them
            titleAngle=0,
            titleAlign="right",
            titleBaseline="bottom",
            titleX=0,
            titleY=-10,
        )
    y_scale = alt.Scale(zero=False, nice=True)
    y_encoding = alt.Y(f"{point}:Q", title=point_title, scale=y_scale, axis=axis)
    tooltip = [
        alt.Tooltip(f"{series}:N", title=series_title),
        alt.Tooltip(f"{x}:T", title=x_title, format="%d/%m/%Y"),
        alt.Tooltip(f"{point}:Q", title=point_title),
    ]
    if label:
        tooltip.append(alt.Tooltip(f"{label}:N", title="Level entered"))
    base = alt.Chart().encode(x=x_encoding, y=y_encoding)
    layers: list[alt.Chart] = []
    mark_line_ends(rows, series, within=None, order=x)
    ends = [{x: row[x], "_end": row["_end"], "_value": row[point]} for row in rows if row["_end"]]
    if expected and any(row.get(expected) is not None for row in rows):
        expected_rows: dict[Any, dict[str, Any]] = {}
        for row in rows:
            if row.get(expected) is not None:
                expected_rows.setdefault(row[x], {x: row[x], "expected": row[expected]})
        layers.append(
            alt.Chart(alt.Data(values=sorted(expected_rows.values(), key=lambda r: r[x])))
            .mark_line(color=MUTED, strokeDash=[5, 4], strokeWidth=1.5)
            .encode(x=x_encoding, y=alt.Y("expected:Q", title=point_title, scale=y_scale, axis=axis))
        )
        last = max(expected_rows.values(), key=lambda r: r[x])
        ends.append({x: last[x], "_end": "expected", "_value": last["expected"], "_muted": True})
    # labels of lines ending together near one point are pushed apart (the points never move)
    spread_end_labels(ends, "_value", within=None, x=x, height=height, domain=(float(low), float(high)))
    label_y = alt.Y("_end_y:Q", title=point_title, scale=y_scale, axis=axis)
    end_labels = (
        alt.Chart(alt.Data(values=ends))
        .mark_text(align="left", dx=8, baseline="middle", fontSize=11, aria=False)
        .encode(
            x=x_encoding,
            y=label_y,
            text="_end:N",
            color=alt.condition("datum._muted", alt.value(MUTED), alt.value("#1A1A1A")),
        )
    )
    lines = base.mark_line(strokeWidth=2).encode(color=encodings["color"], strokeDash=encodings["strokeDash"])
    points = base.mark_point(filled=True, size=60, opacity=1).encode(
        color=encodings["color"], shape=encodings["shape"], tooltip=tooltip
    )
    main = alt.layer(lines, points, data=_rows_data())
    chart = alt.layer(*layers, main, end_labels)
    chart = chart.properties(width=width, height=height)
    rows = _only(rows, x, series, point, label)
    return _spec(chart, title=title, description=description, rows=rows)


def to_svg(spec: Mapping[str, Any]) -> str:
    """The chart as SVG text, rendered offline by vl-convert (for PDF reports): no browser, and
    no data fetched from anywhere (the spec's data is inline)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(
        dict(spec), vl_version=VEGA_LITE_VERSION, allowed_base_urls=[], format_locale="en-GB",
        time_format_locale="en-GB",
    )  # fmt: skip


def to_png(spec: Mapping[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (scale 2 for print sharpness), for places that take only bitmaps."""
    import vl_convert

    return vl_convert.vegalite_to_png(
        dict(spec), vl_version=VEGA_LITE_VERSION, scale=scale, allowed_base_urls=[], format_locale="en-GB",
        time_format_locale="en-GB",
    )  # fmt: skip
