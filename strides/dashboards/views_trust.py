"""The trust dashboard and the Dashboards entry point.

Rows come only through :class:`~strides.dashboards.queries.AnalyticsView` (the scoping gate) and
figures only from :func:`strides.analytics.overview`; for governors and directors every table goes
through ``AnalyticsView.suppress`` before it is drawn, written or exported. Filters are GET
parameters (``?drop=<slug>&subject=<code>&group=<dimension>``) in a form that works without
JavaScript; every table exports with ``&export=xlsx&table=NAME``. The page machinery is in
:mod:`strides.dashboards.pages`, the figures the trust and school pages share in
:mod:`strides.dashboards.figures`. See docs/dashboards.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from strides.access.gate import scope_for
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.analytics import overview
from strides.assessment.completeness import completeness
from strides.dashboards import charts, figures, memo, own_pool
from strides.dashboards.charts import Figure
from strides.dashboards.labels import ALL_PUPILS, group_label, value_order
from strides.dashboards.pages import (
    CollectionNote,
    Page,
    Selection,
    dashboard_response,
    figures_pending,
    loading_response,
    row_facts,
    select,
    suppression_note,
)
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.suppressing import hide_gaps_of_hidden_groups
from strides.dashboards.tables import COUNT, PERCENT, Column, Table, attainment_columns
from strides.organisations.models import Trust

DASHBOARD_RULE = AccessRule(
    Capability.VIEW_AGGREGATES,
    description="aggregates of the user's schools; small groups suppressed for governors and directors",
)


# --- the trust page --------------------------------------------------------------------------------


@access_rule(DASHBOARD_RULE)
def home(request: HttpRequest) -> HttpResponse:
    """Dashboards: a user with one school goes straight to it; everyone else to the trust page."""
    view = AnalyticsView(request.user)
    if not scope_for(request.user).trust_wide_aggregates:
        schools = list(view.schools()[:2])
        if len(schools) == 1:
            return redirect("dashboards:school", urn=schools[0].urn)
    return redirect("dashboards:trust")


def school_url(urn: str, selection: Selection) -> str:
    url = reverse("dashboards:school", kwargs={"urn": urn})
    return f"{url}?{selection.query}" if selection.query else url


def trust_page(view: AnalyticsView, selection: Selection, obs: pl.DataFrame, schools: dict[int, Any]) -> Page:
    """Every figure of the trust page for the selection (the drop must have rows)."""
    assert selection.drop is not None and selection.subject is not None
    subject, group = selection.subject.code, selection.group
    # only the chosen group's dimension: every dimension for every school made the large trust's
    # page 1.5 MB (the heat map's schools x groups)
    benchmark, composition = view.similar(end_year=selection.drop.academic_year.start_year)  # up to its year
    tables = overview(
        obs, benchmark, drop_id=selection.drop.pk, group_by=("school_id",), dimensions=(group,),
        composition=composition,
    )  # fmt: skip
    note = suppression_note(view)
    drop_name = selection.drop.title
    order = {school_id: position for position, school_id in enumerate(schools)}
    subject_order = {code: position for position, code in enumerate(selection.subjects)}

    def named(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            school = schools.get(row.get("school_id"))
            if school is None:
                continue
            row["school"] = school.name
            row["url"] = school_url(school.urn, selection)
            if "subject" in row:
                row["subject_code"] = row["subject"]
                row["subject"] = selection.subject_name(row["subject"])
            out.append(row)
        return out

    def by_subject(row: dict[str, Any]) -> tuple[int, int]:
        return (subject_order.get(row["subject_code"], 99), order[row["school_id"]])

    def by_school(row: dict[str, Any]) -> tuple[int, str]:
        return (order[row["school_id"]], row["group"])

    unit = figures.SCHOOLS  # the rows: schools side by side
    page = Page()
    attainment = view.suppress(tables["attainment"], partition=("subject",))
    attained = sorted(named(figures.rows_of(attainment)), key=by_subject)
    caption = f"Attainment by school and subject, {drop_name}"
    page.add(figures.attainment_figure(attained, unit, caption, drop_name, note))

    value_added = view.suppress(tables["value_added"], partition=("subject",))
    rows = named(figures.rows_of(value_added))
    reasons = own_pool.explain(rows, lambda r: own_pool.why(r["school"], r["own_share"]))
    # a school with attainment but no value added has a row saying why, rather than vanish
    rows = sorted(
        rows + own_pool.without_value_added(attained, rows, tables["percentiles"], key="school_id"),
        key=by_subject,
    )
    caption = f"Progress compared with similar learners, by school and subject ({drop_name})"
    notice = own_pool.note_for(view, list(dict.fromkeys(reasons)))
    page.add(figures.value_added_figure(rows, unit, caption, drop_name, note, notice))

    # A school's groups add up to its total (shown above): they protect one another school by school.
    groups = view.suppress(tables["groups"], partition=("school_id", "subject", "dimension"))
    chosen = sorted(named(figures.chosen_groups(groups, selection)), key=by_school)
    page.add(figures.groups_figure(chosen, unit, selection, note))

    gaps = view.suppress(
        tables["gaps"].filter(pl.col("measure") == "pct_at_expected"),
        partition=("school_id", "subject", "dimension"),
    )
    gaps = hide_gaps_of_hidden_groups(gaps, groups, attainment, ("school_id",))
    gap_list = sorted(named(figures.chosen_gaps(gaps, selection)), key=by_school)
    page.add(figures.gaps_figure(gap_list, unit, selection, note))

    trend = named(figures.chosen_trend(view, tables["trend"], obs, selection, ("school_id",)))
    trend.sort(key=lambda r: (r["drop_date"], r["drop_id"], order[r["school_id"]]))
    caption = f"{selection.subject.name} across drops, by school"
    page.add(figures.trend_figure(trend, unit, selection, caption, note))

    # schools (rows) by the chosen group's values (columns), after each school's whole cohort
    heat = [
        {**row, "group": ALL_PUPILS}
        for row in figures.rows_of(attainment.filter(pl.col("subject") == subject))
    ]
    in_subject = groups.filter((pl.col("subject") == subject) & (pl.col("dimension") == group))
    heat_groups = sorted(
        (
            {**row, "group": group_label(group, row["value"]), "_position": value_order(group, row["value"])}
            for row in figures.rows_of(in_subject)
        ),
        key=lambda r: r["_position"],
    )
    heat_rows = named(heat) + named(heat_groups)
    heat_rows.sort(key=lambda r: order[r["school_id"]])
    columns = [ALL_PUPILS, *dict.fromkeys(r["group"] for r in heat_groups)]
    table = Table(
        "heat-map",
        f"{selection.subject.name}: schools by group ({selection.group_label}), {drop_name}",
        attainment_columns(unit.column, Column("group", "Group")),
        heat_rows,
        note=note,
    )
    page.add(
        Figure(
            charts.heatmap(
                heat_rows,
                column_order=columns,
                title=f"{selection.subject.name}: % at or above expected, schools by group "
                f"({selection.group_label})",
                description="A grid of schools (rows) by groups of pupils (columns: all pupils, then each "
                f"group by {selection.group_label.lower()}); each cell is shaded by the percentage at or "
                "above expected and has the figure and its n written in it.",
            ),
            table,
        )
    )

    done = completeness(view.user, selection.drop, school_ids=sorted(schools))
    if selection.is_collecting:
        page.collecting = CollectionNote(selection.drop, done)
    table = Table(
        "completeness",
        f"Completeness of {drop_name}",
        [
            unit.column,
            Column("status", "Status"),
            Column("recorded", "Judgements recorded", COUNT),
            Column("expected", "Judgements expected", COUNT),
            Column("percent", "% recorded", PERCENT),
            Column("overdue", "Overdue"),
        ],
        [
            {
                "school": part.part.school.name,
                "url": school_url(part.part.school.urn, selection),
                "status": part.part.get_status_display(),
                "recorded": part.recorded,
                "expected": part.expected,
                "percent": part.percent,
                "overdue": "Yes" if part.overdue else "No",
            }
            for part in done
        ],
        empty="None of your schools is part of this drop.",
    )
    page.add(table=table)
    return page


@access_rule(DASHBOARD_RULE)
def trust(request: HttpRequest) -> HttpResponse:
    """Schools side by side: attainment and value added by subject, a group's figures and gaps at
    each school, the trend across drops, schools x groups, and the drop's completeness."""
    view = AnalyticsView(request.user)
    schools = {school.pk: school for school in view.schools()}
    version = memo.version_of(view)  # before the rows: see strides.dashboards.memo
    crumbs = [("Home", reverse("web:home")), ("Trust dashboard", "")]
    if schools and figures_pending(request, view, version):
        trust_name = Trust.objects.filter(pk=view.trust_id).values_list("name", flat=True).first() or ""
        return loading_response(
            request, "dashboards/trust.html", {"trust_name": trust_name, "breadcrumbs": crumbs}
        )
    # read only if needed: a page served from the memo reads none (but a teacher's digest)
    obs = memo.Rows(lambda: view.observations(school_ids=schools.keys(), version=version))
    scope = memo.request_scope(view, obs, version)
    selection = None
    if schools:
        facts = memo.remember_facts(memo.key("trust", scope), lambda: row_facts(view, obs(), schools))
        selection = select(request, view, facts, schools)
    trust_name = Trust.objects.filter(pk=view.trust_id).values_list("name", flat=True).first() or ""
    page = Page()
    if selection is not None and selection.drop is not None and selection.subject is not None:
        sel = selection
        key = memo.key("trust", scope, selection.drop.pk, selection.subject.code, selection.group)
        page = memo.remember(key, lambda: trust_page(view, sel, obs(), schools))
    context = {
        "trust_name": trust_name,
        "schools": list(schools.values()),
        "selection": selection,
        "suppressing": view.suppress_small_groups,
        "threshold": view.threshold,
        "own_classes_only": [schools[pk].name for pk in sorted(view.class_school_ids) if pk in schools],
        "collecting": page.collecting,
        "completeness_below": True,
        "breadcrumbs": crumbs,
    }
    return dashboard_response(
        request,
        "dashboards/trust.html",
        context,
        page,
        title="Trust dashboard",
        filename="trust",
        selection=selection,
    )
