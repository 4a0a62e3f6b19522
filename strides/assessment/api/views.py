"""The assessment API's views. Reads go through the scoping gate (``scope.py``); writes go through
``strides.assessment.services`` (atomic, audited).

Every view declares ``access`` (read by the role-matrix test) and, for writes,
``write_capabilities``; :class:`~strides.assessment.api.permissions.AssessmentAccessPermission`
enforces both, and the services check the capability at the school concerned. Anything outside
the caller's scope answers 404 exactly like something missing.
"""

from __future__ import annotations

from contextlib import suppress

from django.db import IntegrityError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.actor import Viewer
from strides.access.gate import get_or_404
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.api.base import StridesApiMixin
from strides.api.serializers import ErrorSerializer, ValidationErrorSerializer
from strides.assessment.api import serializers as s
from strides.assessment.api.filters import CrosswalkFilter, DropFilter, FrameworkFilter
from strides.assessment.api.permissions import AssessmentAccessPermission
from strides.assessment.api.scope import (
    caller_trusts,
    visible_crosswalks,
    visible_drops,
    visible_frameworks,
    visible_parts,
)
from strides.assessment.completeness import completeness_of
from strides.assessment.models import DataDrop, DropSchool, DropStatus
from strides.assessment.services import (
    AssessmentError,
    transition,
)
from strides.frameworks.models import (
    CommonScale,
    Crosswalk,
    CrosswalkEntry,
    ExpectedPoint,
    Framework,
    Level,
    Subject,
)
from strides.frameworks.queries import subjects_for, with_trust_settings
from strides.frameworks.services import ensure_common_scale

TAGS = ["assessment"]
API_REASON = "API"

NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="Missing, or outside your scope (the two look the same)."
)
REFUSED = OpenApiResponse(ErrorSerializer, description="Your role cannot do this (at that school).")
INVALID = OpenApiResponse(
    ValidationErrorSerializer,
    description="A field has a problem: `errors` names the field, value and message.",
)
CONFLICT = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="JudgementConflictOrDropClosed",
        serializers=[s.ConflictSerializer, s.DropClosedSerializer],
        resource_type_field_name=None,
    ),
    description="Someone saved the judgement after the `version` you sent (`current` shows what is "
    "saved, `attempted` what you sent: choose, and save again with `current.version`), or the "
    "school's drop is submitted or locked (`status`).",
)
STATUS_CONFLICT = OpenApiResponse(
    s.DropClosedSerializer,
    description="The drop's status does not allow this move (`status` is where it stands).",
)
PART_PARAMETERS = [
    OpenApiParameter("drop_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The drop's slug."),
    OpenApiParameter("urn", OpenApiTypes.STR, OpenApiParameter.PATH, description="The school's URN."),
]


class AssessmentApiMixin(StridesApiMixin):
    permission_classes = [AssessmentAccessPermission]


# --- reference data -------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="Subjects", tags=TAGS))
class SubjectViewSet(AssessmentApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The subjects your trust records judgements in: shipped ones, the trust's own and its schools'
    additions, each with its phase (as the trust gives it) and whether the trust archived it."""

    access = AccessRule(None, description="reference data: the subjects")
    serializer_class = s.SubjectSerializer

    def get_queryset(self) -> QuerySet[Subject]:
        trust = caller_trusts(self.request.user).order_by("pk").first()
        if trust is None:
            return Subject.objects.none()
        ids = [x.pk for x in subjects_for(trust, include_archived=True, every_school=True)]
        return (
            with_trust_settings(Subject.objects.filter(pk__in=ids), trust.pk)
            .select_related("school")
            .order_by("order", "name", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary="Frameworks you can use or read, with their levels", tags=TAGS),
    retrieve=extend_schema(
        summary="One framework and its levels",
        tags=TAGS,
        responses={200: s.FrameworkSerializer, 404: NOT_FOUND},
    ),
)
class FrameworkViewSet(AssessmentApiMixin, viewsets.ReadOnlyModelViewSet):
    """Shipped frameworks, the caller's trust's own, and those of the schools the caller can open."""

    access = AccessRule(
        None, object_scoped=True, description="shipped, the trust's and visible schools' frameworks"
    )
    serializer_class = s.FrameworkSerializer
    filterset_class = FrameworkFilter
    queryset = Framework.objects.none()

    def get_queryset(self) -> QuerySet[Framework]:
        return (
            visible_frameworks(self.request.user)
            .select_related("school")
            .prefetch_related("subjects", Prefetch("levels", queryset=Level.objects.order_by("order")))
            .order_by("name", "pk")
        )

    def get_object(self) -> Framework:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class CommonScaleView(AssessmentApiMixin, generics.GenericAPIView):
    """The trust's common scale: its points and the point expected for each NC year by each term."""

    access = AccessRule(None, description="the caller's trust's common scale")
    serializer_class = s.CommonScaleSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="The trust's common scale, its points and expected points",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "trust",
                OpenApiTypes.STR,
                description="Slug of the trust, for someone who belongs to more than one.",
            )
        ],
        responses={200: s.CommonScaleSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        trusts = list(caller_trusts(request.user).order_by("name"))
        wanted = (request.query_params.get("trust") or "").strip()
        if wanted:
            trust = next((t for t in trusts if t.slug == wanted), None)
            if trust is None:
                raise exceptions.ValidationError({"trust": [f"You belong to no trust {wanted!r}."]})
        elif len(trusts) == 1:
            trust = trusts[0]
        elif not trusts:
            raise exceptions.NotFound("You belong to no trust.")
        else:
            slugs = ", ".join(t.slug for t in trusts)
            raise exceptions.ValidationError(
                {"trust": [f"You belong to several trusts: name one ({slugs})."]}
            )
        scales = CommonScale.objects.select_related("trust").prefetch_related(
            "points", Prefetch("expected_points", queryset=ExpectedPoint.objects.select_related("point"))
        )
        scale = scales.filter(trust=trust).first()
        if scale is None:
            # The default scale is made the first time anyone needs it (ADR 6); of two first
            # requests at once, the other one made it a moment ago.
            with suppress(IntegrityError):
                ensure_common_scale(trust)
            scale = scales.get(trust=trust)
        return Response(s.CommonScaleSerializer(scale).data)


@extend_schema_view(
    list=extend_schema(summary="Crosswalk versions, with their entries", tags=TAGS),
    retrieve=extend_schema(
        summary="One crosswalk version", tags=TAGS, responses={200: s.CrosswalkSerializer, 404: NOT_FOUND}
    ),
)
class CrosswalkViewSet(AssessmentApiMixin, viewsets.ReadOnlyModelViewSet):
    """Versions of the trust's crosswalk (framework level -> common point), newest first. Entries
    cover the frameworks the caller can read."""

    access = AccessRule(None, object_scoped=True, description="the caller's trust's crosswalk versions")
    serializer_class = s.CrosswalkSerializer
    filterset_class = CrosswalkFilter
    queryset = Crosswalk.objects.none()

    def get_queryset(self) -> QuerySet[Crosswalk]:
        entries = (
            CrosswalkEntry.objects.filter(
                level__framework__in=visible_frameworks(self.request.user).values("pk")
            )
            .select_related("level__framework", "point")
            .order_by("level__framework__name", "level__order")
        )
        return (
            visible_crosswalks(self.request.user)
            .select_related("scale", "created_by")
            .prefetch_related(Prefetch("entries", queryset=entries, to_attr="visible_entries"))
            .order_by("-effective_from", "-version")
        )

    def get_object(self) -> Crosswalk:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])


# --- drops ----------------------------------------------------------------------------------


def drop_or_404(user: Viewer, slug: str) -> DataDrop:
    return get_or_404(visible_drops(user).select_related("academic_year", "trust"), slug=slug)


def part_or_404(user: Viewer, slug: str, urn: str) -> DropSchool:
    """A school's part in a drop: the drop and the school must both be in the caller's scope."""
    return get_or_404(
        visible_parts(user)
        .filter(drop__in=visible_drops(user).values("pk"))
        .select_related("drop__academic_year", "drop__trust", "school", "changed_by"),
        drop__slug=slug,
        school__urn=urn,
    )


def with_progress(user: Viewer, part: DropSchool) -> DropSchool:
    part.progress = completeness_of(user, part.drop, [part])[0]
    return part


@extend_schema_view(
    list=extend_schema(summary="Data drops, with the status of each school you can open", tags=TAGS),
    retrieve=extend_schema(
        summary="One data drop", tags=TAGS, responses={200: s.DropSerializer, 404: NOT_FOUND}
    ),
)
class DropViewSet(AssessmentApiMixin, viewsets.ReadOnlyModelViewSet):
    """The trust's data drops that concern the caller: those including a school they can open, or
    a school of a pupil they may see. Each lists only the schools the caller can open."""

    access = AccessRule(
        None, object_scoped=True, description="drops of schools and pupils in the caller's scope"
    )
    serializer_class = s.DropSerializer
    filterset_class = DropFilter
    lookup_field = "slug"
    lookup_url_kwarg = "drop_slug"
    queryset = DataDrop.objects.none()

    def get_queryset(self) -> QuerySet[DataDrop]:
        parts = (
            visible_parts(self.request.user).select_related("school", "changed_by").order_by("school__name")
        )
        return (
            visible_drops(self.request.user)
            .select_related("academic_year")
            .prefetch_related(
                Prefetch("subjects", queryset=Subject.objects.order_by("order", "name")),
                Prefetch("school_parts", queryset=parts, to_attr="visible_parts"),
            )
            .order_by("-assessed_on", "name", "pk")
        )

    def get_object(self) -> DataDrop:
        return get_or_404(self.get_queryset(), slug=self.kwargs["drop_slug"])

    @extend_schema(
        summary="How complete a drop is at each school you can open (n of N, status, overdue)",
        tags=TAGS,
        responses={200: s.CompletenessSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, filterset_class=None, pagination_class=None)
    def completeness(self, request: Request, drop_slug: str | None = None) -> Response:
        drop = drop_or_404(request.user, self.kwargs["drop_slug"])
        parts = (
            visible_parts(request.user).filter(drop=drop).select_related("school").order_by("school__name")
        )
        rows = completeness_of(request.user, drop, parts)
        payload = {"drop": drop.slug, "deadline": drop.deadline, "schools": rows}
        return Response(s.CompletenessSerializer(payload).data)


@extend_schema(parameters=PART_PARAMETERS, tags=TAGS)
class DropSchoolView(AssessmentApiMixin, generics.GenericAPIView):
    """One school's part in a drop: its status and completeness (aggregates, never a name)."""

    access = AccessRule(
        None, object_scoped=True, description="a drop's status at a school the caller can open"
    )
    serializer_class = s.DropSchoolSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="A school's part in a drop: status and completeness",
        responses={200: s.DropSchoolSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, drop_slug: str, urn: str) -> Response:
        part = part_or_404(request.user, drop_slug, urn)
        return Response(s.DropSchoolSerializer(with_progress(request.user, part)).data)


class TransitionView(AssessmentApiMixin, generics.GenericAPIView):
    """Moves a school's part of a drop through ``strides.assessment.services.transition``."""

    to: str = ""
    serializer_class = s.DropSchoolSerializer
    pagination_class = None
    filter_backends: list = []

    def reason(self, request: Request) -> str:
        return ""

    def post(self, request: Request, drop_slug: str, urn: str) -> Response:
        part = part_or_404(request.user, drop_slug, urn)
        reason = self.reason(request)
        try:
            part = transition(request.user, part, self.to, reason=reason)
        except PermissionError as refused:
            raise exceptions.PermissionDenied(str(refused)) from refused
        except AssessmentError as conflict:
            body = {"detail": str(conflict), "status": part.status}
            return Response(s.DropClosedSerializer(body).data, status=status.HTTP_409_CONFLICT)
        return Response(s.DropSchoolSerializer(with_progress(request.user, part)).data)


@extend_schema(
    summary="Submit a school's drop (the head): teachers can no longer edit it",
    parameters=PART_PARAMETERS,
    tags=TAGS,
    request=None,
    responses={200: s.DropSchoolSerializer, 403: REFUSED, 404: NOT_FOUND, 409: STATUS_CONFLICT},
)
class SubmitView(TransitionView):
    access = AccessRule(
        Capability.SUBMIT_DROP, object_scoped=True, description="the head submits the school's drop"
    )
    write_capabilities = {"post": (Capability.SUBMIT_DROP,)}
    to = DropStatus.SUBMITTED


@extend_schema(
    summary="Lock a school's drop (the trust)",
    parameters=PART_PARAMETERS,
    tags=TAGS,
    request=None,
    responses={200: s.DropSchoolSerializer, 403: REFUSED, 404: NOT_FOUND, 409: STATUS_CONFLICT},
)
class LockView(TransitionView):
    access = AccessRule(Capability.MANAGE_DROPS, object_scoped=True, description="the trust locks a drop")
    write_capabilities = {"post": (Capability.MANAGE_DROPS,)}
    to = DropStatus.LOCKED


@extend_schema(
    summary="Reopen a submitted or locked drop (the trust), saying why",
    parameters=PART_PARAMETERS,
    tags=TAGS,
    request=s.ReopenSerializer,
    responses={200: s.DropSchoolSerializer, 400: INVALID, 403: REFUSED, 404: NOT_FOUND, 409: STATUS_CONFLICT},
)
class ReopenView(TransitionView):
    access = AccessRule(Capability.MANAGE_DROPS, object_scoped=True, description="the trust reopens a drop")
    write_capabilities = {"post": (Capability.MANAGE_DROPS,)}
    to = DropStatus.REOPENED

    def reason(self, request: Request) -> str:
        form = s.ReopenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return form.validated_data["reason"]
