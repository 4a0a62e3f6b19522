"""What every analytics endpoint shares: the request's filters checked (:class:`Query`: school,
subject, drop, and the rows they select, through ``AnalyticsView``), and :class:`AnalyticsApiView`:
rows, suppression for aggregate-only roles, and the answer's pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from strides.access.gate import visible_schools
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.analytics import history_until, percentiles, progress
from strides.api.views.common import StridesApiMixin
from strides.assessment.models import DataDrop
from strides.dashboards.api.serializers import (
    COMMON_PARAMETERS,
    DIMENSIONS,
    ERRORS,
    GROUP,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    TAGS,
)
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.suppressing import hide_percentiles_among_few
from strides.frameworks.models import Subject
from strides.organisations.models import School


class Query:
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


def choice(request: Request, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
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
        self.dimension = dimension = choice(request, GROUP, DIMENSIONS, None)
        self.partition = ("school_id", "subject") if dimension else ("subject",)
        return ["school_id", "subject", *([dimension] if dimension else [])]

    # Views that split by a dimension set it in rows(); their rows keep the dimension's own column
    # until they are suppressed (ties for "next smallest" break on its values, as on the pages),
    # then show it as text in ``dimension`` / ``group``.
    grouped = False
    dimension: str | None = None

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return self.serializer_class

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        view = AnalyticsView(request.user)
        query = Query(view, request, pupils=self.pupil_rows)
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

    def suppressed(self, view: AnalyticsView, query: Query, table: pl.DataFrame) -> pl.DataFrame:
        """``table`` through ``AnalyticsView.suppress`` (on the dimension's own values)."""
        return view.suppress(table, partition=self.partition)

    def page(self, request: Request, view: AnalyticsView, query: Query, table: pl.DataFrame) -> Response:
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


def _slugs(query: Query) -> dict[int, str]:
    cached = getattr(query, "_slugs", None)
    if cached is None:
        cached = dict(query.view.drops().values_list("pk", "slug"))
        query._slugs = cached  # type: ignore[attr-defined]
    return cached


def _public(table: pl.DataFrame, query: Query) -> list[dict[str, Any]]:
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


# --- who may call them ------------------------------------------------------------------------

AGGREGATES = AccessRule(Capability.VIEW_AGGREGATES, description="aggregates of the schools in scope")
# As /api/v1/pupils/: anyone signed in, answered with the pupils the gate lets them see by name
# (a parent's child, a teacher's class...), so none for governors and directors.
PUPILS = AccessRule(None, description="named pupils through the gate; none for aggregate-only roles")


Endpoint = TypeVar("Endpoint", bound=type[AnalyticsApiView])


def documented(summary: str, *parameters: OpenApiParameter) -> Callable[[Endpoint], Endpoint]:
    """An endpoint's GET in the schema: its summary, the common parameters and its own, its page
    of rows (its ``serializer_class``) and the errors."""

    def document(view: Endpoint) -> Endpoint:
        schema = extend_schema(
            summary=summary,
            tags=TAGS,
            parameters=[*COMMON_PARAMETERS, *parameters],
            responses={200: view.serializer_class, **ERRORS},
        )
        return extend_schema_view(get=schema)(view)

    return document
