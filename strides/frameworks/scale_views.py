"""The trust's common scale: its points, how many levels map to each, and the expected point
of each year group at each term (a table and a server-drawn SVG chart).

Access rules and shared lookups: ``strides.frameworks.page_helpers``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from strides.access.rules import access_rule
from strides.frameworks.models import CrosswalkEntry, ExpectedPoint, ScalePoint, Term
from strides.frameworks.page_helpers import READ, crumbs, scale_points, user_trust, visible_frameworks
from strides.frameworks.services import crosswalk_in_force
from strides.pupils.census_codes import NC_YEAR_LABELS

TERM_ORDER = [Term.AUTUMN, Term.SPRING, Term.SUMMER]


@dataclass
class ChartSeries:
    label: str
    css: str
    points: str  # the polyline's "x,y x,y ..."
    markers: list[tuple[float, float, str]]


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    series: list[ChartSeries] = field(default_factory=list)
    description: str = ""


def expected_chart(points: list[ScalePoint], expected: list[ExpectedPoint]) -> Chart | None:
    """The expected point of each NC year at each term as lines on a server-drawn SVG. Terms
    whose expectations are identical share a line (every term, by default: ADR 6)."""
    if not points or not expected:
        return None
    chart = Chart(width=640, height=360, left=64, right=624, top=20, bottom=310)
    years = sorted({e.nc_year for e in expected})
    low, high = points[0].value, points[-1].value
    x_step = (chart.right - chart.left) / max(len(years) - 1, 1)

    def x(year: int) -> float:
        return round(chart.left + years.index(year) * x_step, 1)

    def y(value: int) -> float:
        span = max(high - low, 1)
        return round(chart.bottom - (value - low) * (chart.bottom - chart.top) / span, 1)

    chart.x_ticks = [(x(year), NC_YEAR_LABELS.get(year, str(year)).replace("Year ", "Y")) for year in years]
    by_value = {p.value: p for p in points}
    tick_values = sorted({low, high, *range(5 * ((low + 4) // 5), high, 5)})
    chart.y_ticks = [(y(v), by_value[v].code if v in by_value else str(v)) for v in tick_values]

    ordered = sorted(expected, key=lambda e: (e.nc_year, TERM_ORDER.index(e.term)))
    chart.description = (
        f"Expected points rise from {ordered[0].point.code} ({NC_YEAR_LABELS.get(ordered[0].nc_year)}, "
        f"{ordered[0].term}) to {ordered[-1].point.code} ({NC_YEAR_LABELS.get(ordered[-1].nc_year)}, "
        f"{ordered[-1].term}). The table beside the chart gives every value."
    )
    by_term: dict[str, dict[int, ScalePoint]] = defaultdict(dict)
    for row in expected:
        by_term[row.term][row.nc_year] = row.point
    groups: dict[tuple[int | None, ...], list[str]] = {}
    for term in TERM_ORDER:
        if term in by_term:
            key = tuple(by_term[term][yr].value if yr in by_term[term] else None for yr in years)
            groups.setdefault(key, []).append(term)
    for index, terms in enumerate(groups.values()):
        term_points = by_term[terms[0]]
        labels = [Term(t).label.lower() for t in terms]
        names = (", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]).capitalize()
        markers = [
            (x(yr), y(p.value), f"{NC_YEAR_LABELS.get(yr, yr)}, {names.lower()}: {p.code} {p.label}")
            for yr, p in sorted(term_points.items())
        ]
        chart.series.append(
            ChartSeries(
                label=f"End of {names.lower()}",
                css=f"chart-series-{index % 3}",
                points=" ".join(f"{mx},{my}" for mx, my, _ in markers),
                markers=markers,
            )
        )
    return chart


@access_rule(READ)
def scale_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    scale, points = scale_points(trust, user)
    expected = list(ExpectedPoint.objects.filter(scale=scale).select_related("point").order_by("nc_year"))
    crosswalk = crosswalk_in_force(scale, dt.date.today())
    mapped = dict(
        CrosswalkEntry.objects.filter(crosswalk=crosswalk, level__framework__in=visible_frameworks(user))
        .values_list("point_id")
        .annotate(n=Count("pk"))
        .values_list("point_id", "n")
    )
    by_year: dict[int, dict[str, ScalePoint]] = defaultdict(dict)
    for row in expected:
        by_year[row.nc_year][row.term] = row.point
    expected_rows = [
        (NC_YEAR_LABELS.get(year, str(year)), [by_year[year].get(term) for term in TERM_ORDER])
        for year in sorted(by_year)
    ]
    return render(
        request,
        "frameworks/scale.html",
        {
            "scale": scale,
            "points": [(p, mapped.get(p.pk, 0)) for p in points],
            "terms": [Term(t).label for t in TERM_ORDER],
            "expected_rows": expected_rows,
            "chart": expected_chart(points, expected),
            "crosswalk": crosswalk,
            "breadcrumbs": crumbs((scale.name, "")),
        },
    )
