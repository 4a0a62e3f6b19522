"""Group analysis of small steps for subject leaders, SLT, governors and the trust (docs/
small-steps.md, "Group analysis"): a term's mean progress (% of a step), mean lateral gains and
the % of pupil-areas crossing each threshold, by area, class, NC year, primary need and the usual
groups, with n on every figure, a chart with the table beside it, and an XLSX download.

Figures come from the trust's term (``strides.steps.analysis``), narrowed to the schools of the
user's aggregate reach; readers who see no pupil by name (governors, directors) get small groups
suppressed, as on every dashboard.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from strides.access.actor import SignedInRequest
from strides.access.gate import get_or_404, scope_for, visible_schools
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.analytics.suppression import suppress
from strides.navigation import school_crumbs
from strides.organisations.models import AcademicYear, School
from strides.small_groups import small_group_threshold
from strides.steps.analysis import GROUPINGS, group_rows, is_kept, term_progress
from strides.steps.models import StepArea
from strides.steps.queries import TERMS, current_term

AGGREGATES = AccessRule(
    Capability.VIEW_AGGREGATES, object_scoped=True, description="a school whose figures the user sees"
)
COLUMNS = (
    ("group", "Group"),
    ("n", "Pupils"),
    ("rows", "Pupil-areas"),
    ("mean_progress", "Mean progress (% of a step)"),
    ("mean_lateral", "Mean lateral gains"),
    ("pct_below", "% below threshold"),
    ("pct_lateral_only", "% below, lateral gains only"),
    ("pct_above", "% above threshold"),
)


def _term(school: School, params: Any) -> tuple[AcademicYear | None, str, list[AcademicYear]]:
    years = list(
        AcademicYear.objects.filter(trust_id=school.trust_id, starts_on__lte=timezone.localdate()).order_by(
            "-starts_on"
        )[:3]
    )
    year = next((y for y in years if str(y.pk) == params.get("year")), years[0] if years else None)
    term = params.get("term")
    if term not in TERMS:
        term = current_term(year, timezone.localdate(), school) if year else TERMS[0]
    return year, term, years


def _table(user: Any, school: School, year: AcademicYear, term: str, by: str) -> tuple[pl.DataFrame, bool]:
    frame = term_progress(school.trust, year, term)
    names = dict(
        StepArea.objects.filter(framework__assignments__school=school).values_list("pk", "name").distinct()
    )
    table = group_rows(frame, {school.pk}, by, names)
    scope = scope_for(user)
    named = bool(scope.trust_wide_pupils or school.pk in scope.pupil_school_ids)
    if table.is_empty():
        return table, not named
    if not named:  # aggregate-only readers (and staff who see only their own classes' pupils)
        table = suppress(
            table,
            threshold=small_group_threshold(),
            value_columns=[
                "rows",
                "mean_progress",
                "mean_lateral",
                "pct_below",
                "pct_lateral_only",
                "pct_above",
            ],
        )
    return table, not named


@access_rule(AGGREGATES)
def analysis(request: SignedInRequest, urn: str) -> HttpResponse:
    user = request.user
    school = get_or_404(visible_schools(user).select_related("trust"), urn=urn)
    year, term, years = _term(school, request.GET)
    by = request.GET.get("by") if request.GET.get("by") in GROUPINGS else "area"
    if year is not None and not request.GET.get("wait") and not is_kept(school.trust, year, term):
        # the trust's term is worked out on the first look after new records (seconds for a large
        # trust): the page answers at once with a progress bar and htmx fetches the figures
        query = request.GET.copy()
        query["wait"] = "1"
        context = {
            "school": school,
            "loading_url": f"{request.path}?{query.urlencode()}",
            "breadcrumbs": school_crumbs(user, school),
        }
        return render(request, "steps/analysis_loading.html", context)
    table, suppressing = _table(user, school, year, term, by) if year else (pl.DataFrame(), False)
    rows = table.to_dicts() if not table.is_empty() else []
    if request.GET.get("format") == "xlsx":
        return _xlsx(school, year, term, by, rows)
    chart = None
    if rows:
        shown = [r for r in rows if r.get("mean_progress") is not None]
        chart = {
            "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "title": f"Mean progress by {GROUPINGS[by].lower()}",
            "data": {"values": shown},
            "width": "container",
            "height": {"step": 28},
            "description": f"Mean progress in % of a step by {GROUPINGS[by].lower()}: figures in the table.",
            "mark": {"type": "bar", "aria": False},
            "encoding": {
                "y": {"field": "group", "type": "nominal", "title": GROUPINGS[by], "sort": None},
                "x": {
                    "field": "mean_progress",
                    "type": "quantitative",
                    "title": "Mean progress (% of a step)",
                },
                "tooltip": [
                    {"field": "group"},
                    {"field": "n", "title": "Pupils"},
                    {"field": "mean_progress", "title": "Mean progress"},
                    {"field": "mean_lateral", "title": "Mean lateral gains"},
                ],
            },
        }
    context = {
        "school": school,
        "year": year,
        "years": years,
        "term": term,
        "terms": TERMS,
        "by": by,
        "groupings": GROUPINGS,
        "rows": rows,
        "table_rows": [
            {
                "group": r["group"],
                "suppressed": r.get("suppressed"),
                "values": [r.get(k) for k, _ in COLUMNS[1:]],
            }
            for r in rows
        ],
        "columns": COLUMNS,
        "chart": chart,
        "suppressing": suppressing,
        "threshold": small_group_threshold(),
        "breadcrumbs": school_crumbs(user, school),
        "query": request.GET.urlencode(),
    }
    return render(request, "steps/analysis.html", context)


def _xlsx(school: School, year: AcademicYear | None, term: str, by: str, rows: list[dict]) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Small steps"
    sheet.append(
        [
            f"{school.name}: small steps, {term.capitalize()} {year.label if year else ''}, "
            f"by {GROUPINGS[by].lower()}"
        ]
    )
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                ("suppressed" if row.get("suppressed") and key != "group" else row.get(key))
                for key, _ in COLUMNS
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="small-steps-{school.urn}-{term}-{by}.xlsx"'
    return response
