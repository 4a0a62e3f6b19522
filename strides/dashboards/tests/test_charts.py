"""Chart specs (Altair -> Vega-Lite), their offline rendering (vl-convert) and the dashboard tables
with their XLSX export. No database: charts and tables are built from plain rows."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json

import polars as pl
import pytest
from openpyxl import load_workbook

from strides.dashboards import chart_labels, charts
from strides.dashboards.exports import ExportError, requested_table, workbook_bytes
from strides.dashboards.tables import COUNT, PERCENT, SIGNED, Column, Table

ATTAINMENT = [
    {"school": "North", "subject": "Maths", "pct_at_expected": 62.5, "n": 40, "suppressed": False},
    {"school": "River", "subject": "Maths", "pct_at_expected": None, "n": None, "suppressed": True},
    {"school": "North", "subject": "Reading", "pct_at_expected": 70.0, "n": 40, "suppressed": False},
    {"school": "River", "subject": "Reading", "pct_at_expected": 55.0, "n": 12, "suppressed": False},
]
DISADVANTAGED_GAP = {
    "group": "Disadvantaged", "subject": "Maths", "gap": -8.2, "ci_low": -15.0, "ci_high": -1.4, "n": 30
}  # fmt: skip


def _values(spec: dict) -> list[dict]:
    """The inline rows of a spec (top level or first layer)."""
    if "data" in spec:
        return spec["data"]["values"]
    for key in ("layer", "spec"):
        if key in spec:
            inner = spec[key] if isinstance(spec[key], dict) else spec[key][0]
            return _values(inner)
    raise AssertionError("no inline data")


def _all_specs() -> dict[str, dict]:
    trend_rows = [
        {"school": s, "subject": "Maths", "drop": d, "pct_at_expected": v, "n": 20}
        for s in ("North", "River")
        for d, v in (("Autumn 2024", 50.0), ("Spring 2025", 55.0), ("Summer 2025", 61.0))
    ]
    return {
        "bars": charts.attainment_bars(ATTAINMENT, title="Attainment by school", description="Bars."),
        "trend": charts.trend_lines(trend_rows, title="Trend", description="Lines."),
        "heat": charts.heatmap(
            [
                {"school": "North", "group": "Disadvantaged", "pct_at_expected": 40.0, "n": 10},
                {"school": "North", "group": "EAL", "pct_at_expected": None, "n": None, "suppressed": True},
            ],
            title="Heat map",
            description="Cells.",
        ),
        "gap": charts.gap_chart(
            [DISADVANTAGED_GAP],
            title="Gaps",
            description="Gaps with intervals.",
        ),
        "timeline": charts.timeline(
            pl.DataFrame(
                {
                    "subject": ["maths", "maths", "reading"],
                    "drop_date": [dt.date(2024, 12, 20), dt.date(2025, 3, 20), dt.date(2025, 3, 20)],
                    "point": [8, 9, 9],
                    "expected": [8, 8, 8],
                    "level": ["Y2 WTS", "Y2 EXS", "Y2 EXS"],
                }
            ),
            title="Ava's timeline",
            description="Points per subject.",
        ),
    }


def test_every_chart_is_vega_lite_with_its_title_description_and_palette():
    for name, spec in _all_specs().items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6"), name
        assert spec["title"] and spec["description"], name
        assert spec["config"]["range"]["category"] == list(charts.PALETTE), name
        json.dumps(spec)  # JSON-ready: dates are strings, no polars or numpy values


def test_a_chart_without_a_title_or_description_is_refused():
    with pytest.raises(ValueError, match="title and a description"):
        charts.attainment_bars(ATTAINMENT, title="Attainment", description=" ")


def test_bars_leave_suppressed_rows_out_and_label_each_bar_with_figure_and_n():
    spec = charts.attainment_bars(ATTAINMENT, title="Attainment", description="Bars.")
    rows = _values(spec)
    assert [(r["school"], r["subject"]) for r in rows] == [
        ("North", "Maths"),
        ("North", "Reading"),
        ("River", "Reading"),
    ]
    assert [r["_label"] for r in rows] == ["62% (n=40)", "70% (n=40)", "55% (n=12)"]
    # the panel per subject, schools in the table's order
    assert spec["facet"]["row"]["field"] == "subject"


def test_heat_map_says_suppressed_in_words_and_keeps_no_figure_of_it():
    rows = [
        {"school": "North", "group": "EAL", "pct_at_expected": 33.3, "n": 3, "suppressed": True},
        {"school": "North", "group": "Girls", "pct_at_expected": 71.4, "n": 7, "suppressed": False},
    ]
    spec = charts.heatmap(rows, title="Heat", description="Cells.")
    hidden, shown = _values(spec)
    assert hidden["_label"] == "<6"
    assert hidden["pct_at_expected"] is None and hidden["n"] is None
    assert "33.3" not in json.dumps(spec)
    assert shown["_label"] == "71%\nn=7"


def test_heat_map_cells_write_the_pupils_behind_each_figure_and_say_them_in_the_tooltip():
    """A cell of one pupil must not read as a school-wide "100%": its n is written in the cell
    (second line) and given in the tooltip; a % at expected is of the pupils with an expected point."""
    rows = [
        {"school": "North", "group": "Looked after", "pct_at_expected": 100.0, "n": 1, "n_with_expected": 1},
        {"school": "North", "group": "All pupils", "pct_at_expected": 71.4, "n": 14, "n_with_expected": 12},
    ]
    spec = charts.heatmap(rows, title="Heat", description="Cells.")
    assert [r["_label"] for r in _values(spec)] == ["100%\nn=1", "71%\nn=12"]
    cells, text = spec["layer"]
    assert text["mark"]["lineBreak"] == "\n"
    tooltip = {t["title"]: t["field"] for t in cells["encoding"]["tooltip"]}
    assert tooltip["Pupils (n)"] == "n"
    assert tooltip["Pupils with an expected point (n)"] == "n_with_expected"


def test_series_differ_by_shape_and_dash_as_well_as_colour_and_end_in_their_name():
    spec = _all_specs()["trend"]
    points = spec["spec"]["layer"][1]["encoding"]
    lines = spec["spec"]["layer"][0]["encoding"]
    assert points["shape"]["field"] == points["color"]["field"] == "school"
    assert lines["strokeDash"]["field"] == "school"
    ends = [r for r in _values(spec) if r["_end"]]
    assert [(r["school"], r["drop"]) for r in ends] == [("North", "Summer 2025"), ("River", "Summer 2025")]


def _trend(series: int, values: tuple[float, ...]) -> dict:
    rows = [
        {"year": f"Year {s}", "drop": d, "pct_at_expected": v, "n": 20}
        for s in range(1, series + 1)
        for d, v in zip(("Autumn 2025/26", "Spring 2025/26"), values, strict=True)
    ]
    return charts.trend_lines(
        rows, series="year", series_title="Year group", facet=None, title="T", description="D."
    )


def test_end_labels_of_lines_that_end_together_are_moved_apart_not_drawn_over_each_other():
    spec = _trend(3, (60.0, 60.0))  # three year groups on one line
    ends = sorted((r for r in _values(spec) if r["_end"]), key=lambda r: -r["_end_y"])
    assert [r["_end"] for r in ends] == ["Year 1", "Year 2", "Year 3"]
    # the plot is 220 px for 0-100 %: at least a label's height (13 px) between labels
    gaps = [(a["_end_y"] - b["_end_y"]) * 220 / 100 for a, b in itertools.pairwise(ends)]
    assert all(gap >= 13 - 1e-9 for gap in gaps)
    assert all(r["pct_at_expected"] == 60.0 for r in ends)  # the points stay where they are
    label_layer = spec["layer"][2]
    assert label_layer["mark"]["type"] == "text" and label_layer["encoding"]["y"]["field"] == "_end_y"


def test_many_lines_are_named_by_a_legend_of_shapes_instead_of_end_labels():
    spec = _trend(chart_labels.MAX_END_LABELS + 1, (60.0, 62.0))
    assert not any(r.get("_end") for r in _values(spec))
    assert all(layer["mark"]["type"] != "text" for layer in spec["layer"])
    points = spec["layer"][1]["encoding"]
    assert points["shape"]["legend"]["title"] == "Year group"


def test_gap_chart_writes_each_interval():
    rows = [
        DISADVANTAGED_GAP,
        {"group": "EAL", "subject": "Maths", "gap": 3.0, "ci_low": None, "ci_high": None, "n": 1},
        {"group": "SEN", "subject": "Maths", "gap": None, "suppressed": True},
    ]
    labels = [r["_label"] for r in _values(charts.gap_chart(rows, title="Gaps", description="Gaps."))]
    assert labels == ["-8.2 (-15.0 to -1.4), n=30", "+3.0 (no interval (too few pupils)), n=1"]
    # with the other side's n where the row has it
    other = {**DISADVANTAGED_GAP, "n_other": 60}
    labels = [r["_label"] for r in _values(charts.gap_chart([other], title="Gaps", description="Gaps."))]
    assert labels == ["-8.2 (-15.0 to -1.4), n=30 against 60"]


def test_a_bar_of_percent_at_expected_is_labelled_with_the_pupils_who_have_an_expected_point():
    rows = [{**ATTAINMENT[0], "n_with_expected": 31}]
    spec = charts.attainment_bars(rows, title="Attainment", description="Bars.")
    assert [r["_label"] for r in _values(spec)] == ["62% (n=31)"]


def test_timeline_draws_the_expected_points_as_their_own_line():
    spec = _all_specs()["timeline"]
    expected_layer = spec["layer"][0]
    assert expected_layer["data"]["values"] == [
        {"drop_date": "2024-12-20", "expected": 8},
        {"drop_date": "2025-03-20", "expected": 8},
    ]


@pytest.mark.parametrize("name", ["bars", "trend", "heat", "gap", "timeline"])
def test_every_chart_renders_offline_to_svg_and_png_for_print(name):
    spec = _all_specs()[name]
    svg = charts.to_svg(spec)
    assert svg.startswith("<svg") and spec["title"] in svg
    png = charts.to_png(spec)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


def test_offline_rendering_fetches_no_data_from_anywhere():
    spec = charts.attainment_bars(ATTAINMENT, title="Attainment", description="Bars.")
    spec["data"] = {"url": "https://example.org/rows.json"}
    spec.pop("datasets", None)
    with pytest.raises(ValueError, match="External data url not allowed"):
        charts.to_svg(spec)


def _table() -> Table:
    return Table(
        name="attainment",
        caption="Attainment by school",
        columns=[
            Column("school", "School", row_header=True, link="url"),
            Column("n", "Pupils (n)", COUNT),
            Column("pct_at_expected", "% at or above expected", PERCENT),
            Column("gap", "Gap", SIGNED),
        ],
        rows=[
            {"school": '=HYPERLINK("x")', "url": "/s/1/", "n": 40, "pct_at_expected": 62.5, "gap": -3.25},
            {"school": "River", "url": "/s/2/", "n": None, "pct_at_expected": None, "suppressed": True},
        ],
        filters=[("Subject", "Maths")],
    )


def test_table_cells_write_figures_and_suppressed_rows_in_words():
    shown, hidden = _table().body()
    assert [c.text for c in shown] == ['=HYPERLINK("x")', "40", "62.5%", "−3.2"]
    assert shown[0].header and shown[0].url == "/s/1/"
    assert [c.text for c in hidden[1:]] == ["suppressed (fewer than 6)"] * 3
    assert all(c.suppressed for c in hidden[1:]) and hidden[0].text == "River"


def test_workbook_has_the_rows_numbers_as_numbers_formulas_neutralised_and_no_hidden_figure():
    book = load_workbook(io.BytesIO(workbook_bytes(_table(), page="Trust dashboard", generated_by="analyst")))
    rows = list(book["Figures"].iter_rows(values_only=True))
    assert rows[0] == ("School", "Pupils (n)", "% at or above expected", "Gap")
    assert rows[1] == ('\'=HYPERLINK("x")', 40, 62.5, -3.2)
    assert rows[2] == ("River", *["suppressed (fewer than 6)"] * 3)
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Table"] == "Attainment by school" and about["Subject"] == "Maths"
    assert about["Exported by"] == "analyst"


def test_export_parameters_name_what_is_wrong():
    tables = {"attainment": _table()}
    assert requested_table({}, tables) is None
    assert requested_table({"export": "xlsx", "table": "attainment"}, tables) is tables["attainment"]
    with pytest.raises(ExportError, match="“pdf” is not available"):
        requested_table({"export": "pdf", "table": "attainment"}, tables)
    with pytest.raises(ExportError, match="no table “nope” on this page \\(its tables: attainment\\)"):
        requested_table({"export": "xlsx", "table": "nope"}, tables)


def test_table_names_are_safe_for_urls_and_ids():
    with pytest.raises(ValueError, match="lower-case letters"):
        Table(name="Bad name", caption="x", columns=[], rows=[])


def test_a_chart_carries_only_the_fields_it_draws():
    """The page carries each spec inline: a table row's link, ids and other figures are the
    table's, not the chart's (they made the large trust's page heavier by a third)."""
    extra = {
        "url": "/dashboards/schools/100001/?drop=x",
        "school_id": 1,
        "subject_code": "maths",
        "mean_points": 9.5,
    }
    bars = charts.attainment_bars([{**r, **extra} for r in ATTAINMENT], title="A", description="B.")
    assert set(_values(bars)[0]) == {"school", "subject", "pct_at_expected", "n", "_label"}
    heat_rows = [{**ATTAINMENT[0], "group": "Girls", "n_with_expected": 40, **extra}]
    heat = charts.heatmap(heat_rows, title="H", description="C.")
    assert set(_values(heat)[0]) == {
        "school", "group", "pct_at_expected", "n", "n_with_expected", "_label", "_suppressed"
    }  # fmt: skip
    gap = charts.gap_chart([{**DISADVANTAGED_GAP, **extra}], title="G", description="D.")
    assert set(_values(gap)[0]) == {
        "group",
        "subject",
        "gap",
        "ci_low",
        "ci_high",
        "n",
        "_interval",
        "_label",
    }
    trend = charts.trend_lines(
        [{**r, **extra, "drop": "Autumn"} for r in ATTAINMENT[:1]], title="T", description="E.", facet=None
    )
    assert set(_values(trend)[0]) == {"school", "drop", "pct_at_expected", "n", "_end", "_end_y"}


# --- long names, named points, labels that never cover one another (issue 8 §5) -------------------

LONG = "St Aidan's Church of England Voluntary Aided Junior and Infant School"


def _y_axis(spec: dict) -> dict:
    """The y encoding's axis of a (possibly faceted, layered) spec's first layer that has one."""
    inner = spec.get("spec", spec)
    for layer in inner.get("layer", [inner]):
        axis = layer.get("encoding", {}).get("y", {}).get("axis")
        if axis:
            return axis
    raise AssertionError("no y axis")


def test_wrap_breaks_between_words_within_the_width():
    assert chart_labels.wrap(LONG) == [
        "St Aidan's Church of England",
        "Voluntary Aided Junior and",
        "Infant School",
    ]
    assert chart_labels.wrap("North") == ["North"]
    assert chart_labels.wrap("Supercalifragilisticexpialidocious school", 10) == [
        "Supercalifragilisticexpialidocious",
        "school",
    ]


@pytest.mark.parametrize("chart", ["bars", "gap", "heat"])
def test_a_long_school_name_is_written_whole_over_lines_never_cut(chart):
    """Names were cut at 220 px with an ellipsis: now each line is short enough for the axis."""
    if chart == "bars":
        spec = charts.attainment_bars([{**ATTAINMENT[0], "school": LONG}], title="A", description="B.")
    elif chart == "gap":
        spec = charts.gap_chart([{**DISADVANTAGED_GAP, "group": LONG}], title="G", description="D.")
    else:
        row = {"school": LONG, "group": "Girls", "pct_at_expected": 40.0, "n": 10}
        spec = charts.heatmap([row], title="H", description="C.")
    axis = _y_axis(spec)
    lines = chart_labels.wrap(LONG)
    assert json.dumps({LONG: lines}, ensure_ascii=False, separators=(",", ":")) in axis["labelExpr"]
    # 30 characters of 12 px text are well inside the label limit: no line is cut
    assert (
        all(len(line) <= chart_labels.WRAP_AT for line in lines)
        and axis["labelLimit"] >= 12 * chart_labels.WRAP_AT * 0.6
    )
    # and the band is tall enough for three lines
    inner = spec.get("spec", spec)
    assert inner["height"]["step"] >= 15 * len(lines)
    charts.to_svg(spec)  # Vega reads the expression (vl-convert renders it)


def test_short_names_keep_plain_labels_and_a_legend_names_every_line_whole():
    spec = charts.attainment_bars(ATTAINMENT, title="A", description="B.")
    assert "labelExpr" not in _y_axis(spec)
    assert spec["config"]["legend"]["labelLimit"] >= 12 * len(LONG) * 0.6
    rows = [{"school": LONG, "drop": "Autumn", "pct_at_expected": 50.0, "n": 9}]
    legend = charts.trend_lines(rows, title="T", description="E.", facet=None)["layer"][0]["encoding"][
        "color"
    ]
    assert legend["legend"]["columns"] == 1  # one long name a row


def _timeline(rows: list[tuple[str, str, int, int]], **options) -> dict:
    frame = [
        {"subject": s, "drop_date": dt.date.fromisoformat(d), "point": p, "expected": e, "level": "x"}
        for s, d, p, e in rows
    ]
    return charts.timeline(frame, title="Ava", description="Points.", **options)


NAMES = {value: f"NS{value} Year {(value - 2) // 3} name" for value in range(1, 39)}


def test_the_common_scale_axis_names_each_point():
    spec = _timeline([("maths", "2025-03-20", 12, 12), ("maths", "2025-07-20", 13, 12)], point_names=NAMES)
    axis = spec["layer"][1]["layer"][0]["encoding"]["y"]["axis"]
    assert '"12":"NS12 Year 3 name"' in axis["labelExpr"] and axis["labelExpr"].endswith(
        "[datum.value] || datum.label"
    )
    assert axis["tickMinStep"] == 1 and axis["format"] == "d"
    assert axis["titleAngle"] == 0  # above the labels, not beside them
    charts.to_svg(spec)


def test_timeline_end_labels_that_would_touch_are_pushed_apart_the_expected_label_too():
    """Maths and writing ended on one point and reading on the expected point: four labels were
    drawn over one another."""
    rows = [
        ("maths", "2025-03-20", 10, 9), ("maths", "2025-07-20", 13, 12),
        ("writing", "2025-03-20", 10, 9), ("writing", "2025-07-20", 13, 12),
        ("reading", "2025-03-20", 9, 9), ("reading", "2025-07-20", 12, 12),
    ]  # fmt: skip
    spec = _timeline(rows, point_names=NAMES)
    labels = spec["layer"][-1]
    ends = sorted(labels["data"]["values"], key=lambda r: -r["_end_y"])
    assert {r["_end"] for r in ends} == {"maths", "writing", "reading", "expected"}
    assert labels["encoding"]["y"]["field"] == "_end_y" and labels["mark"]["baseline"] == "middle"
    px_per_point = 260 / (13 - 9)
    gaps = [(a["_end_y"] - b["_end_y"]) * px_per_point for a, b in itertools.pairwise(ends)]
    assert min(gaps) >= chart_labels.END_LABEL_GAP - 1e-9
    # points stay where they are: only the labels move
    assert [r["point"] for r in _values(spec["layer"][1]) if r["drop_date"] == "2025-07-20"] == [13, 13, 12]
    png = charts.to_png(spec)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


TWELVE_SUBJECTS = [
    "English", "Maths", "Science", "History", "Geography", "Religious studies", "Music", "Drama",
    "French", "Computing", "Art and design", "PE",
]  # fmt: skip


def _encodings_of(encoding: dict) -> dict[str, list]:
    return {channel: encoding[channel]["scale"]["range"] for channel in ("color", "shape", "strokeDash")}


@pytest.mark.parametrize("chart", ["timeline", "trend"])
def test_every_one_of_twelve_series_is_drawn_with_its_own_encoding(chart):
    """A Year 11 pupil's twelve subjects: the chart kept the first eight (the palette's size) and
    left French, Computing, Art and design and PE out without a word."""
    if chart == "timeline":
        spec = _timeline(
            [(s, d, 20 + i, 20) for i, s in enumerate(TWELVE_SUBJECTS) for d in ("2025-03-20", "2025-07-20")]
        )
        main = spec["layer"][1]["layer"]
    else:
        rows = [
            {"subject": s, "drop": d, "pct_at_expected": 40.0 + i, "n": 20}
            for i, s in enumerate(TWELVE_SUBJECTS)
            for d in ("Autumn", "Spring")
        ]
        spec = charts.trend_lines(rows, series="subject", facet=None, title="T", description="D.")
        main = spec["layer"]
    lines, points = main[0]["encoding"], main[1]["encoding"]
    drawn = spec["layer"][1]["data"]["values"] if chart == "timeline" else _values(spec)
    assert {r["subject"] for r in drawn} == set(TWELVE_SUBJECTS)
    assert lines["color"]["scale"]["domain"] == TWELVE_SUBJECTS
    ranges = {**_encodings_of({**lines, "shape": points["shape"]})}
    styles = list(zip(ranges["color"], ranges["shape"], map(tuple, ranges["strokeDash"]), strict=True))
    assert len(styles) == 12 and len(set(styles)) == 12
    # not told by colour alone: any two series differ in at least two of colour, shape and dash
    for a, b in itertools.combinations(styles, 2):
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 2, (a, b)
    # every line and point colour keeps 3:1 against the white background (WCAG 1.4.11)
    assert set(ranges["color"]) <= set(charts.PALETTE[:5])
    svg = charts.to_svg(spec)
    assert all(name in svg for name in ("French", "Computing", "Art and design", "PE"))


def test_a_long_drop_name_on_the_trend_axis_is_wrapped_whole_and_named_in_the_tooltip():
    """The trust page's across-drops chart cut "Baseline: The Skelton Moor Centre 2025/26" to
    "Baseline: The Skelton Moor Centre…"."""
    baseline = "Baseline: The Skelton Moor Centre 2025/26"
    rows = [
        {"school": "North", "drop": d, "pct_at_expected": 50.0 + i, "n": 20}
        for i, d in enumerate(("Summer 2024/25", baseline, "Autumn 2025/26"))
    ]
    spec = charts.trend_lines(rows, facet=None, title="T", description="D.")
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    lines = chart_labels.wrap(baseline, chart_labels.SLANTED_WRAP_AT)
    assert " ".join(lines) == baseline and len(lines) > 1
    assert json.dumps({baseline: lines}, separators=(",", ":"))[1:-1] in axis["labelExpr"]
    assert '"Autumn 2025/26"' not in axis["labelExpr"]  # a short name keeps its plain label
    tooltip = spec["layer"][1]["encoding"]["tooltip"]
    assert {"field": "drop", "type": "ordinal", "title": "Data drop"} in tooltip
    svg = charts.to_svg(spec)
    assert "…" not in svg and all(line in svg for line in lines)
