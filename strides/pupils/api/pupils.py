"""Pupils in the caller's scope: the list, one pupil, their characteristics, and the writes.

A pupil who has left the caller's schools (still visible for a while, see
``STRIDES_LEAVER_VISIBILITY_DAYS``) is shown only as their record stood on their last day there:
the enrolments at the caller's schools, the characteristics that began by then
(:func:`strides.pupils.queries.record_view`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet
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
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.actor import Viewer
from strides.access.gate import get_or_404, visible_enrolments, visible_pupils
from strides.access.readers import visible_characteristics
from strides.access.roll_readers import schools_responsible_for
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.api.base import (
    API_REASON,
    INVALID,
    NOT_FOUND,
    REFUSED,
    StridesApiMixin,
    placing_school,
    school_in_scope,
)
from strides.api.errors import service_errors
from strides.api.permissions import require, require_any_school
from strides.pupils import services as pupil_services
from strides.pupils.api import serializers as s
from strides.pupils.api.filters import PupilFilter, in_force_on, on_roll_on
from strides.pupils.models import SEN_FIELDS, CharacteristicsPeriod, Pupil
from strides.pupils.queries import RecordView, left_on, record_view
from strides.pupils.services import PupilDataError

CHARACTERISTICS_READ = PolymorphicProxySerializer(
    component_name="CharacteristicsHistoryOrPeriod",
    serializers=[s.CharacteristicsSerializer(many=True), s.CharacteristicsSerializer],
    resource_type_field_name=None,
    many=False,
)


def show_leavers_as_they_left(user: Viewer, pupils: Sequence[Pupil]) -> None:
    """For each pupil who has left the caller's schools, replace today's characteristics
    (``current_periods``) with those in force on their last day there. Two queries at most."""
    left = left_on(user, [pupil.pk for pupil in pupils])
    if not left:
        return
    periods: dict[int, list[CharacteristicsPeriod]] = defaultdict(list)
    for period in visible_characteristics(user).filter(pupil_id__in=left).order_by("valid_from"):
        periods[period.pupil_id].append(period)
    for pupil in pupils:
        if pupil.pk in left:
            shown = RecordView([], None, left[pupil.pk]).periods(periods[pupil.pk])
            pupil.current_periods = shown[-1:]
            pupil.left_on = left[pupil.pk]


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
        user = self.request.user
        today = dt.date.today()
        pupils = visible_pupils(user).prefetch_related(
            Prefetch(
                "characteristics",
                queryset=visible_characteristics(user, today).filter(in_force_on(today)),
                to_attr="current_periods",
            )
        )
        if self.action == "list":
            return pupils.prefetch_related(
                Prefetch(
                    "enrolments",
                    queryset=visible_enrolments(user).filter(on_roll_on(today)).select_related("school"),
                    to_attr="current_enrolments",
                )
            )
        return pupils.prefetch_related(
            "former_upns",
            Prefetch(
                "enrolments",
                queryset=visible_enrolments(user)
                .select_related("school", "placing_school")
                .order_by("-start_date", "-pk"),
                to_attr="visible_enrolments",
            ),
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        pupils = list(page if page is not None else queryset)
        show_leavers_as_they_left(request.user, pupils)
        data = self.get_serializer(pupils, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_object(self) -> Pupil:
        return self._one(self.kwargs["pk"])

    def _one(self, pupil_id: Any) -> Pupil:
        """One pupil for the detail serializer; a leaver's characteristics as they left."""
        pupil = get_or_404(self.get_queryset(), pk=pupil_id)
        view = record_view(self.request.user, pupil, enrolments=pupil.visible_enrolments)
        if view.until is not None:
            history = visible_characteristics(self.request.user).filter(pupil=pupil).order_by("valid_from")
            periods = view.periods(history)
            pupil.current_periods = periods[-1:]
            pupil.left_on = view.until
        return pupil

    def _detail(self, pupil_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        pupil = self._one(pupil_id)
        return Response(
            s.PupilDetailSerializer(pupil, context=self.get_serializer_context()).data, status_code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.PupilCreateSerializer(data=request.data, context={"user": request.user})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = request.user
        school = school_in_scope(user, data["school"], "school")
        require(user, Capability.EDIT_PUPILS, school)
        characteristics = form.characteristics()
        if any(name in characteristics for name in SEN_FIELDS):
            require(user, Capability.EDIT_SEN, school)
        placing = placing_school(data.get("placing_school"), school)
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
        with service_errors("upn", PupilDataError):
            pupil_services.upsert_pupils(user, school, [record], effective=start, reason=API_REASON)
        pupil = get_or_404(visible_pupils(user), upn=data["upn"])
        return self._detail(pupil.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pupil = get_or_404(visible_pupils(request.user), pk=self.kwargs["pk"])
        require_any_school(request.user, Capability.EDIT_PUPILS, schools_responsible_for(pupil), str(pupil))
        form = s.PupilUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors("upn", PupilDataError):
            pupil_services.update_pupil_details(request.user, pupil, **form.validated_data)
        return self._detail(pupil.pk)

    @extend_schema(
        methods=["GET"],
        summary="A pupil's characteristics history, or the period in force on a date",
        description=(
            "For a pupil who has left your schools: the history up to their last day there, "
            "and no date after it."
        ),
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
        view = record_view(request.user, pupil)
        history = visible_characteristics(request.user).filter(pupil=pupil).order_by("valid_from")
        periods = view.periods(history)
        if day is not None:
            if view.until is not None and day > view.until:
                raise exceptions.NotFound(
                    f"This pupil left your school on {view.until:%d/%m/%Y}: "
                    "you can see their record up to that day."
                )
            period = next(
                (p for p in periods if p.valid_from <= day and (p.valid_to is None or p.valid_to > day)), None
            )
            if period is None:
                raise exceptions.NotFound(
                    f"No characteristics were recorded for this pupil on {day:%d/%m/%Y}."
                )
            return Response(s.CharacteristicsSerializer(period).data)
        return Response(s.CharacteristicsSerializer(periods, many=True).data)

    def _change_characteristics(self, request: Request, pupil: Pupil) -> Response:
        form = s.CharacteristicsChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = form.characteristics()
        schools = schools_responsible_for(pupil)
        if any(name not in SEN_FIELDS for name in changes):
            require_any_school(request.user, Capability.EDIT_PUPILS, schools, str(pupil))
        if any(name in SEN_FIELDS for name in changes):
            require_any_school(request.user, Capability.EDIT_SEN, schools, str(pupil))
        before = visible_characteristics(request.user).filter(pupil=pupil, valid_to__isnull=True).first()
        with service_errors("effective", PupilDataError):
            period = pupil_services.change_characteristics(
                request.user, pupil, changes, effective=form.validated_data.get("effective")
            )
        created = before is None or period.pk != before.pk
        return Response(
            s.CharacteristicsSerializer(period).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
