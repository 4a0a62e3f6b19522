"""The school dashboard: year groups x subjects, a group's figures and gaps by year group, the
trend across drops, progress against similar learners, and the pupils needing attention (by name
only for people who see the school's pupils by name; counts, suppressed where small, for
governors and directors). A school the user may not see answers 404, exactly like a missing one.
Filters and exports as on every dashboard (:mod:`strides.dashboards.pages`); the figures it shares
with the trust page are in :mod:`strides.dashboards.figures`."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from strides.access.gate import visible_classes, visible_pupils
from strides.access.readers import visible_memberships
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.analytics import history_until, needing_attention, overview
from strides.dashboards import figures, memo, own_pool
from strides.dashboards.labels import year_label
from strides.dashboards.pages import (
    Page,
    Selection,
    collection_note,
    dashboard_response,
    figures_pending,
    loading_response,
    row_facts,
    select,
    suppression_note,
)
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.reasons import reason_words
from strides.dashboards.suppressing import hide_gaps_of_hidden_groups, hide_percentiles_among_few
from strides.dashboards.tables import COUNT, Column, Table
from strides.organisations.models import School

SCHOOL_RULE = AccessRule(
    Capability.VIEW_AGGREGATES,
    object_scoped=True,
    description="a school whose aggregates the user sees (404 otherwise)",
)


_ID = 987654321  # reversed once, then replaced: reverse() per row was a fifth of the attention table


def pupil_url(pupil_id: int) -> str:
    return reverse("dashboards:pupil", kwargs={"pupil_id": _ID}).replace(str(_ID), str(int(pupil_id)))


def class_url(group_id: int) -> str:
    return reverse("dashboards:class", kwargs={"group_id": _ID}).replace(str(_ID), str(int(group_id)))


def year_order(row: dict[str, Any]) -> tuple[bool, int]:
    """Year groups in order, pupils with no recorded year group last."""
    return (row["nc_year"] is None, row["nc_year"] or 0)


def _with_labels(rows: list[dict[str, Any]], selection: Selection) -> list[dict[str, Any]]:
    for row in rows:
        if "nc_year" in row:
            row["year"] = (
                year_label(row["nc_year"]) if row["nc_year"] is not None else "Year group not recorded"
            )
        if "subject" in row:
            row["subject_code"] = row["subject"]
            row["subject"] = selection.subject_name(row["subject"])
    return rows


def attention_tables(
    request: HttpRequest,
    view: AnalyticsView,
    school: School,
    selection: Selection,
    percentiles: pl.DataFrame,
    named: bool,
    version: str | None = None,
) -> Table:
    """The pupils needing attention at the drop: by name (linking to the profile and class) for
    people who see the school's pupils by name, else how many per subject and reason."""
    assert selection.drop is not None
    drop = selection.drop
    if named:
        obs = view.pupil_observations(school_ids={school.pk}, version=version)
    else:
        obs = view.observations(school_ids={school.pk}, version=version)
    obs = history_until(obs, drop.pk, drop.assessed_on)
    judged = obs.filter(pl.col("drop_id") == drop.pk).select("pupil_id", "subject", "nc_year").unique()
    flagged = (
        needing_attention(
            obs, percentiles.join(judged.select("pupil_id", "subject"), on=["pupil_id", "subject"])
        )
        .join(judged, on=["pupil_id", "subject"])
        .filter(pl.col("school_id") == school.pk)
    )
    drop_name = drop.title
    if not named:
        counts = (
            flagged.explode("reasons")
            .group_by("subject", "reasons")
            .agg(pl.col("pupil_id").n_unique().cast(pl.Int64).alias("n"))
            .rename({"reasons": "reason"})
        )
        counts = view.suppress(counts, partition=("subject", "reason"))
        rows = _with_labels(counts.to_dicts(), selection)
        for row in rows:
            row["reason"] = reason_words([row["reason"]])[0]
        rows.sort(key=lambda r: (r["subject"], r["reason"]))
        return Table(
            "attention",
            f"Pupils needing attention at {drop_name}: how many, by subject and reason",
            [
                Column("subject", "Subject", row_header=True),
                Column("reason", "Reason"),
                Column("n", "Pupils (n)", COUNT),
            ],
            rows,
            note=suppression_note(view),
            empty="No pupil is flagged in this drop.",
        )

    ids = sorted(set(flagged.get_column("pupil_id").to_list()))
    pupils = {p.pk: p for p in visible_pupils(request.user).filter(pk__in=ids)}
    classes: dict[int, list[tuple[int, str, str]]] = {}
    memberships = (
        visible_memberships(request.user)
        .filter(pupil_id__in=ids, group__school=school, group__academic_year_id=drop.academic_year_id)
        .values_list("pupil_id", "group_id", "group__name", "group__subject")
    )
    for pupil_id, group_id, name, subject in memberships.order_by("group__name"):
        classes.setdefault(pupil_id, []).append((group_id, name, subject.strip().lower()))
    # the drop's year's classes (a drop of last year: last year's); said when the pupil had none
    no_class = f"None in {drop.academic_year.label}"
    pupil_path, class_path = pupil_url(_ID), class_url(_ID)
    rows = []
    for row in _with_labels(flagged.to_dicts(), selection):
        pupil = pupils.get(row["pupil_id"])
        if pupil is None:  # not visible by name after all: never shown
            continue
        options = classes.get(row["pupil_id"], [])
        subject_name = row["subject"].lower()
        chosen = next((c for c in options if c[2] in (subject_name, row["subject_code"])), None)
        chosen = chosen or next((c for c in options if not c[2]), None) or (options[0] if options else None)
        rows.append(
            {
                "pupil": pupil.display_name,
                "pupil_url": pupil_path.replace(str(_ID), str(pupil.pk)),
                "sort": (pupil.surname.lower(), pupil.forename.lower(), pupil.pk),
                "year": row["year"],
                "class": chosen[1] if chosen else no_class,
                "class_url": class_path.replace(str(_ID), str(chosen[0])) if chosen else None,
                "subject": row["subject"],
                "reasons": "; ".join(reason_words(row["reasons"])),
            }
        )
    rows.sort(key=lambda r: (r["sort"], r["subject"]))
    return Table(
        "attention",
        f"Pupils needing attention at {drop_name}",
        [
            Column("pupil", "Pupil", row_header=True, link="pupil_url"),
            Column("year", "Year group"),
            Column("class", "Class", link="class_url"),
            Column("subject", "Subject"),
            Column("reasons", "Why"),
        ],
        rows,
        note="Flagged at their latest judgement: gained fewer points over the year than the expected "
        "points rose, fell back since the previous drop, or in the bottom tenth of similar learners.",
        empty="No pupil is flagged in this drop.",
    )


ALL_YEAR_GROUPS = "All year groups"


def one_way_tables(
    view: AnalyticsView, tables: dict[str, pl.DataFrame], whole: dict[str, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(attainment by year group, groups, gaps) for people who must not see small groups
    (governors, directors): year groups and groups each on their own, never crossed. Every figure
    they can reach is then a line that adds up to the school's total (year groups, or the values
    of one group), suppressed by ``AnalyticsView.suppress`` with the same rows and partition as the
    trust page and the API use for the same school, so a figure hidden in one place is hidden in
    every place, and no small group is left to work out by subtraction across pages. (A cross-table
    of year groups x groups shares its margins with those pages and cannot be protected without
    hiding figures they show: ADR 9.) ``whole`` is the school's overview with no year split."""
    years = view.suppress(tables["attainment"], partition=("subject",))
    no_year = pl.lit(None, dtype=tables["attainment"].schema["nc_year"]).alias("nc_year")
    groups = view.suppress(whole["groups"].with_columns(no_year), partition=("subject", "dimension"))
    totals = view.suppress(whole["attainment"], partition=("subject",))
    gaps = view.suppress(
        whole["gaps"].filter(pl.col("measure") == "pct_at_expected").with_columns(no_year),
        partition=("subject", "dimension"),
    )
    return years, groups, hide_gaps_of_hidden_groups(gaps, groups, totals, ())


def school_figures(
    view: AnalyticsView, school: School, selection: Selection, obs: pl.DataFrame
) -> tuple[Page, pl.DataFrame]:
    """The page's figures, which depend only on the user's scope (shared through the memo),
    and the similar-learner percentiles the pupils needing attention are flagged with (none
    where the cell compared with has fewer pupils than the small-group threshold)."""
    assert selection.drop is not None and selection.subject is not None
    group = selection.group
    # the pool up to the drop's year, and how much of it each school is (strides.dashboards.own_pool)
    benchmark, composition = view.similar(end_year=selection.drop.academic_year.start_year)
    tables = overview(
        obs,
        benchmark,
        drop_id=selection.drop.pk,
        group_by=("nc_year",),
        dimensions=(group,),
        composition=composition,
    )
    note = suppression_note(view)
    drop_name = selection.drop.title
    subject_order = {code: position for position, code in enumerate(selection.subjects)}
    unit = figures.YEAR_GROUPS  # the rows: its year groups
    page = Page()

    def by_subject(row: dict[str, Any]) -> tuple[int, bool, int]:
        return (subject_order.get(row["subject_code"], 99), *year_order(row))

    def by_year(row: dict[str, Any]) -> tuple[bool, int, str]:
        return (*year_order(row), row["group"])

    one_way = view.suppresses(school.pk)
    if one_way:
        whole = overview(obs, benchmark, drop_id=selection.drop.pk, group_by=(), dimensions=(group,))
        years, groups, gaps = one_way_tables(view, tables, whole)
    else:
        years = tables["attainment"].with_columns(pl.lit(False).alias("suppressed"))
        groups = tables["groups"].with_columns(pl.lit(False).alias("suppressed"))
        gaps = tables["gaps"].filter(pl.col("measure") == "pct_at_expected")
        gaps = gaps.with_columns(pl.lit(False).alias("suppressed"))
    rows = sorted(_with_labels(figures.rows_of(years), selection), key=by_subject)
    caption = f"{school.name}: attainment by year group and subject, {drop_name}"
    page.add(figures.attainment_figure(rows, unit, caption, drop_name, note))

    chosen = sorted(_with_labels(figures.chosen_groups(groups, selection), selection), key=by_year)
    gap_list = sorted(_with_labels(figures.chosen_gaps(gaps, selection), selection), key=by_year)
    if one_way:  # the whole school's groups
        chosen = [{**row, "year": ALL_YEAR_GROUPS} for row in chosen]
        gap_list = [{**row, "year": ALL_YEAR_GROUPS} for row in gap_list]
    page.add(figures.groups_figure(chosen, unit, selection, note))
    page.add(figures.gaps_figure(gap_list, unit, selection, note))

    trend = _with_labels(figures.chosen_trend(view, tables["trend"], obs, selection, ("nc_year",)), selection)
    trend.sort(key=lambda r: (r["drop_date"], r["drop_id"], *year_order(r)))
    caption = f"{school.name}: {selection.subject.name} across drops, by year group"
    page.add(figures.trend_figure(trend, unit, selection, caption, note))

    value_added = view.suppress(tables["value_added"], partition=("subject",))
    rows = sorted(_with_labels(figures.rows_of(value_added), selection), key=by_subject)
    reasons = own_pool.school_summary(
        school.name,
        own_pool.explain(rows, lambda r: own_pool.why_in_school(school.name, r["own_share"])),
        rows,
    )
    caption = f"{school.name}: progress compared with similar learners, {drop_name}"
    page.add(
        figures.value_added_figure(rows, unit, caption, drop_name, note, own_pool.note_for(view, reasons))
    )

    # as on the class page, the pupil page and the API: no "bottom 10%" among too few similar learners
    return page, hide_percentiles_among_few(tables["percentiles"], view.threshold)


def school_page(
    request: HttpRequest,
    view: AnalyticsView,
    school: School,
    selection: Selection,
    obs: pl.DataFrame | memo.Rows,
    scope: memo.Scope | None = None,
) -> Page:
    """The figures, remembered per scope and filters (``scope``: the user's, with the data
    version read before ``obs``, see strides.dashboards.memo), and this user's pupils needing
    attention, always built for them: who is named there is the user's own, not their scope's."""
    assert selection.drop is not None and selection.subject is not None
    filters = (school.pk, selection.drop.pk, selection.subject.code, selection.group)
    rows = obs if isinstance(obs, memo.Rows) else memo.Rows(lambda: obs)
    key = memo.key("school", scope, *filters)
    shared, percentiles = memo.remember(key, lambda: school_figures(view, school, selection, rows()))
    page = Page(dict(shared.figures), dict(shared.tables))
    page.add(
        table=attention_tables(
            request,
            view,
            school,
            selection,
            percentiles,
            names_pupils(view, school),
            version=scope.version if scope else None,
        )
    )
    return page


def names_pupils(view: AnalyticsView, school: School) -> bool:
    """Whether the page names the school's pupils it counts: staff who see the school's pupils,
    and teachers, whose figures there are their own classes' pupils."""
    return view.names_pupils_at(school.pk) or school.pk in view.class_school_ids


@access_rule(SCHOOL_RULE)
def school(request: HttpRequest, urn: str) -> HttpResponse:
    view = AnalyticsView(request.user)
    school = view.school(urn)  # 404 outside the user's schools, exactly like a missing one
    version = memo.version_of(view)  # before the rows: see strides.dashboards.memo
    many = len(view.aggregate_school_ids) > 1
    crumbs = [("Home", reverse("web:home"))]
    if many:
        crumbs.append(("Trust dashboard", reverse("dashboards:trust")))
    crumbs.append((school.name, ""))
    if figures_pending(request, view, version):
        return loading_response(request, "dashboards/school.html", {"school": school, "breadcrumbs": crumbs})
    # read only if needed: a page served from the memo reads none (but a teacher's digest)
    obs = memo.Rows(lambda: view.observations(school_ids={school.pk}, version=version))
    scope = memo.request_scope(view, obs, version)
    facts_key = memo.key("school", scope, school.pk)
    facts = memo.remember_facts(facts_key, lambda: row_facts(view, obs(), {school.pk}))
    selection = select(request, view, facts, {school.pk})
    page = Page()
    if selection.drop is not None and selection.subject is not None:
        page = school_page(request, view, school, selection, obs, scope)
    named = names_pupils(view, school)
    classes = []
    if named and selection.drop is not None:
        classes = list(
            visible_classes(request.user)
            .filter(school=school, academic_year_id=selection.drop.academic_year_id)
            .order_by("nc_year", "name")
        )
    context = {
        "school": school,
        "selection": selection,
        "suppressing": view.suppresses(school.pk),
        "threshold": view.threshold,
        "named": named,
        "own_classes_only": school.pk in view.class_school_ids,
        "classes": [(group, class_url(group.pk)) for group in classes],
        # the classes of the drop's academic year: for a drop of last year, last year's (or none)
        "classes_year": selection.drop.academic_year.label if selection.drop is not None else "",
        "attention": page.tables.get("attention"),
        "collecting": collection_note(request.user, selection, [school.pk], school.name),
        "breadcrumbs": crumbs,
    }
    return dashboard_response(
        request,
        "dashboards/school.html",
        context,
        page,
        title=f"{school.name} dashboard",
        filename=f"school-{school.urn}",
        selection=selection,
    )
