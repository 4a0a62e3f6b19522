"""The API's viewsets. Reads go through the scoping gate; writes go through the services.

Every viewset declares ``access`` (what the role-matrix test reads) and ``write_capabilities``
(what its writes need somewhere); :class:`~strides.api.permissions.AccessRulePermission` enforces
both, and each write checks the capability at the school concerned. Objects are looked up in the
caller's scope, so something out of scope answers 404 exactly like something missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from strides.access.gate import get_or_404, visible_classes, visible_pupils, visible_schools
from strides.access.rules import AccessRule
from strides.accounts.models import User
from strides.accounts.roles import Capability, Role
from strides.api import serializers as s
from strides.api.errors import api_exception_handler, service_errors
from strides.api.filters import (
    ClassFilter,
    EnrolmentFilter,
    PupilFilter,
    SchoolFilter,
    in_force_on,
    on_roll_on,
)
from strides.api.permissions import AccessRulePermission, require, require_any_school
from strides.classes import services as class_services
from strides.classes.models import GroupStaff, TeachingGroup
from strides.organisations.models import AcademicYear, School
from strides.pupils import services as pupil_services
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.queries import characteristics_as_at

API_REASON = "API"
# Roles that may be named as a class's staff: school staff, not governors, parents or contacts.
CLASS_STAFF_ROLES = (
    Role.HEADTEACHER,
    Role.SENIOR_LEADER,
    Role.SENCO,
    Role.SUBJECT_LEADER,
    Role.TEACHER,
    Role.TEACHING_ASSISTANT,
)

NOT_FOUND = OpenApiResponse(
    s.ErrorSerializer, description="Missing, or outside your scope (the two look the same)."
)
REFUSED = OpenApiResponse(s.ErrorSerializer, description="Your role cannot do this at that school.")
INVALID = OpenApiResponse(
    s.ValidationErrorSerializer,
    description="A field has a problem: `errors` names the field, value and message.",
)


class ApiUserThrottle(UserRateThrottle):
    """Requests per user per hour (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"]``): a
    runaway script slows down instead of hammering the database."""


class StridesApiMixin:
    """What every Strides API view shares: the access-rule permission, JSON and JSON errors.

    JSON only: DRF's browsable HTML pages use inline styles that our Content-Security-Policy
    blocks. The browsable reference is /api/v1/docs/.
    """

    permission_classes = [AccessRulePermission]
    renderer_classes = [JSONRenderer]
    throttle_classes = [ApiUserThrottle]
    write_capabilities: dict[str, tuple[Capability, ...]] = {}

    def get_exception_handler(self):
        return api_exception_handler


def _school_in_scope(user: Any, urn: str, field: str) -> School:
    school = visible_schools(user).filter(urn=urn.strip()).first()
    if school is None:
        raise exceptions.ValidationError({field: [f"No school with URN {urn!r}."]})
    return school


def _any_school(urn: str | None, field: str) -> School | None:
    """A placing school: any school Strides knows, in the trust or not (names of schools are
    public facts; no pupil data is read)."""
    if not urn:
        return None
    school = School.objects.filter(urn=urn.strip()).first()
    if school is None:
        raise exceptions.ValidationError({field: [f"No school with URN {urn!r}."]})
    return school


def _pupil_write_schools(pupil: Pupil) -> list[int]:
    """Where a change to the pupil is decided: the schools they are on roll at today, or, for a
    pupil on no roll, every school they were enrolled at."""
    enrolments = list(
        Enrolment.objects.filter(pupil=pupil).values_list("school_id", "start_date", "end_date")
    )
    today = dt.date.today()
    current = [sid for sid, start, end in enrolments if start <= today and (end is None or end >= today)]
    return current or [sid for sid, _, _ in enrolments]


# --- schools --------------------------------------------------------------------------------


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


# --- pupils ---------------------------------------------------------------------------------


CHARACTERISTICS_READ = PolymorphicProxySerializer(
    component_name="CharacteristicsHistoryOrPeriod",
    serializers=[s.CharacteristicsSerializer(many=True), s.CharacteristicsSerializer],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    list=extend_schema(summary="Pupils you can see", tags=["pupils"]),
    retrieve=extend_schema(
        summary="One pupil, with current characteristics and enrolments",
        tags=["pupils"],
        responses={200: s.PupilDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a new pupil to a school's roll",
        tags=["pupils"],
        request=s.PupilCreateSerializer,
        responses={201: s.PupilDetailSerializer, 400: INVALID, 403: REFUSED},
    ),
    partial_update=extend_schema(
        summary="Change a pupil's names, date of birth, sex or UPN",
        tags=["pupils"],
        request=s.PupilUpdateSerializer,
        responses={200: s.PupilDetailSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND},
    ),
)
class PupilViewSet(
    StridesApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Named pupils in the caller's scope. Aggregate-only roles (governors, directors) see none:
    the list is empty and every pupil answers 404."""

    access = AccessRule(
        None, object_scoped=True, description="named pupils through the gate; none for aggregate-only roles"
    )
    write_capabilities = {
        "create": (Capability.EDIT_PUPILS,),
        "partial_update": (Capability.EDIT_PUPILS,),
        "characteristics": (Capability.EDIT_PUPILS, Capability.EDIT_SEN),
    }
    filterset_class = PupilFilter
    queryset = Pupil.objects.none()

    def get_serializer_class(self):
        if self.action == "list":
            return s.PupilSerializer
        return s.PupilDetailSerializer

    def get_queryset(self) -> QuerySet[Pupil]:
        today = dt.date.today()
        pupils = visible_pupils(self.request.user).prefetch_related(
            Prefetch(
                "characteristics",
                queryset=CharacteristicsPeriod.objects.filter(in_force_on(today)),
                to_attr="current_periods",
            )
        )
        if self.action == "list":
            return pupils.prefetch_related(
                Prefetch(
                    "enrolments",
                    queryset=Enrolment.objects.filter(on_roll_on(today)).select_related("school"),
                    to_attr="current_enrolments",
                )
            )
        return pupils.prefetch_related(
            "former_upns",
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("school", "placing_school").order_by(
                    "-start_date", "-pk"
                ),
            ),
        )

    def get_object(self) -> Pupil:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _detail(self, pupil_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        pupil = get_or_404(self.get_queryset(), pk=pupil_id)
        return Response(
            s.PupilDetailSerializer(pupil, context=self.get_serializer_context()).data, status_code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.PupilCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = request.user
        school = _school_in_scope(user, data["school"], "school")
        require(user, Capability.EDIT_PUPILS, school)
        characteristics = form.characteristics()
        if any(name in characteristics for name in s.SEN_FIELDS):
            require(user, Capability.EDIT_SEN, school)
        placing = _any_school(data.get("placing_school"), "placing_school")
        if placing is not None and placing.pk == school.pk:
            raise exceptions.ValidationError(
                {"placing_school": ["A school cannot place a pupil with itself."]}
            )
        start = data.get("start_date") or dt.date.today()
        record = pupil_services.PupilRecord(
            upn=data["upn"],
            legal_forename=data["legal_forename"].strip(),
            legal_surname=data["legal_surname"].strip(),
            middle_names=data["middle_names"].strip(),
            preferred_forename=data["preferred_forename"].strip(),
            preferred_surname=data["preferred_surname"].strip(),
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            characteristics=characteristics,
            enrolment_start=start,
            registration=data["registration"],
            placing_school_id=placing.pk if placing else None,
        )
        with service_errors("upn"):
            pupil_services.upsert_pupils(user, school, [record], effective=start, reason=API_REASON)
        pupil = Pupil.objects.get(upn=data["upn"])
        return self._detail(pupil.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pupil = get_or_404(visible_pupils(request.user), pk=self.kwargs["pk"])
        require_any_school(request.user, Capability.EDIT_PUPILS, _pupil_write_schools(pupil), str(pupil))
        form = s.PupilUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors("upn"):
            pupil_services.update_pupil_details(request.user, pupil, **form.validated_data)
        return self._detail(pupil.pk)

    @extend_schema(
        methods=["GET"],
        summary="A pupil's characteristics history, or the period in force on a date",
        tags=["pupils"],
        parameters=[
            OpenApiParameter(
                "as_at",
                OpenApiTypes.DATE,
                description="Return only the period in force on this date (YYYY-MM-DD).",
            )
        ],
        responses={200: CHARACTERISTICS_READ, 400: INVALID, 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a change of characteristics from an effective date",
        tags=["pupils"],
        request=s.CharacteristicsChangeSerializer,
        responses={
            201: s.CharacteristicsSerializer,
            200: OpenApiResponse(
                s.CharacteristicsSerializer,
                description="Nothing changed, or the period that began on the effective date was corrected.",
            ),
            400: INVALID,
            403: REFUSED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def characteristics(self, request: Request, pk: str | None = None) -> Response:
        pupil = get_or_404(visible_pupils(request.user), pk=pk)
        if request.method == "POST":
            return self._change_characteristics(request, pupil)
        query = s.AsAtSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("as_at")
        if day is not None:
            period = characteristics_as_at(pupil, day)
            if period is None:
                raise exceptions.NotFound(
                    f"No characteristics were recorded for this pupil on {day:%d/%m/%Y}."
                )
            return Response(s.CharacteristicsSerializer(period).data)
        periods = CharacteristicsPeriod.objects.filter(pupil=pupil).order_by("valid_from")
        return Response(s.CharacteristicsSerializer(periods, many=True).data)

    def _change_characteristics(self, request: Request, pupil: Pupil) -> Response:
        form = s.CharacteristicsChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = form.characteristics()
        schools = _pupil_write_schools(pupil)
        if any(name not in s.SEN_FIELDS for name in changes):
            require_any_school(request.user, Capability.EDIT_PUPILS, schools, str(pupil))
        if any(name in s.SEN_FIELDS for name in changes):
            require_any_school(request.user, Capability.EDIT_SEN, schools, str(pupil))
        before = CharacteristicsPeriod.objects.filter(pupil=pupil, valid_to__isnull=True).first()
        with service_errors("effective"):
            period = pupil_services.change_characteristics(
                request.user, pupil, changes, effective=form.validated_data.get("effective")
            )
        created = before is None or period.pk != before.pk
        return Response(
            s.CharacteristicsSerializer(period).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- enrolments -----------------------------------------------------------------------------


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
    """Enrolments (school rolls, dual registrations, AP placements) of the pupils in scope."""

    access = AccessRule(None, object_scoped=True, description="enrolments of the pupils in scope")
    write_capabilities = {"create": (Capability.EDIT_PUPILS,), "end": (Capability.EDIT_PUPILS,)}
    serializer_class = s.EnrolmentSerializer
    filterset_class = EnrolmentFilter
    queryset = Enrolment.objects.none()

    def get_queryset(self) -> QuerySet[Enrolment]:
        return (
            Enrolment.objects.filter(pupil_id__in=visible_pupils(self.request.user).values("pk"))
            .select_related("pupil", "school", "placing_school")
            .order_by("-start_date", "-pk")
        )

    def get_object(self) -> Enrolment:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.EnrolmentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        pupil = visible_pupils(request.user).filter(pk=data["pupil"]).first()
        if pupil is None:
            raise exceptions.ValidationError({"pupil": [f"No pupil with id {data['pupil']}."]})
        school = _school_in_scope(request.user, data["school"], "school")
        require(request.user, Capability.EDIT_PUPILS, school)
        placing = _any_school(data.get("placing_school"), "placing_school")
        if placing is not None and placing.pk == school.pk:
            raise exceptions.ValidationError(
                {"placing_school": ["A school cannot place a pupil with itself."]}
            )
        with service_errors("school"):
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
        with service_errors("end_date"):
            pupil_services.end_enrolment(
                request.user,
                enrolment,
                form.validated_data["end_date"],
                form.validated_data["leaving_reason"],
            )
        return Response(s.EnrolmentSerializer(self.get_object()).data)


# --- classes --------------------------------------------------------------------------------


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
        school = _school_in_scope(request.user, data["school"], "school")
        require(request.user, Capability.MANAGE_CLASSES, school)
        year = AcademicYear.objects.filter(trust_id=school.trust_id, start_year=data["academic_year"]).first()
        if year is None:
            raise exceptions.ValidationError(
                {"academic_year": [f"The trust has no academic year starting in {data['academic_year']}."]}
            )
        with service_errors("name"):
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
            and TeachingGroup.objects.filter(
                school=group.school, academic_year=group.academic_year, name__iexact=name
            )
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
        with service_errors("name"):
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
        with service_errors("pupils"):
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
        wanted = {
            eligible[u.lower()].pk: (eligible[u.lower()], e["role"])
            for u, e in zip(usernames, entries, strict=True)
        }
        with transaction.atomic(), service_errors("staff"):
            current = {link.user_id: link for link in group.staff_links.select_related("user", "group")}
            for user_id, link in current.items():
                if user_id not in wanted:
                    class_services.remove_staff(request.user, link)
            for user_id, (user, role) in wanted.items():
                if user_id not in current or current[user_id].role != role:
                    class_services.assign_staff(request.user, group, user, role)
        return self._detail(group.pk)
