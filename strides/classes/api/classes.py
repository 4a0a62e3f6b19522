"""Classes / teaching groups in the caller's scope, and their pupils and staff."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.gate import get_or_404, visible_classes, visible_pupils
from strides.access.rules import AccessRule
from strides.accounts.models import User
from strides.accounts.roles import Capability, Role
from strides.api.base import INVALID, NOT_FOUND, REFUSED, StridesApiMixin, school_in_scope
from strides.api.errors import service_errors
from strides.api.permissions import require
from strides.classes import services as class_services
from strides.classes.api import serializers as s
from strides.classes.api.filters import ClassFilter
from strides.classes.models import GroupStaff, TeachingGroup
from strides.classes.services import ClassError
from strides.organisations.models import AcademicYear

# Roles that may be named as a class's staff: school staff, not governors, parents or contacts.
CLASS_STAFF_ROLES = (
    Role.HEADTEACHER,
    Role.SENIOR_LEADER,
    Role.SENCO,
    Role.SUBJECT_LEADER,
    Role.TEACHER,
    Role.TEACHING_ASSISTANT,
)


@extend_schema_view(
    list=extend_schema(summary="Classes you can open", tags=["classes"]),
    retrieve=extend_schema(
        summary="One class, with its pupils and staff",
        tags=["classes"],
        responses={200: s.ClassDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Create a class",
        tags=["classes"],
        request=s.ClassCreateSerializer,
        responses={201: s.ClassDetailSerializer, 400: INVALID, 403: REFUSED},
    ),
    partial_update=extend_schema(
        summary="Rename a class or change its NC year or subject",
        tags=["classes"],
        request=s.ClassUpdateSerializer,
        responses={200: s.ClassDetailSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    ),
)
class ClassViewSet(
    StridesApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Classes / teaching groups: every class of a school for school-wide roles, their own
    classes for teachers and teaching assistants."""

    access = AccessRule(None, object_scoped=True, description="classes in the caller's scope")
    write_capabilities = {
        "create": (Capability.MANAGE_CLASSES,),
        "partial_update": (Capability.MANAGE_CLASSES,),
        "pupils": (Capability.MANAGE_CLASSES,),
        "staff": (Capability.MANAGE_CLASSES,),
    }
    filterset_class = ClassFilter
    queryset = TeachingGroup.objects.none()

    def get_serializer_class(self):
        return s.ClassSerializer if self.action == "list" else s.ClassDetailSerializer

    def get_queryset(self) -> QuerySet[TeachingGroup]:
        groups = (
            visible_classes(self.request.user)
            .select_related("school", "academic_year")
            .annotate(pupil_count=Count("memberships", distinct=True))
            .order_by("-academic_year__start_year", "school__name", "nc_year", "name", "pk")
        )
        if self.action == "list":
            return groups
        return groups.prefetch_related(
            Prefetch(
                "staff_links", queryset=GroupStaff.objects.select_related("user").order_by("role", "pk")
            ),
            Prefetch("pupils", queryset=visible_pupils(self.request.user), to_attr="visible_pupils"),
        )

    def get_object(self) -> TeachingGroup:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _detail(self, group_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        group = get_or_404(self.get_queryset(), pk=group_id)
        return Response(s.ClassDetailSerializer(group).data, status_code)

    def _group_to_manage(self, request: Request, pk: Any) -> TeachingGroup:
        group = get_or_404(visible_classes(request.user).select_related("school"), pk=pk)
        require(request.user, Capability.MANAGE_CLASSES, group.school)
        return group

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.ClassCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        school = school_in_scope(request.user, data["school"], "school")
        require(request.user, Capability.MANAGE_CLASSES, school)
        year = AcademicYear.objects.filter(trust_id=school.trust_id, start_year=data["academic_year"]).first()
        if year is None:
            raise exceptions.ValidationError(
                {"academic_year": [f"The trust has no academic year starting in {data['academic_year']}."]}
            )
        with service_errors("name", ClassError):
            group = class_services.create_group(
                request.user, school, year, data["name"], nc_year=data.get("nc_year"), subject=data["subject"]
            )
        return self._detail(group.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        group = self._group_to_manage(request, self.kwargs["pk"])
        form = s.ClassUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        name = form.validated_data.get("name")
        if (
            name
            and visible_classes(request.user)
            .filter(school=group.school, academic_year=group.academic_year, name__iexact=name)
            .exclude(pk=group.pk)
            .exists()
        ):
            raise exceptions.ValidationError(
                {
                    "name": [
                        f"{group.school} already has a class called {name!r} in {group.academic_year.label}."
                    ]
                }
            )
        with service_errors("name", ClassError):
            class_services.update_group(request.user, group, **form.validated_data)
        return self._detail(group.pk)

    @extend_schema(
        summary="Set the class's pupils (the whole list)",
        tags=["classes"],
        request=s.ClassPupilsSerializer,
        responses={200: s.ClassDetailSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["put"], filterset_class=None)
    def pupils(self, request: Request, pk: str | None = None) -> Response:
        group = self._group_to_manage(request, pk)
        form = s.ClassPupilsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(form.validated_data["pupils"]))
        pupils = list(visible_pupils(request.user).filter(pk__in=wanted))
        unknown = sorted(set(wanted) - {p.pk for p in pupils})
        if unknown:
            raise exceptions.ValidationError(
                {"pupils": [f"No pupil with id {', '.join(str(i) for i in unknown)}."]}
            )
        with service_errors("pupils", ClassError):
            class_services.set_pupils(request.user, group, pupils)
        return self._detail(group.pk)

    @extend_schema(
        summary="Set the class's staff (the whole list)",
        tags=["classes"],
        request=s.ClassStaffSerializer,
        responses={200: s.ClassDetailSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["put"], filterset_class=None)
    def staff(self, request: Request, pk: str | None = None) -> Response:
        group = self._group_to_manage(request, pk)
        form = s.ClassStaffSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        entries = form.validated_data["staff"]
        usernames = [entry["username"].strip() for entry in entries]
        eligible = {
            u.username.lower(): u
            for u in User.objects.filter(
                is_active=True,
                memberships__school=group.school,
                memberships__role__in=CLASS_STAFF_ROLES,
            ).distinct()
        }
        problems: list[dict[str, list[str]]] = []
        seen: set[str] = set()
        for username in usernames:
            key = username.lower()
            if key in seen:
                problems.append({"username": [f"{username!r} is listed twice."]})
            elif key not in eligible:
                problems.append(
                    {"username": [f"No member of staff at {group.school} is called {username!r}."]}
                )
            else:
                problems.append({})
            seen.add(key)
        if any(problems):
            raise exceptions.ValidationError({"staff": problems})
        staff = [(eligible[u.lower()], e["role"]) for u, e in zip(usernames, entries, strict=True)]
        with service_errors("staff", ClassError):
            class_services.set_staff(request.user, group, staff)
        return self._detail(group.pk)
