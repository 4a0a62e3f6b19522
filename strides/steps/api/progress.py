"""A pupil's small-step measures (``GET /api/v1/step-progress/{pupil id}/?from=&to=``): per area,
where they stand on ``to`` and what they gained since ``from``, worked out by
``strides.analytics.small_steps`` from the records the caller may read (docs/small-steps.md,
"Measures")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.gate import get_or_404, visible_pupils
from strides.access.rules import AccessRule
from strides.access.small_steps import visible_achievement_records
from strides.analytics import small_steps as measures
from strides.api.base import INVALID, NOT_FOUND, StridesApiMixin
from strides.organisations.models import AcademicYear
from strides.pupils.models import Pupil
from strides.steps.api import serializers as s
from strides.steps.models import ASPECTS, Shape, StepArea
from strides.steps.queries import records_of, statements_of

TAGS = ["small steps"]
WINDOW = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="Progress since this day (default: the day before 1 September of `to`'s school year).",
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Where the pupil stands on this day (default: today)."
    ),
]


def year_began(day: dt.date) -> dt.date:
    """The day before the school year of ``day`` began: what the pupil had when it did."""
    return dt.date(max(AcademicYear.start_year_for(day), 1), 9, 1) - dt.timedelta(days=1)


MILESTONE_FIELDS = ("secured", "key_secured", "milestones", "key_milestones", "gained")


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def area_measures(records: QuerySet, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """One pupil's measures in each area they have records in (``records``: gate-narrowed, of
    that pupil). A handful of queries, whatever the number of records."""
    frame = records_of(records)
    if frame.is_empty():
        return []
    areas = list(
        StepArea.objects.filter(pk__in=records.order_by().values("statement__area_id"))
        .select_related("framework")
        .order_by("framework__name", "framework_id", "order")
    )
    frameworks = {area.framework_id: area.framework for area in areas}
    statements = statements_of(frameworks)
    lateral = {
        row["area_id"]: row
        for row in measures.lateral_gains(statements, frame, start, end).iter_rows(named=True)
    }
    positions: dict[int, dict[str, Any]] = {}
    milestones: dict[int, dict[str, Any]] = {}
    for framework in frameworks.values():
        ids = [area.pk for area in areas if area.framework_id == framework.pk]
        own = statements.filter(pl.col("area_id").is_in(ids))
        if framework.shape == Shape.MILESTONES:
            before = {
                r["area_id"]: r for r in measures.milestones_secured(own, frame, start).iter_rows(named=True)
            }
            for row in measures.milestones_secured(own, frame, end).iter_rows(named=True):
                gained = row["secured"] - before.get(row["area_id"], {}).get("secured", 0)
                milestones[row["area_id"]] = {**row, "gained": gained}
        else:
            complete = float(framework.step_complete_percent)
            standing = {
                r["area_id"]: r
                for r in measures.area_positions(own, frame, end, complete).iter_rows(named=True)
            }
            for row in measures.progress_between(own, frame, start, end, complete).iter_rows(named=True):
                positions[row["area_id"]] = {**standing.get(row["area_id"], {}), **row}
    rows = []
    for area in areas:
        position = positions.get(area.pk)
        reached = milestones.get(area.pk)
        gains = lateral.get(area.pk, {})
        if position is None and reached is None and not gains:
            continue  # records only after `to`
        rows.append(
            {
                "framework": area.framework,
                "area": area,
                "current_step": position["current_step"] if position else None,
                "current_step_percent": _round(position["current_percent"]) if position else None,
                "steps_secured": _round(position["steps_secured"]) if position else None,
                "steps_completed": position.get("steps_completed") if position else None,
                "statements_secured": _count(reached, "secured")
                if reached
                else _count(position, "statements_secured"),
                "progress_percent": _round(position["progress_percent"]) if position else None,
                "statements_gained": _count(reached, "gained")
                if reached
                else _count(position, "statements_gained"),
                "lateral_gains": {
                    "total": _count(gains, "lateral_gains"),
                    **{aspect: _count(gains, aspect) for aspect in ASPECTS},
                },
                "milestones": {k: _count(reached, k) for k in MILESTONE_FIELDS} if reached else None,
            }
        )
    return rows


def _count(row: dict[str, Any] | None, key: str) -> int:
    return int((row or {}).get(key) or 0)


@extend_schema(tags=TAGS)
class StepProgressViewSet(StridesApiMixin, viewsets.GenericViewSet):
    """Per area: the current step and % of it secured, steps and statements secured, progress
    between ``from`` and ``to`` in % of a step, statements gained and lateral gains per aspect; for
    a milestone map, milestones and key milestones secured (never a %). Made from the records the
    caller may read: a parent sees figures once the school shares the progress page."""

    access = AccessRule(
        None,
        object_scoped=True,
        description="a pupil's small-step measures, through the gate",
    )
    serializer_class = s.StepProgressSerializer
    queryset = Pupil.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="A pupil's small-step measures per area, between two days",
        parameters=WINDOW,
        responses={200: s.StepProgressSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        pupil = get_or_404(visible_pupils(request.user), pk=pk)
        window = s.ProgressWindowSerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        end = window.validated_data.get("to") or dt.date.today()
        start = window.validated_data.get("from") or year_began(end)
        if start > end:
            raise exceptions.ValidationError(
                {"from": [f"{start:%d/%m/%Y} is after `to` ({end:%d/%m/%Y}): progress runs forwards."]}
            )
        records = visible_achievement_records(request.user).filter(pupil=pupil)
        body = {"pupil": pupil, "from": start, "to": end, "areas": area_measures(records, start, end)}
        return Response(s.StepProgressSerializer(body).data)
