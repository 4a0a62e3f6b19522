"""The figures the trust and school pages both draw, for their rows: schools side by side on the
trust page, year groups on a school's page (a :class:`Unit`). Attainment by subject, the chosen
subject's groups and gaps, the subject across drops, and value added, each a chart with its table
(:class:`~strides.dashboards.charts.Figure`), from the tables of ``strides.analytics.overview``
after ``AnalyticsView.suppress``. What the pages draw of their own (the trust page's heat map and
completeness, the school page's pupils needing attention) stays with the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from strides.analytics import attainment
from strides.dashboards import charts, own_pool
from strides.dashboards.charts import Figure
from strides.dashboards.labels import YES_NO_DIMENSIONS, group_label, one_decimal
from strides.dashboards.own_pool import SimilarNote
from strides.dashboards.pages import Selection
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.tables import Column, Table, attainment_columns, gap_columns, value_added_columns

# the figures of a row, to one decimal place
ROUNDED = (
    "mean_points", "pct_at_expected", "value", "value_other", "gap", "ci_low", "ci_high", "mean_percentile",
    "value_added",
)  # fmt: skip
VALUE_ADDED_NOTE = (
    "Value added is the mean similar-learner percentile minus 50: 0 means progress like similar "
    "learners', above 0 more. Only pupils with a judgement a year before count."
)


@dataclass(frozen=True)
class Unit:
    """What a page's rows are, and how its figures speak of them."""

    key: str  # the rows' name for it: "school", "year"
    title: str  # "School", "Year group"
    column: Column  # the tables' first column
    each: str  # "at each school"
    rest: str  # what a group is compared with: "all other pupils of its school"
    line: str  # what a line across drops is: "school"

    @property
    def noun(self) -> str:
        return self.title.lower()


SCHOOLS = Unit(
    "school", "School", Column("school", "School", row_header=True, link="url"), "at each school",
    "all other pupils of its school", "school",
)  # fmt: skip
YEAR_GROUPS = Unit(
    "year", "Year group", Column("year", "Year group", row_header=True), "in each year group",
    "the rest of its year group", "year group (the pupils in that year at each drop)",
)  # fmt: skip


def rounded(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Figures to one decimal place (text under the same name, a group's "value", is left alone)."""
    for key in keys or ROUNDED:
        if isinstance(row.get(key), float):
            row[key] = one_decimal(row[key])
    return row


def rows_of(table: pl.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as dicts, figures rounded."""
    return [rounded(row) for row in table.to_dicts()]


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


# --- the rows of the chosen subject and group ---------------------------------------------------------


def chosen_groups(groups: pl.DataFrame, selection: Selection) -> list[dict[str, Any]]:
    """The chosen subject's rows of the chosen group's values, each named ("Disadvantaged")."""
    assert selection.subject is not None
    chosen = groups.filter(
        (pl.col("subject") == selection.subject.code) & (pl.col("dimension") == selection.group)
    )
    return [{**row, "group": group_label(selection.group, row["value"])} for row in rows_of(chosen)]


def chosen_gaps(gaps: pl.DataFrame, selection: Selection) -> list[dict[str, Any]]:
    """The chosen subject's % at expected gaps of the chosen group, each group named."""
    assert selection.subject is not None
    rows = gap_rows(gaps.filter(pl.col("subject") == selection.subject.code), selection.group)
    return [{**row, "group": group_label(selection.group, row["group"])} for row in rows_of(rows)]


def chosen_trend(
    view: AnalyticsView, trend: pl.DataFrame, obs: pl.DataFrame, selection: Selection, by: Sequence[str]
) -> list[dict[str, Any]]:
    """The chosen subject at every drop up to the selection's, suppressed as each drop's
    attainment is, each row with its drop's name."""
    assert selection.subject is not None
    rows = view.suppress(
        trend_with_counts(trend.filter(pl.col("subject") == selection.subject.code), obs, by),
        partition=("subject", "drop_id"),
    )
    return [{**row, "drop": selection.drop_name(row["drop_id"])} for row in rows_of(rows)]


# --- the figures -----------------------------------------------------------------------------------


def attainment_figure(rows: list[dict[str, Any]], unit: Unit, caption: str, drop: str, note: str) -> Figure:
    """% at or above the expected point per row and subject."""
    spec = charts.attainment_bars(
        rows,
        category=unit.key,
        category_title=unit.title,
        title=f"Pupils at or above the expected point, by {unit.noun} and subject ({drop})",
        description=f"Bars: the percentage of pupils at or above the expected point {unit.each}, one "
        "panel per subject, each bar labelled with its figure and n.",
    )
    columns = attainment_columns(unit.column, Column("subject", "Subject"))
    return Figure(spec, Table("attainment", caption, columns, rows, note=note))


def groups_figure(rows: list[dict[str, Any]], unit: Unit, selection: Selection, note: str) -> Figure:
    """The chosen subject's % at expected by the chosen group's values, a panel per row."""
    assert selection.subject is not None and selection.drop is not None
    subject, group = selection.subject.name, selection.group_label
    spec = charts.attainment_bars(
        rows,
        category="group",
        category_title=group,
        facet=unit.key,
        facet_title=unit.title,
        title=f"{subject}: at or above expected by group ({group})",
        description=f"Bars: for each {unit.noun}, the percentage at or above the expected point in "
        f"{subject} of each group ({group}), labelled with n.",
    )
    caption = f"{subject} by {unit.noun} and group ({group}), {selection.drop.title}"
    columns = attainment_columns(unit.column, Column("group", group))
    return Figure(spec, Table("groups", caption, columns, rows, note=note))


def gaps_figure(rows: list[dict[str, Any]], unit: Unit, selection: Selection, note: str) -> Figure:
    """Each group of the chosen subject against the rest of its row, with the 95% interval."""
    assert selection.subject is not None and selection.drop is not None
    subject, group = selection.subject.name, selection.group_label
    about = (
        f"Each group's gap in percentage points at or above expected against {unit.rest}, as a point "
        "with its 95% interval; the dashed line at 0 is no gap."
    )
    title = f"{subject}: each group against {unit.rest}"
    spec = charts.gap_chart(
        rows, group_title=group, facet=unit.key, facet_title=unit.title, title=title, description=about
    )
    caption = f"{subject}: gaps by group ({group}) {unit.each}, {selection.drop.title}"
    return Figure(spec, Table("gaps", caption, gap_columns(unit.column, group), rows, note=note))


def trend_figure(
    rows: list[dict[str, Any]], unit: Unit, selection: Selection, caption: str, note: str
) -> Figure:
    """The chosen subject's % at expected across drops, a line per row."""
    assert selection.subject is not None
    subject = selection.subject.name
    spec = charts.trend_lines(
        rows,
        series=unit.key,
        series_title=unit.title,
        facet=None,
        title=f"{subject}: pupils at or above expected across drops, by {unit.noun}",
        description=f"A line per {unit.line} across the data drops up to this one; each line has its own "
        "colour, dash and point shape, named in the legend (and at the line's end when there are few "
        "lines).",
    )
    # a row at every drop: its link is in the tables above (a link per row here was a tenth of the
    # large trust's page)
    first = replace(unit.column, link=None)
    columns = attainment_columns(first, Column("drop", "Data drop"))
    return Figure(spec, Table("trend", caption, columns, rows, note=note))


def value_added_figure(
    rows: list[dict[str, Any]], unit: Unit, caption: str, drop: str, note: str, notice: SimilarNote
) -> Figure:
    """Value added per row and subject (mean similar-learner percentile minus 50), with its
    interval, what it is compared with and any figure withheld (``notice``)."""
    spec = charts.gap_chart(
        rows,
        group=unit.key,
        group_title=unit.title,
        gap="value_added",
        gap_title="Value added (mean percentile − 50)",
        title=f"Progress compared with similar learners, by {unit.noun} ({drop})",
        description=f"Each {unit.noun}'s value added as a point with its 95% interval as a line, one "
        "panel per subject; the dashed line at 0 is progress like similar learners'.",
    )
    table = Table(
        "value-added",
        caption,
        value_added_columns(unit.column) + own_pool.own_pool_columns(),
        rows,
        note=f"{VALUE_ADDED_NOTE} {note}".strip(),
        empty="No pupil has a judgement a year before this drop to measure progress from.",
        notice=notice,
    )
    return Figure(spec, table)
