"""What the small-steps pages share: the learning journey, the pupil's terms, the progress chart
(Vega-Lite, ADR 8: a table beside it always) and similar learners."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from strides.analytics import small_steps as measures
from strides.dashboards.charts_style import PALETTE
from strides.organisations.models import AcademicYear, School
from strides.steps.analysis import similar_for, term_progress
from strides.steps.models import Shape, Statement, Step, StepFramework
from strides.steps.queries import TERMS, Cell, term_window


def _state(cell: Cell | None, levels: dict[str, Any]) -> str:
    if cell is None:
        return "not-yet"
    level = levels.get(cell.code)
    if level is None:
        return "not-yet"
    if level.not_applicable:
        return "na"
    if level.secured:
        return "secured"
    return "progress" if level.credit > 0 or level.order > 1 else "not-yet"


STATE_WORDS = {"secured": "Secured", "progress": "In progress", "not-yet": "Not yet", "na": "Not applicable"}


def journey(
    framework: StepFramework,
    positions: pl.DataFrame,
    cells: dict[tuple[int, int], Cell],
    generalised: set[int],
) -> list[dict]:
    """Each area of ``framework``: its steps (or strand) with every statement's state, the current
    step and its next statements (those not secured), and the area's measures."""
    levels = {level.code: level for level in framework.achievement_levels.all()}
    pupil_cells = {statement_id: cell for (_, statement_id), cell in cells.items()}
    statements = list(
        Statement.objects.filter(area__framework=framework, removed_on__isnull=True).order_by("order")
    )
    steps = list(Step.objects.filter(area__framework=framework).order_by("number"))
    by_area: dict[int, dict] = {}
    for area in framework.areas.all():
        by_area[area.pk] = {"area": area, "steps": [], "loose": [], "position": None, "next": []}
    for row in positions.iter_rows(named=True):
        if row["area_id"] in by_area:
            by_area[row["area_id"]]["position"] = row
    step_items: dict[int, dict] = {}
    for step in steps:
        item = {"step": step, "statements": [], "secured": 0, "counted": 0}
        step_items[step.pk] = item
        by_area[step.area_id]["steps"].append(item)
    for statement in statements:
        state = _state(pupil_cells.get(statement.pk), levels)
        entry = {
            "statement": statement,
            "state": state,
            "state_words": STATE_WORDS[state],
            "generalised": statement.pk in generalised,
            "level": pupil_cells.get(statement.pk),
        }
        if statement.step_id is None:
            by_area[statement.area_id]["loose"].append(entry)
        else:
            item = step_items[statement.step_id]
            item["statements"].append(entry)
            if state != "na":
                item["counted"] += 1
                item["secured"] += state == "secured"
    for area in by_area.values():
        position = area["position"]
        current = (
            position["current_step"]
            if position
            else (area["steps"][0]["step"].number if area["steps"] else None)
        )
        for item in area["steps"]:
            item["current"] = item["step"].number == current
            if item["current"]:
                area["next"] = [e for e in item["statements"] if e["state"] in ("not-yet", "progress")][:5]
        if framework.shape == Shape.MILESTONES:
            area["secured"] = sum(e["state"] == "secured" for e in area["loose"])
            area["key_secured"] = sum(e["state"] == "secured" and e["statement"].key for e in area["loose"])
            area["key_total"] = sum(e["statement"].key and e["state"] != "na" for e in area["loose"])
            area["total"] = sum(e["state"] != "na" for e in area["loose"])
    return list(by_area.values())


def terms_to(
    school: School | None, trust_id: int, today: dt.date, years: int = 2
) -> list[tuple[AcademicYear, str]]:
    """The terms begun by ``today`` in the last ``years`` academic years, oldest first."""
    chosen = list(
        AcademicYear.objects.filter(trust_id=trust_id, starts_on__lte=today).order_by("-starts_on")[:years]
    )
    out = []
    for year in reversed(chosen):
        for term in TERMS:
            if term_window(year, term, school).starts < today:
                out.append((year, term))
    return out


def term_rows(
    school: School | None, statements: pl.DataFrame, records: pl.DataFrame, today: dt.date
) -> list[dict]:
    """The pupil's progress in each area, term by term (the table beside the chart)."""
    if school is None:
        return []
    area_names = {}
    from strides.steps.models import StepArea

    area_ids = statements["area_id"].unique().to_list()
    area_names = dict(StepArea.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    labels = {}
    windows = []
    for year, term in terms_to(school, school.trust_id, today):
        window = term_window(year, term, school)
        end = min(window.ends, today)
        labels[(window.starts, end)] = (f"{term.capitalize()} {year.label}", end < window.ends)
        windows.append((window.starts, end))
    if not windows:
        return []
    progress = measures.progress_over(statements, records, windows).sort("end", "area_id")
    rows = []
    for row in progress.iter_rows(named=True):
        label, so_far = labels[(row["start"], row["end"])]
        rows.append(
            {
                "term": label,
                "area": area_names.get(row["area_id"], ""),
                "steps_secured": round(row["steps_secured"], 2),
                "progress": round(row["progress_percent"], 1),
                "statements": row["statements_gained"],
                "lateral": row["lateral_gains"],
                "current_step": row["current_step"],
                "current_percent": round(row["current_percent"] or 0, 0),
                "so_far": so_far,
            }
        )
    return rows


def progress_chart(rows: list[dict], name: str) -> dict:
    """Two panels on one time axis: steps secured in each area (a line), and the lateral gains of
    each term (bars), so a term with lateral progress only is as visible as one with new steps."""
    order = list(dict.fromkeys(row["term"] for row in rows))
    x = {"field": "term", "type": "ordinal", "sort": order, "title": "Term", "axis": {"labelAngle": -35}}
    # colour, dash and shape together: no series told by colour alone (ADR 8), Okabe-Ito colours
    color = {"field": "area", "type": "nominal", "title": "Area", "scale": {"range": list(PALETTE)}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": f"{name}: progress over time",
        # the figures are in the table beside the chart: the marks are not announced one by one
        "description": f"Steps secured and lateral gains by term and area for {name}.",
        "data": {"values": rows},
        "vconcat": [
            {
                "width": "container",
                "height": 180,
                "mark": {"type": "line", "point": {"aria": False}, "aria": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "steps_secured", "type": "quantitative", "title": "Steps secured"},
                    "color": color,
                    "strokeDash": {"field": "area", "type": "nominal", "title": "Area"},
                    "shape": {"field": "area", "type": "nominal", "title": "Area"},
                    "tooltip": [
                        {"field": "term"},
                        {"field": "area"},
                        {"field": "steps_secured", "title": "Steps secured"},
                    ],
                },
            },
            {
                "width": "container",
                "height": 120,
                "mark": {"type": "bar", "aria": False},
                "encoding": {
                    "x": x,
                    "xOffset": {"field": "area"},
                    "y": {"field": "lateral", "type": "quantitative", "title": "Lateral gains"},
                    "color": color,
                    "tooltip": [
                        {"field": "term"},
                        {"field": "area"},
                        {"field": "lateral", "title": "Lateral gains"},
                    ],
                },
            },
        ],
    }


def similar_for_pupil(pupil: Any, school: School | None, today: dt.date) -> list[dict]:
    """The pupil's percentile in each area this term among similar learners in the trust."""
    if school is None:
        return []
    terms = terms_to(school, school.trust_id, today, years=1)
    if not terms:
        return []
    year, term = terms[-1]
    from strides.organisations.models import Trust
    from strides.steps.models import StepArea

    frame = term_progress(Trust.objects.get(pk=school.trust_id), year, term)
    rows = similar_for(frame, pupil.pk, school.pk)
    names = dict(StepArea.objects.filter(pk__in=[r["area_id"] for r in rows]).values_list("pk", "name"))
    for row in rows:
        row["area"] = names.get(row["area_id"], "")
        row["term"] = f"{term.capitalize()} {year.label}"
    return rows


def steps_crumbs(user: Any, school: School | None = None) -> list[tuple[str, str]]:
    """Breadcrumbs of a small-steps page: home, the school (when there is one), Small steps."""
    from django.urls import reverse

    from strides.navigation import school_crumbs

    return [*school_crumbs(user, school), ("Small steps", reverse("steps:home"))]
