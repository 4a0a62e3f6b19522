"""The analytics API: /api/v1/analytics/attainment/, progress/, similar-learners/, gaps/,
transitions/ and attention/.

Every view gets its rows from :class:`~strides.dashboards.queries.AnalyticsView` (so from the
scoping gate) and computes them with ``strides.analytics``. Aggregate endpoints (attainment,
similar learners, gaps, transitions) need ``VIEW_AGGREGATES`` and give every row its ``n`` and
``suppressed``: for governors and directors small groups, and those that would give them away by
subtraction, come back with ``n`` and every figure null. Pupil endpoints (progress, attention)
list only the pupils the caller sees by name (as /api/v1/pupils/ does): a parent their child, a
teacher their classes; governors and directors get an empty list, so never a pupil id.

Filters are query parameters: ``school`` (URN; a school outside your scope answers 404, as if
missing), ``subject`` (code), ``drop`` (slug; default the latest drop with data you can see),
``group`` (a group dimension to compare pupils by, as ``?group=`` on the pages; each row names it
in ``dimension`` and its value in ``group``). A parameter an endpoint does not take is a 400
naming it (``strides.api.parameters``). Answers are pages: ``count``, ``next``, ``previous``,
``results`` (``page``, ``page_size`` up to 5000), with what was asked for alongside.

``/api/v1/analytics/benchmark/`` is what similar-learner percentiles compare with: trust admins
and analysts read it, upload an external benchmark table (CSV, ``POST``) and go back to the
trust's own pool (``DELETE``), through ``strides.dashboards.services`` (audited).
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from strides.access.gate import visible_schools
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.analytics import (
    GROUP_DIMENSIONS,
    attainment,
    gaps,
    history_until,
    needing_attention,
    percentiles,
    progress,
    transition_matrix,
    value_added,
)
from strides.api.serializers import ErrorSerializer, ValidationErrorSerializer
from strides.api.views.common import StridesApiMixin
from strides.assessment.models import DataDrop
from strides.dashboards.models import ExternalBenchmark
from strides.dashboards.own_pool import api_value_added
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.services import (
    BENCHMARK_CAPABILITY,
    BenchmarkImportError,
    import_benchmark,
    use_trust_pool,
)
from strides.dashboards.suppressing import hide_gaps_of_hidden_groups, hide_percentiles_among_few
from strides.frameworks.models import Subject
from strides.organisations.models import School, Trust

TAGS = ["analytics"]
PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
# school_id is what every table is already split by
DIMENSIONS = tuple(d for d in GROUP_DIMENSIONS if d != "school_id")
MEASURES = ("pct_at_expected", "mean_points", "mean_percentile")
SINCE = ("year", "baseline")

# --- the schema ------------------------------------------------------------------------------


class _Row(serializers.Serializer):
    school = serializers.CharField(help_text="URN of the school that made the judgements.")
    subject = serializers.CharField(help_text="Subject code.")


class _Counted(_Row):
    n = serializers.IntegerField(
        allow_null=True, help_text="Pupils behind the figures; null when suppressed."
    )
    suppressed = serializers.BooleanField(
        help_text="True: a small group (or one that would give a small group away by subtraction); "
        "n and every figure are null."
    )


class _Grouped(_Counted):
    dimension = serializers.CharField(allow_null=True, help_text="The dimension asked for, or null.")
    group = serializers.CharField(allow_null=True, help_text="The group's value of it, as text, or null.")


class AttainmentRowSerializer(_Grouped):
    mean_points = serializers.FloatField(allow_null=True, help_text="Mean common-scale point.")
    n_with_expected = serializers.IntegerField(allow_null=True)
    n_at_expected = serializers.IntegerField(allow_null=True)
    pct_at_expected = serializers.FloatField(
        allow_null=True, help_text="% of pupils with an expected point at or above it."
    )


class ValueAddedRowSerializer(_Grouped):
    mean_percentile = serializers.FloatField(allow_null=True)
    value_added = serializers.FloatField(allow_null=True, help_text="Mean percentile - 50.")
    ci_low = serializers.FloatField(
        allow_null=True, help_text="95% t interval of value_added, within -50..+50; null: see ci_reason."
    )
    ci_high = serializers.FloatField(allow_null=True)
    ci_reason = serializers.CharField(
        allow_null=True,
        help_text="Why there is no interval (fewer than 2 pupils, or all with the same percentile); "
        "null when there is one.",
    )
    own_share = serializers.FloatField(
        allow_null=True,
        help_text="% of the comparisons behind the figure that are with the school's own pupils (0 "
        "with an external benchmark).",
    )
    withheld = serializers.CharField(
        allow_null=True,
        help_text="Why mean_percentile and value_added are null although there are pupils: above 50% "
        "of its own comparison pool, a school would be compared mostly with itself. Null when shown.",
    )


class GapRowSerializer(_Counted):
    dimension = serializers.CharField()
    group = serializers.CharField(help_text="The group's value of the dimension, as text.")
    measure = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The measure for the group.")
    n_other = serializers.IntegerField(allow_null=True, help_text="Pupils in the rest of the school.")
    value_other = serializers.FloatField(allow_null=True, help_text="The measure for the rest.")
    gap = serializers.FloatField(allow_null=True, help_text="value - value_other.")
    ci_low = serializers.FloatField(
        allow_null=True,
        help_text="95% interval of the gap (Newcombe's for % at expected, Welch's t for means); "
        "null: see ci_reason.",
    )
    ci_high = serializers.FloatField(allow_null=True)
    ci_reason = serializers.CharField(
        allow_null=True,
        help_text="Why there is no interval (fewer than 2 pupils on a side, no one else, or no spread); "
        "null when there is one.",
    )


class TransitionRowSerializer(_Counted):
    start_point = serializers.IntegerField()
    end_point = serializers.IntegerField()


class ProgressRowSerializer(_Row):
    pupil = serializers.IntegerField(help_text="The pupil's id (/api/v1/pupils/{id}/).")
    n = serializers.IntegerField(help_text="Always 1: one pupil.")
    suppressed = serializers.BooleanField(help_text="Always false: you see this pupil by name.")
    start_drop = serializers.CharField(help_text="Slug of the starting drop.")
    start_point = serializers.IntegerField()
    end_drop = serializers.CharField(help_text="Slug of the end drop.")
    end_point = serializers.IntegerField()
    gained = serializers.IntegerField(help_text="end_point - start_point.")
    expected_rise = serializers.IntegerField(
        allow_null=True, help_text="Expected point at the end - at the start; null if either is undefined."
    )
    phase = serializers.CharField(
        allow_null=True, help_text="primary / secondary, from the starting NC year."
    )
    percentile = serializers.FloatField(
        allow_null=True, help_text="Similar-learner percentile (progress over a year only); null otherwise."
    )
    compared_with = serializers.IntegerField(allow_null=True, help_text="Pupils in the cell compared with.")
    matched_on = serializers.CharField(allow_null=True, help_text="What the cell matches on, in words.")


class AttentionRowSerializer(_Row):
    pupil = serializers.IntegerField(help_text="The pupil's id (/api/v1/pupils/{id}/).")
    n = serializers.IntegerField(help_text="Always 1: one pupil.")
    suppressed = serializers.BooleanField(help_text="Always false: you see this pupil by name.")
    reasons = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["not_making_expected_progress", "fallen_back", "bottom_decile"]
        )
    )


def _page_serializer(name: str, row: type[serializers.Serializer]) -> type[serializers.Serializer]:
    fields = {
        "drop": serializers.CharField(allow_null=True, help_text="Slug of the drop the figures are for."),
        "school": serializers.CharField(allow_null=True, help_text="The school asked for (URN), or null."),
        "subject": serializers.CharField(allow_null=True, help_text="The subject asked for, or null."),
        "small_group_threshold": serializers.IntegerField(
            allow_null=True, help_text="Groups under this size are suppressed for you; null: none are."
        ),
        "benchmark": serializers.CharField(
            allow_null=True,
            help_text="What similar-learner percentiles compare with, in words (null where none are used).",
        ),
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": row(many=True),
    }
    return type(name, (serializers.Serializer,), fields)


def _parameter(name: str, description: str, enum: tuple[str, ...] | None = None) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, required=False, description=description, enum=enum)


COMMON_PARAMETERS = [
    _parameter("school", "URN of one school (out of your scope: 404)."),
    _parameter("subject", "Subject code, e.g. maths."),
    _parameter("drop", "Slug of the drop; default the latest drop with data you can see."),
    OpenApiParameter("page", OpenApiTypes.INT, required=False, description="Page number, from 1."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, required=False, description=f"Rows per page (default {PAGE_SIZE})."
    ),
]
GROUP = "group"  # the pages' name for it too: "Compare pupils by" (?group=)
DIMENSION = _parameter(
    GROUP, "Compare pupils by this group dimension: each school's figures split by it.", DIMENSIONS
)
SINCE_PARAMETER = _parameter(
    "since",
    "Progress from the same term a year before (default) or from each pupil's first judgement.",
    SINCE,
)
ERRORS = {400: ValidationErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


# --- shared machinery ------------------------------------------------------------------------


class _Query:
    """The request's filters, checked: school, subject, drop, and the rows they select."""

    def __init__(self, view: AnalyticsView, request: Request, *, pupils: bool) -> None:
        self.view = view
        params = request.query_params
        self.school = self._school(params.get("school"), pupils=pupils)
        self.subject = self._subject(params.get("subject"))
        wanted_drop = (params.get("drop") or "").strip()
        self.drop: DataDrop | None = None
        if wanted_drop:
            self.drop = view.drop(wanted_drop)
            if self.drop is None:
                raise Http404("Not found")
        school_ids = None if self.school is None else [self.school.pk]
        rows = (
            view.pupil_observations(school_ids=school_ids)
            if pupils
            else view.observations(school_ids=school_ids)
        )
        if self.subject is not None:
            rows = rows.filter(pl.col("subject") == self.subject)
        drop_id = self.drop.pk if self.drop else view.latest_drop_id(rows)
        self.drop_id = drop_id
        # the academic year the similar-learner pool ends with: the drop's (None: the latest)
        self.end_year: int | None = None
        if drop_id is None:
            self.history = self.current = rows.clear()
        else:
            on = rows.filter(pl.col("drop_id") == drop_id)
            if on.height:
                self.end_year = int(on.get_column("academic_year")[0])
            elif self.drop is not None:  # a drop with no rows you see: one query for its year
                self.end_year = self.drop.academic_year.start_year
            self.history = history_until(rows, drop_id, self.drop.assessed_on if self.drop else None)
            self.current = on

    def _school(self, urn: str | None, *, pupils: bool) -> School | None:
        urn = (urn or "").strip()
        if not urn:
            return None
        if pupils:
            school = visible_schools(self.view.user).filter(urn=urn).first()
            if school is None:
                raise Http404("Not found")
            return school
        return self.view.school(urn)

    def _subject(self, code: str | None) -> str | None:
        code = (code or "").strip().lower()
        if not code:
            return None
        of_the_trust = Q(trust__isnull=True) | Q(trust_id=self.view.trust_id)  # codes are per trust
        if not Subject.objects.filter(of_the_trust, code=code).exists():
            raise exceptions.ValidationError({"subject": [f"No subject with the code {code!r}."]})
        return code

    def benchmark(self) -> pl.DataFrame:
        """The similar-learner pool of the three academic years up to the drop's."""
        return self.view.benchmark(end_year=self.end_year)

    def percentile_rows(self, since: str = "year", *, named: bool = False) -> pl.DataFrame:
        """Progress to the drop with similar-learner percentiles. ``named``: rows of pupils shown
        by name, which give no percentile among fewer similar learners than the small-group
        threshold (as the class and pupil pages)."""
        rows = progress(self.history, since=since, until=self.drop_id) if self.drop_id else None
        if rows is None or rows.is_empty():
            return percentiles(progress(self.history.clear(), since="year"), self.benchmark())
        if since != "year":  # percentiles compare progress over a year only
            return rows.with_columns(
                pl.lit(None, dtype=pl.Float64).alias("percentile"),
                pl.lit(None, dtype=pl.Int64).alias("compared_with"),
                pl.lit(None, dtype=pl.String).alias("matched_on"),
            )
        rows = percentiles(rows, self.benchmark())
        return hide_percentiles_among_few(rows, self.view.threshold) if named else rows


def _choice(request: Request, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return default
    if value not in choices:
        raise exceptions.ValidationError({name: [f"{value!r} is not one of {', '.join(choices)}."]})
    return value


def _whole_number(request: Request, name: str, default: int, highest: int) -> int:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return default
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses
    if not re.fullmatch(r"[0-9]+", value) or not 1 <= int(value) <= highest:
        raise exceptions.ValidationError({name: [f"{value!r} is not a whole number from 1 to {highest}."]})
    return int(value)


class AnalyticsApiView(StridesApiMixin, generics.GenericAPIView):
    pagination_class = None
    filter_backends: list = []
    pupil_rows = False
    uses_percentiles = False
    partition: tuple[str, ...] = ("school_id", "subject")

    def grouping(self, request: Request) -> list[str]:
        """The columns rows are grouped by: school and subject, and the dimension asked for (``group``).
        Sets ``dimension`` and the suppression ``partition`` (a dimension's values add up to
        their school's figure; the schools' figures to nothing shown)."""
        self.dimension = dimension = _choice(request, GROUP, DIMENSIONS, None)
        self.partition = ("school_id", "subject") if dimension else ("subject",)
        return ["school_id", "subject", *([dimension] if dimension else [])]

    # Views that split by a dimension set it in rows(); their rows keep the dimension's own column
    # until they are suppressed (ties for "next smallest" break on its values, as on the pages),
    # then show it as text in ``dimension`` / ``group``.
    grouped = False
    dimension: str | None = None

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return self.serializer_class

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        view = AnalyticsView(request.user)
        query = _Query(view, request, pupils=self.pupil_rows)
        table = self.rows(query, request)
        if not self.pupil_rows:
            table = self.suppressed(view, query, table)
        else:
            table = table.with_columns(
                pl.lit(1, dtype=pl.Int64).alias("n"), pl.lit(False).alias("suppressed")
            )
        if self.grouped:
            table = _grouped(table, self.dimension)
        return self.page(request, view, query, table)

    def suppressed(self, view: AnalyticsView, query: _Query, table: pl.DataFrame) -> pl.DataFrame:
        """``table`` through ``AnalyticsView.suppress`` (on the dimension's own values)."""
        return view.suppress(table, partition=self.partition)

    def page(self, request: Request, view: AnalyticsView, query: _Query, table: pl.DataFrame) -> Response:
        size = _whole_number(request, "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        count = table.height
        pages = max(1, -(-count // size))
        number = _whole_number(request, "page", 1, 10**9)
        if number > pages:
            raise Http404("Not found")
        rows = _public(table.slice((number - 1) * size, size), query)
        url = request.build_absolute_uri()
        previous = None
        if number > 1:
            previous = (
                remove_query_param(url, "page")
                if number == 2
                else replace_query_param(url, "page", number - 1)
            )
        source = view.pool_source() if self.uses_percentiles else None
        return Response(
            {
                "drop": _slugs(query).get(query.drop_id) if query.drop_id else None,
                "school": query.school.urn if query.school else None,
                "subject": query.subject,
                "small_group_threshold": view.threshold
                if view.suppress_small_groups and not self.pupil_rows
                else None,
                "benchmark": source.description if source and self.uses_percentiles else None,
                "count": count,
                "next": replace_query_param(url, "page", number + 1) if number < pages else None,
                "previous": previous,
                "results": rows,
            }
        )


def _slugs(query: _Query) -> dict[int, str]:
    cached = getattr(query, "_slugs", None)
    if cached is None:
        cached = dict(query.view.drops().values_list("pk", "slug"))
        query._slugs = cached  # type: ignore[attr-defined]
    return cached


def _public(table: pl.DataFrame, query: _Query) -> list[dict[str, Any]]:
    """Rows as the API shows them: schools by URN, drops by slug, pupils as ``pupil``."""
    if table.is_empty():
        return []
    urns: dict[int, str] = {}
    if "school_id" in table.columns:
        wanted = set(table.get_column("school_id").drop_nulls().to_list())
        urns = dict(School.objects.filter(pk__in=wanted).values_list("pk", "urn"))
    slugs = _slugs(query) if {"start_drop_id", "end_drop_id"} & set(table.columns) else {}
    rows = []
    for row in table.to_dicts():
        shown: dict[str, Any] = {}
        if "school_id" in row:
            shown["school"] = urns.get(row.pop("school_id"))
        if "pupil_id" in row:
            shown["pupil"] = row.pop("pupil_id")
        for name, value in row.items():
            if name in ("start_drop_id", "end_drop_id"):
                shown[name.removesuffix("_id")] = slugs.get(value)
            else:
                shown[name] = value
        rows.append(shown)
    return rows


def _grouped(table: pl.DataFrame, dimension: str | None) -> pl.DataFrame:
    """The dimension's name and value as text in ``dimension`` / ``group`` (null without one)."""
    if dimension is None:
        return table.with_columns(
            pl.lit(None, dtype=pl.String).alias("dimension"), pl.lit(None, dtype=pl.String).alias("group")
        )
    return table.with_columns(
        pl.lit(dimension).alias("dimension"), pl.col(dimension).cast(pl.String).alias("group")
    ).drop(dimension)


# --- the endpoints ---------------------------------------------------------------------------

AGGREGATES = AccessRule(Capability.VIEW_AGGREGATES, description="aggregates of the schools in scope")
# As /api/v1/pupils/: anyone signed in, answered with the pupils the gate lets them see by name
# (a parent's child, a teacher's class...), so none for governors and directors.
PUPILS = AccessRule(None, description="named pupils through the gate; none for aggregate-only roles")


class AttainmentView(AnalyticsApiView):
    """Attainment in a drop, by school and subject (and a group dimension): mean common point and
    % at or above the expected point for age."""

    access = AGGREGATES
    serializer_class = _page_serializer("AttainmentPage", AttainmentRowSerializer)

    @extend_schema(
        summary="Attainment by school and subject", tags=TAGS, parameters=[*COMMON_PARAMETERS, DIMENSION],
        responses={200: serializer_class, **ERRORS},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    grouped = True

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        return attainment(query.current, self.grouping(request))


class SimilarLearnersView(AnalyticsApiView):
    """Value added against similar learners in a drop: the mean similar-learner percentile of each
    school's pupils (progress over the year to the drop) against 50, with its 95% interval."""

    access = AGGREGATES
    uses_percentiles = True
    serializer_class = _page_serializer("SimilarLearnersPage", ValueAddedRowSerializer)

    @extend_schema(
        summary="Value added against similar learners", tags=TAGS, parameters=[*COMMON_PARAMETERS, DIMENSION],
        responses={200: serializer_class, **ERRORS},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    grouped = True

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        by = self.grouping(request)
        pct_rows = query.percentile_rows()
        # withheld where a school is mostly its own comparison pool (strides.dashboards.own_pool)
        table = value_added(pct_rows, by)
        return api_value_added(query.view, pct_rows, table, by=by, end_year=query.end_year)


class GapsView(AnalyticsApiView):
    """Gaps in a drop: each group of a dimension against the rest of its school, per subject, with
    the 95% interval of the difference."""

    access = AGGREGATES
    serializer_class = _page_serializer("GapsPage", GapRowSerializer)

    @extend_schema(
        summary="Gaps between groups and the rest of their school",
        tags=TAGS,
        parameters=[
            *COMMON_PARAMETERS,
            _parameter(GROUP, "Compare pupils by this group dimension (default disadvantaged).", DIMENSIONS),
            _parameter("measure", "What is compared (default pct_at_expected).", MEASURES),
        ],
        responses={200: serializer_class, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    grouped = True

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        self.dimension = dimension = _choice(request, GROUP, DIMENSIONS, "disadvantaged")
        measure = _choice(request, "measure", MEASURES, "pct_at_expected")
        self.uses_percentiles = measure == "mean_percentile"
        self.source = query.percentile_rows() if measure == "mean_percentile" else query.current
        table = gaps(self.source, dimension, by=["school_id", "subject"], measure=measure)
        return table.with_columns(pl.lit(measure).alias("measure"))

    def suppressed(self, view: AnalyticsView, query: _Query, table: pl.DataFrame) -> pl.DataFrame:
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


class TransitionsView(AnalyticsApiView):
    """Transition matrix: how many pupils moved from each starting point to each point in the drop,
    per school and subject (progress over the year, or since each pupil's first judgement)."""

    access = AGGREGATES
    serializer_class = _page_serializer("TransitionsPage", TransitionRowSerializer)
    partition = ("school_id", "subject", "start_point")

    @extend_schema(
        summary="Transition matrix: starting point x point now", tags=TAGS,
        parameters=[*COMMON_PARAMETERS, SINCE_PARAMETER], responses={200: serializer_class, **ERRORS},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        since = _choice(request, "since", SINCE, "year")
        rows = progress(query.history, since=since, until=query.drop_id)  # None: each pupil's latest
        return transition_matrix(rows, by=["school_id", "subject"])


class ProgressView(AnalyticsApiView):
    """Each pupil's progress to the drop, with the similar-learner percentile for progress over a
    year. Only pupils you see by name."""

    access = PUPILS
    pupil_rows = True
    uses_percentiles = True
    serializer_class = _page_serializer("ProgressPage", ProgressRowSerializer)

    @extend_schema(
        summary="Progress per pupil, with similar-learner percentiles", tags=TAGS,
        parameters=[*COMMON_PARAMETERS, SINCE_PARAMETER], responses={200: serializer_class, **ERRORS},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        since = _choice(request, "since", SINCE, "year")
        rows = query.percentile_rows(since, named=True)
        return rows.select(
            "pupil_id", "school_id", "subject", "start_drop_id", "start_point", "end_drop_id", "end_point",
            "gained", "expected_rise", "phase", "percentile", "compared_with", "matched_on",
        ).sort(["school_id", "pupil_id", "subject"])  # fmt: skip


class AttentionView(AnalyticsApiView):
    """Pupils needing attention at the drop: not making expected progress over the year, fallen
    back since their previous judgement, or in the bottom decile among similar learners. Only
    pupils you see by name."""

    access = PUPILS
    pupil_rows = True
    uses_percentiles = True
    serializer_class = _page_serializer("AttentionPage", AttentionRowSerializer)

    @extend_schema(
        summary="Pupils needing attention", tags=TAGS, parameters=COMMON_PARAMETERS,
        responses={200: serializer_class, **ERRORS},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return super().get(request)

    def rows(self, query: _Query, request: Request) -> pl.DataFrame:
        # judged at the drop: the pupils judged in it, with what came before
        judged = query.current.select("pupil_id", "subject").unique()
        history = query.history.join(judged, on=["pupil_id", "subject"], how="semi")
        flagged = needing_attention(history, query.percentile_rows(named=True))
        return flagged.select("pupil_id", "school_id", "subject", "reasons").sort(
            ["school_id", "pupil_id", "subject"]
        )


# --- the benchmark -----------------------------------------------------------------------------


class BenchmarkSerializer(serializers.Serializer):
    external = serializers.BooleanField(help_text="True: an uploaded table; false: the trust's own pupils.")
    name = serializers.CharField()
    description = serializers.CharField(help_text="What percentiles compare with, in words.")
    source = serializers.CharField(allow_null=True, help_text="Where an uploaded table came from.")
    filename = serializers.CharField(allow_null=True)
    cells = serializers.IntegerField(allow_null=True, help_text="Rows of the table: cell x points gained.")
    pupils = serializers.IntegerField(allow_null=True, help_text="Pupils in the table's any-need cells.")
    uploaded_by = serializers.CharField(allow_null=True)
    uploaded_at = serializers.DateTimeField(allow_null=True)


class BenchmarkUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (UTF-8) with the columns subject, phase, start_point, primary_need ('*' for "
        "any need), gained, pupils: see docs/analytics.md."
    )
    name = serializers.CharField(max_length=120, help_text="What the table is, e.g. 'National 2022-2025'.")
    source = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BenchmarkView(StridesApiMixin, generics.GenericAPIView):
    """What similar-learner percentiles compare with: the trust's own pool, or an uploaded table."""

    access = AccessRule(BENCHMARK_CAPABILITY, description="the trust's benchmark: trust admins and analysts")
    write_capabilities = {"post": (BENCHMARK_CAPABILITY,), "delete": (BENCHMARK_CAPABILITY,)}
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = BenchmarkSerializer
    pagination_class = None
    filter_backends: list = []

    def _trust(self, request: Request) -> Trust:
        view = AnalyticsView(request.user)
        trust = Trust.objects.filter(pk=view.trust_id).first()
        if trust is None:
            raise Http404("Not found")
        return trust

    def _answer(self, trust: Trust, code: int = status.HTTP_200_OK) -> Response:
        from strides.dashboards.frames import pool_source

        source = pool_source(trust.pk)
        current = (
            ExternalBenchmark.objects.filter(trust=trust, in_use=True).select_related("uploaded_by").first()
            if source.external
            else None
        )
        return Response(
            {
                "external": source.external,
                "name": source.name,
                "description": source.description,
                "source": current.source if current else None,
                "filename": current.filename if current else None,
                "cells": current.cells if current else None,
                "pupils": current.pupils if current else None,
                "uploaded_by": str(current.uploaded_by) if current and current.uploaded_by else None,
                "uploaded_at": current.uploaded_at.isoformat() if current else None,
            },
            status=code,
        )

    @extend_schema(
        summary="What similar-learner percentiles compare with",
        tags=TAGS,
        responses={200: BenchmarkSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        return self._answer(self._trust(request))

    @extend_schema(
        summary="Upload an external benchmark table (CSV) and use it",
        tags=TAGS,
        request={"multipart/form-data": BenchmarkUploadSerializer},
        responses={201: BenchmarkSerializer, 400: ValidationErrorSerializer, 403: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        trust = self._trust(request)
        form = BenchmarkUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        limit = settings.STRIDES_MAX_IMPORT_BYTES
        data = upload.read(limit + 1)
        try:
            import_benchmark(
                request.user,
                trust,
                filename=upload.name,
                data=data,
                name=form.validated_data["name"],
                source=form.validated_data["source"],
            )
        except BenchmarkImportError as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from error
        except PermissionError as error:
            raise exceptions.PermissionDenied(str(error)) from error
        return self._answer(trust, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Stop using the uploaded table: compare with the trust's own pupils again",
        tags=TAGS,
        request=None,
        responses={200: BenchmarkSerializer, 403: ErrorSerializer},
    )
    def delete(self, request: Request) -> Response:
        trust = self._trust(request)
        try:
            use_trust_pool(request.user, trust)
        except PermissionError as error:
            raise exceptions.PermissionDenied(str(error)) from error
        return self._answer(trust)
