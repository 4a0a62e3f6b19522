"""Enrolments the caller may read: school rolls, dual registrations, AP placements."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.gate import as_staff, get_or_404, visible_enrolments, visible_pupils
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.api.base import (
    INVALID,
    NOT_FOUND,
    REFUSED,
    StridesApiMixin,
    placing_school,
    school_in_scope,
)
from strides.api.errors import service_errors
from strides.api.permissions import require
from strides.pupils import services as pupil_services
from strides.pupils.api import serializers as s
from strides.pupils.api.filters import EnrolmentFilter
from strides.pupils.models import Enrolment
from strides.pupils.queries import left_on
from strides.pupils.services import PupilDataError


@extend_schema_view(
    list=extend_schema(summary="Enrolments of the pupils you can see", tags=["enrolments"]),
    retrieve=extend_schema(
        summary="One enrolment", tags=["enrolments"], responses={200: s.EnrolmentSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Put a pupil on a school's roll",
        tags=["enrolments"],
        request=s.EnrolmentCreateSerializer,
        responses={201: s.EnrolmentSerializer, 400: INVALID, 403: REFUSED},
    ),
)
class EnrolmentViewSet(
    StridesApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Enrolments (school rolls, dual registrations, AP placements) of the pupils in scope, at
    the schools through which the caller sees them: a school does not see where a leaver went."""

    access = AccessRule(None, object_scoped=True, description="enrolments the gate lets the caller read")
    write_capabilities = {"create": (Capability.EDIT_PUPILS,), "end": (Capability.EDIT_PUPILS,)}
    serializer_class = s.EnrolmentSerializer
    filterset_class = EnrolmentFilter
    queryset = Enrolment.objects.none()

    def get_queryset(self) -> QuerySet[Enrolment]:
        return (
            visible_enrolments(self.request.user)
            .select_related("pupil", "school", "placing_school")
            .order_by("-start_date", "-pk")
        )

    def get_object(self) -> Enrolment:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.EnrolmentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        # as staff (gate.as_staff): a head may not put their own child on their school's roll
        pupil = visible_pupils(as_staff(request.user)).filter(pk=data["pupil"]).first()
        if pupil is None:
            raise exceptions.ValidationError({"pupil": [f"No pupil with id {data['pupil']}."]})
        school = school_in_scope(request.user, data["school"], "school")
        require(request.user, Capability.EDIT_PUPILS, school)
        if left_on(request.user, [pupil.pk]):
            # enrolling them would open what other schools recorded since they left
            raise exceptions.PermissionDenied(
                "This pupil has left your school. If they are coming back, ask the trust data team "
                "to transfer them."
            )
        placing = placing_school(data.get("placing_school"), school)
        with service_errors("school", PupilDataError):
            enrolment = pupil_services.enrol(
                request.user,
                pupil,
                school,
                data["start_date"],
                registration=data["registration"],
                placing_school=placing,
            )
        return Response(
            s.EnrolmentSerializer(get_or_404(self.get_queryset(), pk=enrolment.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Take a pupil off a school's roll",
        tags=["enrolments"],
        request=s.EnrolmentEndSerializer,
        responses={200: s.EnrolmentSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def end(self, request: Request, pk: str | None = None) -> Response:
        enrolment = self.get_object()
        require(request.user, Capability.EDIT_PUPILS, enrolment.school)
        form = s.EnrolmentEndSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors("end_date", PupilDataError):
            pupil_services.end_enrolment(
                request.user,
                enrolment,
                form.validated_data["end_date"],
                form.validated_data["leaving_reason"],
            )
        return Response(s.EnrolmentSerializer(self.get_object()).data)
