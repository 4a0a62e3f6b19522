"""Engagement-model observations (``/api/v1/engagement-observations/``): dated observations of a
pupil in one of the five areas, in words and evidence. There is no score, anywhere: not in the
model, not in these shapes, not in the schema (a test checks)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.gate import as_staff, visible_pupils
from strides.access.rules import AccessRule
from strides.access.small_steps import (
    delegated_areas,
    needs_delegation,
    usable_step_frameworks,
    visible_engagement_observations,
)
from strides.accounts.roles import Capability
from strides.api.base import INVALID, REFUSED, StridesApiMixin, school_in_scope
from strides.steps.api import serializers as s
from strides.steps.api.filters import EngagementObservationFilter
from strides.steps.api.records import may_record_at
from strides.steps.api.refusals import OBSERVATION_CLUES, steps_refusals
from strides.steps.models import EngagementObservation, StepArea
from strides.steps.services.recording import record_observation

TAGS = ["small steps"]


@extend_schema_view(
    list=extend_schema(summary="Engagement-model observations of the pupils you can see", tags=TAGS),
    create=extend_schema(
        summary="Record an engagement-model observation (in words: it takes no score)",
        tags=TAGS,
        request=s.EngagementObservationCreateSerializer,
        responses={201: s.EngagementObservationSerializer, 400: INVALID, 403: REFUSED},
    ),
)
class EngagementObservationViewSet(StridesApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Read by the same rule as achievement records (``visible_engagement_observations``); made by
    those who record small steps at the school (a teaching assistant: in a delegated area)."""

    access = AccessRule(None, object_scoped=True, description="engagement observations through the gate")
    write_capabilities = {"create": (Capability.RECORD_ASSESSMENT,)}
    serializer_class = s.EngagementObservationSerializer
    filterset_class = EngagementObservationFilter
    queryset = EngagementObservation.objects.none()

    def get_queryset(self) -> QuerySet[EngagementObservation]:
        return (
            visible_engagement_observations(self.request.user)
            .select_related("pupil", "school", "area__framework", "recorded_by")
            .order_by("-observed_on", "-recorded_at", "-pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.EngagementObservationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = request.user
        school = school_in_scope(user, data["school"], "school")
        may_record_at(user, school)
        pupil = visible_pupils(as_staff(user)).filter(pk=data["pupil"]).first()
        if pupil is None:
            raise exceptions.ValidationError({"pupil": [f"No pupil with id {data['pupil']}."]})
        area = (
            StepArea.objects.filter(framework__in=usable_step_frameworks(user))
            .select_related("framework")
            .filter(pk=data["area"])
            .first()
        )
        if area is None:
            message = f"No area with id {data['area']} in a framework you may use."
            raise exceptions.ValidationError({"area": [message]})
        if needs_delegation(user, school) and not delegated_areas(user, pupil).filter(pk=area.pk).exists():
            raise exceptions.PermissionDenied(
                f"{area.name} has not been delegated to you for {pupil.display_name}'s class: a "
                "teacher of the class can delegate it."
            )
        with steps_refusals(OBSERVATION_CLUES, "non_field_errors"):
            observation = record_observation(
                user,
                school,
                pupil,
                area,
                data["narrative"],
                observed_on=data.get("observed_on"),
                evidence_links=data.get("evidence_links", []),
            )
        shown = self.get_queryset().filter(pk=observation.pk).first() or observation
        body = s.EngagementObservationSerializer(shown, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
