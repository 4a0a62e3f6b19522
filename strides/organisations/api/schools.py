"""Schools in the caller's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from strides.access.gate import get_or_404, visible_schools
from strides.access.rules import AccessRule
from strides.api.base import NOT_FOUND, StridesApiMixin
from strides.organisations.api import serializers as s
from strides.organisations.api.filters import SchoolFilter
from strides.organisations.models import School


@extend_schema_view(
    list=extend_schema(summary="Schools you can open", tags=["schools"]),
    retrieve=extend_schema(
        summary="One school", tags=["schools"], responses={200: s.SchoolSerializer, 404: NOT_FOUND}
    ),
)
class SchoolViewSet(StridesApiMixin, viewsets.ReadOnlyModelViewSet):
    """Trust schools the caller can open: every school for trust roles, assigned schools for
    EAPs and regional directors, their own school for school staff and governors."""

    access = AccessRule(None, object_scoped=True, description="schools in the caller's scope")
    serializer_class = s.SchoolSerializer
    filterset_class = SchoolFilter
    queryset = School.objects.none()  # for the schema; get_queryset always asks the gate

    def get_queryset(self) -> QuerySet[School]:
        return visible_schools(self.request.user).select_related("region").order_by("name", "pk")

    def get_object(self) -> School:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])
