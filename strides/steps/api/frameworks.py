"""Small-step frameworks the caller may use (``GET /api/v1/step-frameworks/``), and one with its
structure: areas -> steps -> statements and its achievement levels."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from strides.access.gate import get_or_404
from strides.access.rules import AccessRule
from strides.access.small_steps import usable_step_frameworks
from strides.api.base import NOT_FOUND, StridesApiMixin
from strides.steps.api import serializers as s
from strides.steps.api.filters import StepFrameworkFilter
from strides.steps.models import AchievementLevel, Statement, Step, StepFramework

TAGS = ["small steps"]
FRAMEWORK_ID = OpenApiParameter(
    "step_framework_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The framework's id."
)


def with_structure(framework: StepFramework) -> StepFramework:
    """Hang the framework's areas, steps and statements (removed ones too, with ``removed_on``)
    on it for the detail serializer: four queries, whatever its size."""
    areas = list(framework.areas.order_by("order"))
    steps: dict[int, list[Step]] = defaultdict(list)
    for step in Step.objects.filter(area__framework=framework).order_by("area_id", "number"):
        steps[step.area_id].append(step)
    by_step: dict[int, list[Statement]] = defaultdict(list)
    loose: dict[int, list[Statement]] = defaultdict(list)
    statements = (
        Statement.objects.filter(area__framework=framework)
        .prefetch_related(Prefetch("leads_to", queryset=Statement.objects.order_by("area_id", "order")))
        .order_by("area_id", "order", "pk")
    )
    for statement in statements:
        if statement.step_id is None:
            loose[statement.area_id].append(statement)
        else:
            by_step[statement.step_id].append(statement)
    for area in areas:
        area.listed_steps = steps[area.pk]
        area.loose_statements = loose[area.pk]
        for step in area.listed_steps:
            step.listed_statements = by_step[step.pk]
    framework.listed_areas = areas
    return framework


@extend_schema_view(
    list=extend_schema(summary="Small-step frameworks you may use", tags=TAGS),
    retrieve=extend_schema(
        summary="One small-step framework: its levels, areas, steps and statements",
        tags=TAGS,
        parameters=[FRAMEWORK_ID],
        responses={200: s.StepFrameworkDetailSerializer, 404: NOT_FOUND},
    ),
)
class StepFrameworkViewSet(
    StridesApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The shipped frameworks, the trust's shared ones (and its drafts, for trust-wide roles) and
    the own frameworks of the schools the caller opens (``usable_step_frameworks``). The
    engagement model lists its five areas and says ``scored: false``: it has no levels, steps or
    statements, and nothing in it is ever scored."""

    access = AccessRule(None, object_scoped=True, description="small-step frameworks the caller may use")
    filterset_class = StepFrameworkFilter
    lookup_url_kwarg = "step_framework_id"  # `pk` with "framework" in the name is the level frameworks'
    queryset = StepFramework.objects.none()

    def get_serializer_class(self):
        return s.StepFrameworkSerializer if self.action == "list" else s.StepFrameworkDetailSerializer

    def get_queryset(self) -> QuerySet[StepFramework]:
        frameworks = usable_step_frameworks(self.request.user).select_related("trust", "school")
        if self.action != "list":
            levels = AchievementLevel.objects.order_by("order")
            frameworks = frameworks.prefetch_related(Prefetch("achievement_levels", queryset=levels))
        return frameworks.order_by("name", "pk")

    def get_object(self) -> StepFramework:
        return with_structure(get_or_404(self.get_queryset(), pk=self.kwargs["step_framework_id"]))
