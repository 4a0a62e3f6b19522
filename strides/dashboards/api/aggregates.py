"""Aggregate endpoints: attainment, value added against similar learners, gaps and transitions,
by school and subject; small groups suppressed for governors and directors."""

from __future__ import annotations

import polars as pl
from rest_framework.request import Request

from strides.analytics import attainment, gaps, progress, transition_matrix, value_added
from strides.dashboards.api.endpoint import AGGREGATES, AnalyticsApiView, Query, choice, documented
from strides.dashboards.api.serializers import (
    DIMENSION,
    DIMENSIONS,
    GROUP,
    MEASURES,
    SINCE,
    SINCE_PARAMETER,
    AttainmentRowSerializer,
    GapRowSerializer,
    TransitionRowSerializer,
    ValueAddedRowSerializer,
    page_serializer,
    parameter,
)
from strides.dashboards.own_pool import api_value_added
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.suppressing import hide_gaps_of_hidden_groups


@documented("Attainment by school and subject", DIMENSION)
class AttainmentView(AnalyticsApiView):
    """Attainment in a drop, by school and subject (and a group dimension): mean common point and
    % at or above the expected point for age."""

    access = AGGREGATES
    serializer_class = page_serializer("AttainmentPage", AttainmentRowSerializer)
    grouped = True

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        return attainment(query.current, self.grouping(request))


@documented("Value added against similar learners", DIMENSION)
class SimilarLearnersView(AnalyticsApiView):
    """Value added against similar learners in a drop: the mean similar-learner percentile of each
    school's pupils (progress over the year to the drop) against 50, with its 95% interval."""

    access = AGGREGATES
    uses_percentiles = True
    serializer_class = page_serializer("SimilarLearnersPage", ValueAddedRowSerializer)
    grouped = True

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        by = self.grouping(request)
        pct_rows = query.percentile_rows()
        # withheld where a school is mostly its own comparison pool (strides.dashboards.own_pool)
        table = value_added(pct_rows, by)
        return api_value_added(query.view, pct_rows, table, by=by, end_year=query.end_year)


@documented(
    "Gaps between groups and the rest of their school",
    parameter(GROUP, "Compare pupils by this group dimension (default disadvantaged).", DIMENSIONS),
    parameter("measure", "What is compared (default pct_at_expected).", MEASURES),
)
class GapsView(AnalyticsApiView):
    """Gaps in a drop: each group of a dimension against the rest of its school, per subject, with
    the 95% interval of the difference."""

    access = AGGREGATES
    serializer_class = page_serializer("GapsPage", GapRowSerializer)
    grouped = True

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        self.dimension = dimension = choice(request, GROUP, DIMENSIONS, "disadvantaged")
        measure = choice(request, "measure", MEASURES, "pct_at_expected")
        self.uses_percentiles = measure == "mean_percentile"
        self.source = query.percentile_rows() if measure == "mean_percentile" else query.current
        table = gaps(self.source, dimension, by=["school_id", "subject"], measure=measure)
        return table.with_columns(pl.lit(measure).alias("measure"))

    def suppressed(self, view: AnalyticsView, query: Query, table: pl.DataFrame) -> pl.DataFrame:
        """The gaps suppressed on their own, then hidden wherever the group's or the school's row
        is hidden where the same figures are shown by group (``attainment/?group=``, or
        ``similar-learners/?group=`` for mean percentiles), exactly as the pages do: a gap
        counts only the pupils behind its measure, so its own "next smallest" may differ."""
        assert self.dimension is not None
        by = ["school_id", "subject"]
        figures = value_added if self.uses_percentiles else attainment
        groups = view.suppress(figures(self.source, [*by, self.dimension]), partition=by)
        totals = view.suppress(figures(self.source, by), partition=("subject",))
        groups = groups.select(
            *by,
            pl.lit(self.dimension).alias("dimension"),
            pl.col(self.dimension).cast(pl.String).alias("value"),
            "suppressed",
        )
        shown = view.suppress(table, partition=self.partition).with_columns(
            pl.lit(self.dimension).alias("dimension"),
            pl.col(self.dimension).cast(pl.String).alias("group"),
        )
        hidden = hide_gaps_of_hidden_groups(shown, groups, totals, ("school_id",))
        return hidden.drop("dimension", "group")


@documented("Transition matrix: starting point x point now", SINCE_PARAMETER)
class TransitionsView(AnalyticsApiView):
    """Transition matrix: how many pupils moved from each starting point to each point in the drop,
    per school and subject (progress over the year, or since each pupil's first judgement)."""

    access = AGGREGATES
    serializer_class = page_serializer("TransitionsPage", TransitionRowSerializer)
    partition = ("school_id", "subject", "start_point")

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        since = choice(request, "since", SINCE, "year")
        rows = progress(query.history, since=since, until=query.drop_id)  # None: each pupil's latest
        return transition_matrix(rows, by=["school_id", "subject"])
