"""The trust dashboard, the Dashboards entry point, and what the trust and school pages share.

Rows come only through :class:`~strides.dashboards.queries.AnalyticsView` (the scoping gate) and
figures only from :func:`strides.analytics.overview`; for governors and directors every table goes
through ``AnalyticsView.suppress`` before it is drawn, written or exported. Filters are GET
parameters (``?drop=<slug>&subject=<code>&group=<dimension>``) in a form that works without
JavaScript; every table exports with ``&export=xlsx&table=NAME``. See docs/dashboards.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import polars as pl
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.gate import scope_for
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.analytics import GROUP_DIMENSIONS, attainment, overview
from strides.assessment.models import DataDrop, DropKind
from strides.assessment.queries import Completeness, completeness
from strides.dashboards import charts, memo, own_pool
from strides.dashboards.charts import Figure
from strides.dashboards.exports import (
    COUNT,
    NUMBER,
    PERCENT,
    SIGNED,
    Column,
    ExportError,
    Table,
    requested_table,
    suppressed_text,
    xlsx_response,
)
from strides.dashboards.queries import RELEASED, AnalyticsView
from strides.dashboards.services import manages_benchmark
from strides.dashboards.suppressing import hide_gaps_of_hidden_groups
from strides.frameworks.models import Subject
from strides.frameworks.queries import subjects_for
from strides.organisations.models import Trust
from strides.pupils.codes import NC_YEAR_LABELS, SenNeed

DASHBOARD_RULE = AccessRule(
    Capability.VIEW_AGGREGATES,
    description="aggregates of the user's schools; small groups suppressed for governors and directors",
)
SCHOOL_RULE = AccessRule(
    Capability.VIEW_AGGREGATES,
    object_scoped=True,
    description="a school whose aggregates the user sees (404 otherwise)",
)

# --- labels --------------------------------------------------------------------------------------

DIMENSION_LABELS = {
    "disadvantaged": "Disadvantaged",
    "sen": "SEN provision",
    "primary_need": "Primary need",
    "eal": "EAL",
    "sex": "Sex",
    "looked_after": "Looked after",
    "ethnic_group": "Ethnic group",
    "nc_year": "Year group",
    "school_id": "School",
}
# Yes/no dimensions: the "no" side is the mirror image of the "yes" side's gap, so gap tables show
# the "yes" side only ("disadvantaged against all other pupils").
YES_NO_DIMENSIONS = ("disadvantaged", "eal", "looked_after")
VALUE_LABELS = {
    "disadvantaged": {"true": "Disadvantaged", "false": "Not disadvantaged"},
    "eal": {"true": "EAL", "false": "Not EAL"},
    "looked_after": {"true": "Looked after", "false": "Not looked after"},
    "sex": {"F": "Girls", "M": "Boys"},
    "sen": {"N": "No SEN", "K": "SEN support", "E": "EHC plan"},
    "primary_need": {"": "No primary need", **{need.value: need.label for need in SenNeed}},
}
ALL_PUPILS = "All pupils"


def group_label(dimension: str, value: Any) -> str:
    """A group's name as people say it: "Disadvantaged", "SEN support", "Year 3", "Girls"."""
    text = "" if value is None else str(value)
    if dimension == "nc_year":
        try:
            return NC_YEAR_LABELS.get(int(text), text)
        except ValueError:
            return text
    return VALUE_LABELS.get(dimension, {}).get(text, text or "Not recorded")


def value_order(dimension: str, value: Any) -> tuple[int, int, str]:
    """Groups in the order people list them: yes before no, girls before boys, no SEN before SEN
    support before EHC plan, needs in the census order; other values by name; not recorded last."""
    known = list(VALUE_LABELS.get(dimension, {}))
    text = "" if value is None else str(value)
    if value is not None and text in known:
        return (0, known.index(text), "")
    return (1 if value is not None else 2, 0, group_label(dimension, value))


def year_label(nc_year: Any) -> str:
    return group_label("nc_year", nc_year)


def one_decimal(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


# --- filters --------------------------------------------------------------------------------------

GROUP_CHOICES = [(d, DIMENSION_LABELS[d]) for d in GROUP_DIMENSIONS if d not in ("school_id", "nc_year")]


class DashboardFilters(forms.Form):
    """What a dashboard shows: a drop, a subject and the group of pupils to compare. All optional:
    an empty or unknown value falls back to the default (and an unknown one says so)."""

    drop = forms.ChoiceField(
        label="Data drop", required=False, error_messages={"invalid_choice": "There is no such drop here."}
    )
    subject = forms.ChoiceField(
        label="Subject",
        required=False,
        error_messages={"invalid_choice": "No judgements in this subject in the drop."},
    )
    group = forms.ChoiceField(
        label="Compare pupils by",
        required=False,
        choices=GROUP_CHOICES,
        error_messages={"invalid_choice": "Choose one of the listed groups."},
    )

    def __init__(
        self,
        data: Any,
        *,
        drops: Sequence[DataDrop],
        subjects: Sequence[Subject],
        collecting: Iterable[int] = (),
    ) -> None:
        super().__init__(data)
        self.fields["drop"].choices = drop_choices(drops, collecting)
        self.fields["subject"].choices = [(s.code, s.name) for s in subjects]


def drop_choices(drops: Sequence[DataDrop], collecting: Iterable[int]) -> list[tuple[str, str]]:
    """The drops for a filter, latest first, those still being collected said so."""
    waiting = set(collecting)
    return [
        (d.slug, f"{d.title} (still being collected)" if d.pk in waiting else d.title)
        for d in reversed(drops)
    ]


def default_drop(drops: Sequence[DataDrop], collecting: Iterable[int]) -> DataDrop | None:
    """A page's drop when none is asked for: the latest whose collection is finished (its
    deadline passed, or every school of the page submitted or locked), so a page never opens on
    figures that are still coming in; the latest of all when none is finished yet. A termly drop
    comes before a baseline (one new school's), which is the default only where no termly drop
    is finished (that school's own page, in its first term)."""
    waiting = set(collecting)
    finished = [d for d in drops if d.pk not in waiting]
    termly = [d for d in finished if d.kind == DropKind.TERMLY]
    chosen = termly or finished or list(drops)
    return chosen[-1] if chosen else None


@dataclass(frozen=True)
class CollectionNote:
    """What a page says at its top when its drop is still being collected: how many of its
    schools have submitted and how much is recorded (``parts``: the drop's completeness at the
    page's schools). ``school``: the one school the page is about, if it is one school's."""

    drop: DataDrop
    parts: Sequence[Completeness]
    school: str = ""

    @property
    def submitted(self) -> int:
        return sum(1 for part in self.parts if part.part.status in RELEASED)

    @property
    def recorded(self) -> int:
        return sum(part.recorded for part in self.parts)

    @property
    def expected(self) -> int:
        return sum(part.expected for part in self.parts)

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.expected) if self.expected else 100

    @property
    def sentence(self) -> str:
        """ "Autumn 2026/27 is still being collected: 7 of 12 schools submitted, 81% of judgements
        recorded; figures will change." """
        title = self.drop.title
        if self.school:
            where = f"{self.school} has not submitted it yet, {self.percent}% of its judgements recorded"
            where += f" ({self.recorded:,} of {self.expected:,})"
        else:
            schools = len(self.parts)
            where = (
                f"{self.submitted} of {schools} school{'' if schools == 1 else 's'} submitted, "
                f"{self.percent}% of judgements recorded"
            )
        return f"{title} is still being collected: {where}; figures will change."

    @property
    def deadline(self) -> str:
        return f"{self.drop.deadline.day} {self.drop.deadline:%B %Y}"


def collection_note(
    selection: Selection | None, school_ids: Iterable[int], school: str = ""
) -> CollectionNote | None:
    """The note for a selection whose drop is still being collected (four queries), else None."""
    if selection is None or selection.drop is None or selection.drop.pk not in selection.collecting:
        return None
    return CollectionNote(selection.drop, completeness(selection.drop, school_ids=sorted(school_ids)), school)


@dataclass
class Selection:
    """The filters in force, after defaults."""

    drop: DataDrop | None
    subject: Subject | None
    group: str
    form: DashboardFilters
    drops: dict[int, DataDrop] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)
    collecting: frozenset[int] = frozenset()  # drops still being collected at the page's schools

    @property
    def is_collecting(self) -> bool:
        return self.drop is not None and self.drop.pk in self.collecting

    @property
    def query(self) -> str:
        """The filters as a query string: links and exports show the same rows."""
        params = {
            "drop": self.drop.slug if self.drop else "",
            "subject": self.subject.code if self.subject else "",
        }
        params["group"] = self.group
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def group_label(self) -> str:
        return DIMENSION_LABELS[self.group]

    def described(self) -> list[tuple[str, str]]:
        """The filters as (label, value) for an export's About sheet."""
        rows = []
        if self.drop:
            rows.append(("Data drop", f"{self.drop.title} (assessed on {self.drop.assessed_on:%d/%m/%Y})"))
        if self.subject:
            rows.append(("Subject", self.subject.name))
        rows.append(("Pupils compared by", self.group_label))
        return rows

    def drop_name(self, drop_id: int) -> str:
        drop = self.drops.get(drop_id)
        return drop.title if drop else f"Drop {drop_id}"

    def subject_name(self, code: str) -> str:
        subject = self.subjects.get(code)
        return subject.name if subject else code


def select(
    request: HttpRequest, view: AnalyticsView, obs: pl.DataFrame, school_ids: Iterable[int]
) -> Selection:
    """Read the filters against the rows the user may see: drops with rows, latest first; the
    drop's subjects in their usual order. By default the latest drop whose collection is
    finished at ``school_ids`` (the page's schools). Three queries (the trust's drops, those
    still being collected, the subjects)."""
    present = set(obs.get_column("drop_id").unique().to_list()) if obs.height else set()
    drops = [d for d in view.drops().select_related("academic_year") if d.pk in present]
    by_id = {d.pk: d for d in drops}
    collecting = view.collecting_drop_ids(drops, school_ids)
    codes = set(obs.get_column("subject").unique().to_list()) if obs.height else set()
    known = subjects_for(view.trust_id, include_archived=True, every_school=True)  # codes: per trust
    all_subjects = [s for s in known if s.code in codes]
    probe = DashboardFilters(request.GET, drops=drops, subjects=all_subjects, collecting=collecting)
    probe.is_valid()
    slug = probe.cleaned_data.get("drop") or ""
    drop = next((d for d in drops if d.slug == slug), None) or default_drop(drops, collecting)
    in_drop = (
        set(obs.filter(pl.col("drop_id") == drop.pk).get_column("subject").unique().to_list())
        if drop
        else set()
    )
    subjects = [s for s in all_subjects if s.code in in_drop]
    form = DashboardFilters(request.GET, drops=drops, subjects=subjects, collecting=collecting)
    form.is_valid()
    code = form.cleaned_data.get("subject") or ""
    subject = next((s for s in subjects if s.code == code), None) or (subjects[0] if subjects else None)
    group = form.cleaned_data.get("group") or "disadvantaged"
    # The form shows what is in force, defaults included, so "Show" keeps it; a refused value
    # stays as it was sent, for the error summary to quote.
    form.data = form.data.copy()
    in_force = {"drop": drop.slug if drop else "", "subject": subject.code if subject else "", "group": group}
    for name, value in in_force.items():
        if name not in form.errors:
            form.data[name] = value
    return Selection(drop, subject, group, form, by_id, {s.code: s for s in all_subjects}, collecting)


# --- figures --------------------------------------------------------------------------------------


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    return table.to_dicts()


@dataclass
class Page:
    """A dashboard's figures and tables, by table name (the export's ``table=NAME``)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    collecting: CollectionNote | None = None  # the drop is still being collected

    def add(self, figure: Figure | None = None, *, table: Table | None = None) -> None:
        if figure is not None:
            self.figures[figure.table.name.replace("-", "_")] = figure  # a template reads figures.heat_map
            self.tables[figure.table.name] = figure.table
        if table is not None:
            self.tables[table.name] = table


SUPPRESSION_NOTE = (
    "Groups of fewer than {n} pupils are shown as “suppressed (fewer than {n})”, and where one small "
    "group could be worked out from the others, the next smallest is hidden too. No pupil can be "
    "identified from these figures."
)


def suppression_note(view: AnalyticsView) -> str:
    return SUPPRESSION_NOTE.format(n=view.threshold) if view.suppress_small_groups else ""


def attainment_columns(first: Column, second: Column | None = None) -> list[Column]:
    columns = [first] + ([second] if second else [])
    return [
        *columns,
        Column("n", "Pupils (n)", COUNT),
        Column("mean_points", "Mean points", NUMBER),
        # the % is of these pupils: those with an expected point (none in Reception, for example)
        Column("n_with_expected", "Pupils with an expected point (n)", COUNT),
        Column("pct_at_expected", "% at or above expected", PERCENT),
    ]


def gap_columns(first: Column, group_heading: str) -> list[Column]:
    return [
        first,
        Column("group", group_heading),
        Column("n", "Pupils in the group (n)", COUNT),
        Column("value", "% at or above expected", PERCENT),
        Column("n_other", "Other pupils (n)", COUNT),
        Column("value_other", "Other pupils: % at or above expected", PERCENT),
        Column("gap", "Gap (percentage points)", SIGNED),
        Column("ci_low", "95% interval from", SIGNED),
        Column("ci_high", "95% interval to", SIGNED),
    ]


def value_added_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("subject", "Subject"),
        Column("n", "Pupils (n)", COUNT),
        Column("mean_percentile", "Mean percentile", NUMBER),
        Column("value_added", "Value added", SIGNED),
        Column("ci_low", "95% interval from", SIGNED),
        Column("ci_high", "95% interval to", SIGNED),
    ]


def gap_rows(gaps: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """The % at expected gaps of one dimension (the "yes" side only for yes/no dimensions)."""
    rows = gaps.filter((pl.col("measure") == "pct_at_expected") & (pl.col("dimension") == dimension))
    if dimension in YES_NO_DIMENSIONS:
        rows = rows.filter(pl.col("group") == "true")
    return rows


def trend_with_counts(trend: pl.DataFrame, obs: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """The trend rows with ``n_with_expected`` (pupils behind each % at expected), so a drop's
    row is suppressed exactly as the same drop's attainment row is."""
    counts = attainment(obs, [*by, "subject", "drop_id"]).select(*by, "subject", "drop_id", "n_with_expected")
    return trend.join(counts, on=[*by, "subject", "drop_id"], how="left", nulls_equal=True)


def rounded(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Figures to one decimal place (text under the same name, a group's "value", is left alone)."""
    for key in keys:
        if isinstance(row.get(key), float):
            row[key] = one_decimal(row[key])
    return row


def dashboard_response(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    page: Page,
    *,
    title: str,
    filename: str,
    selection: Selection | None,
) -> HttpResponse:
    """The page, or the table its ``?export=xlsx&table=NAME`` asks for; a bad export request
    shows the page with what was wrong (status 400)."""
    try:
        table = requested_table(request.GET, page.tables)
    except ExportError as error:
        context["export_error"] = str(error)
        table = None
        status = 400
    else:
        status = 200
    if table is not None:
        if selection is not None:
            table.filters = selection.described()
        user = request.user
        who = user.get_full_name() or user.get_username()
        return xlsx_response(table, page=title, filename=f"{filename}-{table.name}", generated_by=who)
    context.update(
        manages_benchmark=manages_benchmark(request.user),
        figures=page.figures,
        tables=page.tables,
        filters=selection.form if selection else None,
        export_query=selection.query if selection else "",
        suppressed_text=suppressed_text(),
    )
    return render(request, template, context, status=status)


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
            out.append(rounded(row, "mean_points", "pct_at_expected", "value", "value_other", "gap", "ci_low",
                               "ci_high", "mean_percentile", "value_added"))  # fmt: skip
        return out

    page = Page()
    school_column = Column("school", "School", row_header=True, link="url")

    attainment = view.suppress(tables["attainment"], partition=("subject",))
    rows = sorted(
        named(_rows(attainment)),
        key=lambda r: (subject_order.get(r["subject_code"], 99), order[r["school_id"]]),
    )
    table = Table(
        "attainment",
        f"Attainment by school and subject, {drop_name}",
        attainment_columns(school_column, Column("subject", "Subject")),
        rows,
        note=note,
    )
    page.add(
        Figure(
            charts.attainment_bars(
                rows,
                title=f"Pupils at or above the expected point, by school and subject ({drop_name})",
                description="Bars: the percentage of pupils at or above the expected point on the common "
                "scale at each school, one panel per subject, each bar labelled with its figure and n.",
            ),
            table,
        )
    )

    value_added = view.suppress(tables["value_added"], partition=("subject",))
    attained = rows
    rows = named(_rows(value_added))
    reasons = own_pool.explain(rows, lambda r: own_pool.why(r["school"], r["own_share"]))
    # a school with attainment but no value added has a row saying why, rather than vanish
    rows = sorted(
        rows + own_pool.without_value_added(attained, rows, tables["percentiles"], key="school_id"),
        key=lambda r: (subject_order.get(r["subject_code"], 99), order[r["school_id"]]),
    )
    table = Table(
        "value-added",
        f"Progress compared with similar learners, by school and subject ({drop_name})",
        value_added_columns(school_column) + own_pool.own_pool_columns(),
        rows,
        note=" ".join(
            part
            for part in (
                "Value added is the mean similar-learner percentile minus 50: 0 means progress like "
                "similar learners', above 0 more. Only pupils with a judgement a year before count.",
                note,
            )
            if part
        ),
        empty="No pupil has a judgement a year before this drop to measure progress from.",
        notice=own_pool.note_for(view, list(dict.fromkeys(reasons))),
    )
    page.add(
        Figure(
            charts.gap_chart(
                rows,
                group="school",
                group_title="School",
                gap="value_added",
                gap_title="Value added (mean percentile − 50)",
                title=f"Progress compared with similar learners ({drop_name})",
                description="Each school's value added as a point with its 95% interval as a line, one "
                "panel per subject; the dashed line at 0 is progress like similar learners'.",
            ),
            table,
        )
    )

    # A school's groups add up to its total (shown above): they protect one another school by school.
    groups = view.suppress(tables["groups"], partition=("school_id", "subject", "dimension"))
    in_subject = groups.filter(pl.col("subject") == subject)
    chosen = [
        {**row, "group": group_label(group, row["value"])}
        for row in _rows(in_subject.filter(pl.col("dimension") == group))
    ]
    chosen = sorted(named(chosen), key=lambda r: (order[r["school_id"]], r["group"]))
    table = Table(
        "groups",
        f"{selection.subject.name} by school and group ({selection.group_label}), {drop_name}",
        attainment_columns(school_column, Column("group", selection.group_label)),
        chosen,
        note=note,
    )
    page.add(
        Figure(
            charts.attainment_bars(
                chosen,
                category="group",
                category_title=selection.group_label,
                facet="school",
                facet_title="School",
                title=f"{selection.subject.name}: at or above expected by group ({selection.group_label})",
                description=f"Bars: for each school, the percentage at or above the expected point in "
                f"{selection.subject.name} of each group ({selection.group_label}), labelled with n.",
            ),
            table,
        )
    )

    gaps = view.suppress(
        tables["gaps"].filter(pl.col("measure") == "pct_at_expected"),
        partition=("school_id", "subject", "dimension"),
    )
    gaps = hide_gaps_of_hidden_groups(gaps, groups, attainment, ("school_id",))
    gap_list = [
        {**row, "group": group_label(group, row["group"])}
        for row in _rows(gap_rows(gaps.filter(pl.col("subject") == subject), group))
    ]
    gap_list = sorted(named(gap_list), key=lambda r: (order[r["school_id"]], r["group"]))
    table = Table(
        "gaps",
        f"{selection.subject.name}: gaps by group ({selection.group_label}) at each school, {drop_name}",
        gap_columns(school_column, selection.group_label),
        gap_list,
        note=note,
    )
    page.add(
        Figure(
            charts.gap_chart(
                gap_list,
                group_title=selection.group_label,
                facet="school",
                facet_title="School",
                title=f"{selection.subject.name}: each group against all other pupils of its school",
                description="Each group's gap in percentage points at or above expected against the rest "
                "of its school, as a point with its 95% interval; the dashed line at 0 is no gap.",
            ),
            table,
        )
    )

    trend = view.suppress(
        trend_with_counts(tables["trend"].filter(pl.col("subject") == subject), obs, ("school_id",)),
        partition=("subject", "drop_id"),
    )
    trend_list = [{**row, "drop": selection.drop_name(row["drop_id"])} for row in _rows(trend)]
    trend_list = sorted(
        named(trend_list), key=lambda r: (r["drop_date"], r["drop_id"], order[r["school_id"]])
    )
    table = Table(
        "trend",
        f"{selection.subject.name} across drops, by school",
        # a school's row at every drop: its link is in the tables above (a link per row here was
        # a tenth of the large trust's page)
        attainment_columns(Column("school", "School", row_header=True), Column("drop", "Data drop")),
        trend_list,
        note=note,
    )
    page.add(
        Figure(
            charts.trend_lines(
                trend_list,
                facet=None,
                title=f"{selection.subject.name}: pupils at or above expected across drops",
                description="A line per school across the data drops up to this one; each line has its "
                "own colour, dash and point shape, named in the legend (and at the line's end when "
                "there are few lines).",
            ),
            table,
        )
    )

    # schools (rows) by the chosen group's values (columns), after each school's whole cohort
    heat = [{**row, "group": ALL_PUPILS} for row in _rows(attainment.filter(pl.col("subject") == subject))]
    heat_groups = sorted(
        (
            {**row, "group": group_label(group, row["value"]), "_position": value_order(group, row["value"])}
            for row in _rows(in_subject.filter(pl.col("dimension") == group))
        ),
        key=lambda r: r["_position"],
    )
    heat_rows = named(heat) + named(heat_groups)
    heat_rows.sort(key=lambda r: order[r["school_id"]])
    columns = [ALL_PUPILS, *dict.fromkeys(r["group"] for r in heat_groups)]
    table = Table(
        "heat-map",
        f"{selection.subject.name}: schools by group ({selection.group_label}), {drop_name}",
        attainment_columns(school_column, Column("group", "Group")),
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

    done = completeness(selection.drop, school_ids=sorted(schools))
    if selection.is_collecting:
        page.collecting = CollectionNote(selection.drop, done)
    table = Table(
        "completeness",
        f"Completeness of {drop_name}",
        [
            school_column,
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
    obs = view.observations(school_ids=schools.keys())
    selection = select(request, view, obs, schools) if schools else None
    trust_name = Trust.objects.filter(pk=view.trust_id).values_list("name", flat=True).first() or ""
    page = Page()
    if selection is not None and selection.drop is not None and selection.subject is not None:
        filters = (selection.drop.pk, selection.subject.code, selection.group)
        key = memo.page_key("trust", view, obs, version, *filters)
        page = memo.remember(key, lambda: trust_page(view, selection, obs, schools))
    context = {
        "trust_name": trust_name,
        "schools": list(schools.values()),
        "selection": selection,
        "suppressing": view.suppress_small_groups,
        "threshold": view.threshold,
        "own_classes_only": [schools[pk].name for pk in sorted(view.class_school_ids) if pk in schools],
        "collecting": page.collecting,
        "completeness_below": True,
        "breadcrumbs": [("Home", reverse("web:home")), ("Trust dashboard", "")],
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
