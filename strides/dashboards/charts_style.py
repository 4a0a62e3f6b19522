"""How the charts tell series apart: colour, point shape and line dash (docs/adr/0008-charts.md).

Every series a chart is given is drawn: :func:`series_styles` gives each of any number of series
its own colour, shape and dash, so none is left out (a Year 11 pupil's twelve subjects all get a
line) and none is told by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour vision
# deficiencies. Ordered so the first colours have at least 3:1 contrast on white (WCAG 1.4.11);
# the last three do not, and are the chart's category range only (bars use the first).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9", "#F0E442")
# the colours a line or point is drawn in: 5.2, 3.9, 3.4, 3.1 and 21:1 on white
LINE_COLOURS = PALETTE[:5]
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "wedge")
DASHES = ((1, 0), (6, 3), (2, 2), (8, 3, 2, 3), (4, 4), (10, 2), (1, 3))
# Colour, shape and dash cycle with coprime periods (5, 8, 7): any two of the first 35 series
# differ in at least two of the three, and no two of the first 280 in all three.
DISTINCT_IN_TWO = 35


@dataclass(frozen=True)
class SeriesStyle:
    colour: str
    shape: str
    dash: tuple[int, ...]


def series_styles(count: int) -> list[SeriesStyle]:
    """A style for each of ``count`` series, every one of them (never cut to the palette)."""
    return [
        SeriesStyle(LINE_COLOURS[i % len(LINE_COLOURS)], SHAPES[i % len(SHAPES)], DASHES[i % len(DASHES)])
        for i in range(count)
    ]


def series_encodings(series: str, series_title: str, names: list[Any], *, long_names: bool) -> dict[str, Any]:
    """Colour, shape and dash all follow the series, one legend naming every series whole."""
    # four names a row; one a row when a name is long (a school's full name is never cut)
    legend = alt.Legend(
        title=series_title, orient="bottom", columns=1 if long_names else 4, symbolStrokeWidth=2
    )
    styles = series_styles(len(names))
    return {
        "color": alt.Color(
            f"{series}:N", scale=alt.Scale(domain=names, range=[s.colour for s in styles]), legend=legend
        ),
        "shape": alt.Shape(
            f"{series}:N", scale=alt.Scale(domain=names, range=[s.shape for s in styles]), legend=legend
        ),
        "strokeDash": alt.StrokeDash(
            f"{series}:N", scale=alt.Scale(domain=names, range=[list(s.dash) for s in styles]), legend=legend
        ),
    }
