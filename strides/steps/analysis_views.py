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
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from strides.access.actor import SignedInRequest
from strides.access.gate import get_or_404, scope_for, visible_schools
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.analytics.suppression import suppress
from strides.organisations.models import AcademicYear, School, Trust
from strides.small_groups import small_group_threshold
from strides.steps.analysis import GROUPINGS, group_rows, is_kept, term_progress
from strides.steps.models import StepArea
from strides.steps.page_helpers import steps_crumbs
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


@dataclass(frozen=True)
class Where:
    """What an analysis page is about: one school, or the schools of the trust the user sees."""

    name: str
    trust: Trust
    school_ids: frozenset[int]
    named: bool  # the user sees these pupils by name: no suppression
    slug: str
    school: School | None = None


def _term(where: Where, params: Any) -> tuple[AcademicYear | None, str, list[AcademicYear]]:
    today = timezone.localdate()
    years = list(
        AcademicYear.objects.filter(trust=where.trust, starts_on__lte=today).order_by("-starts_on")[:3]
    )
    year = next((y for y in years if str(y.pk) == params.get("year")), years[0] if years else None)
    term = params.get("term")
    if term not in TERMS:
        term = current_term(year, today, where.school) if year else TERMS[0]
    return year, term, years


def _table(where: Where, year: AcademicYear, term: str, by: str) -> pl.DataFrame:
    frame = term_progress(where.trust, year, term)
    names = dict(
        StepArea.objects.filter(framework__assignments__school__in=where.school_ids).values_list("pk", "name")
    )
    schools = dict(School.objects.filter(pk__in=where.school_ids).values_list("pk", "name"))
    table = group_rows(frame, set(where.school_ids), by, names, schools)
    if table.is_empty() or where.named:
        return table
    # aggregate-only readers (and staff who see only their own classes' pupils): small groups hidden
    return suppress(table, threshold=small_group_threshold(), value_columns=[k for k, _ in COLUMNS[2:]])


@access_rule(AGGREGATES)
def analysis(request: SignedInRequest, urn: str) -> HttpResponse:
    user = request.user
    school = get_or_404(visible_schools(user).select_related("trust"), urn=urn)
    scope = scope_for(user)
    where = Where(
        name=school.name,
        trust=school.trust,
        school_ids=frozenset({school.pk}),
        named=bool(scope.trust_wide_pupils or school.pk in scope.pupil_school_ids),
        slug=school.urn,
        school=school,
    )
    return _page(request, where, steps_crumbs(user, school))


@access_rule(AccessRule(Capability.VIEW_AGGREGATES, description="the trust's schools the user sees"))
def trust_analysis(request: SignedInRequest) -> HttpResponse:
    """The same across every school the user sees figures of, by school or any grouping."""
    user = request.user
    scope = scope_for(user)
    trust = Trust.objects.filter(pk__in=scope.trust_ids).order_by("name").first()
    if trust is None:
        raise Http404("Not found")
    schools = frozenset(visible_schools(user).filter(trust=trust).values_list("pk", flat=True))
    named = scope.trust_wide_pupils or schools <= scope.pupil_school_ids
    where = Where(name=trust.name, trust=trust, school_ids=schools, named=bool(named), slug=trust.slug)
    return _page(request, where, steps_crumbs(user))


def _page(request: SignedInRequest, where: Where, breadcrumbs: list) -> HttpResponse:
    year, term, years = _term(where, request.GET)
    groupings = {k: v for k, v in GROUPINGS.items() if k != "school" or where.school is None}
    default = "area" if where.school is not None else "school"
    by = request.GET.get("by") if request.GET.get("by") in groupings else default
    if year is not None and not request.GET.get("wait") and not is_kept(where.trust, year, term):
        # the trust's term is worked out on the first look after new records (seconds for a large
        # trust): the page answers at once with a progress bar and htmx fetches the figures
        query = request.GET.copy()
        query["wait"] = "1"
        context = {
            "where": where,
            "loading_url": f"{request.path}?{query.urlencode()}",
            "breadcrumbs": breadcrumbs,
        }
        return render(request, "steps/analysis_loading.html", context)
    table = _table(where, year, term, by) if year else pl.DataFrame()
    rows = table.to_dicts() if not table.is_empty() else []
    if request.GET.get("format") == "xlsx":
        return _xlsx(where, year, term, by, rows)
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
        "where": where,
        "school": where.school,
        "year": year,
        "years": years,
        "term": term,
        "terms": TERMS,
        "by": by,
        "groupings": groupings,
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
        "suppressing": not where.named,
        "all_suppressed": bool(rows) and all(r.get("suppressed") for r in rows),
        "threshold": small_group_threshold(),
        "breadcrumbs": breadcrumbs,
        "query": request.GET.urlencode(),
    }
    return render(request, "steps/analysis.html", context)


def _xlsx(where: Where, year: AcademicYear | None, term: str, by: str, rows: list[dict]) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from strides.assessment.sheets.export import xlsx_cell

    book = Workbook()
    sheet = book.active
    sheet.title = "Small steps"
    period = f"{term.capitalize()} {year.label if year else ''}"
    title = f"{where.name}: small steps, {period}, by {GROUPINGS[by].lower()}"
    sheet.append([xlsx_cell(title)])
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    small = f"fewer than {small_group_threshold()}"  # as the page says it
    for row in rows:
        hidden = row.get("suppressed")
        sheet.append([xlsx_cell(small if hidden and key != "group" else row.get(key)) for key, _ in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="small-steps-{where.slug}-{term}-{by}.xlsx"'
    return response
