"""The judgements API: list and read what the caller may see, record one judgement (with the
lost-update check of ADR 7) and withdraw one entered by mistake. Shared response shapes and the
mixin come from ``strides.assessment.api.views``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.gate import get_or_404, visible_pupils
from strides.access.judgements import visible_judgements, visible_revisions
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.assessment.api import serializers as s
from strides.assessment.api.filters import JudgementFilter
from strides.assessment.api.recording import level_for, school_for, subject_of
from strides.assessment.api.views import (
    API_REASON,
    CONFLICT,
    INVALID,
    NOT_FOUND,
    REFUSED,
    TAGS,
    AssessmentApiMixin,
    drop_or_404,
)
from strides.assessment.models import DataDrop, DropSchool, Judgement
from strides.assessment.services import (
    AssessmentError,
    DropClosed,
    HeldElsewhere,
    StaleJudgement,
    record_judgement,
)
from strides.assessment.services.withdrawals import withdraw_judgement
from strides.frameworks.models import (
    Level,
    Subject,
)
from strides.pupils.models import Pupil

# --- judgements -----------------------------------------------------------------------------


def judgement_status(judgement: Judgement) -> str | None:
    """The status of the school's part of the drop the judgement is in."""
    parts = DropSchool.objects.filter(drop_id=judgement.drop_id, school_id=judgement.school_id)
    return parts.values_list("status", flat=True).first()


@extend_schema_view(
    list=extend_schema(summary="Judgements of the pupils you can see", tags=TAGS),
    retrieve=extend_schema(
        summary="One judgement with its revision history",
        tags=TAGS,
        responses={200: s.JudgementDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record a judgement (new, or a change to the version you saw)",
        tags=TAGS,
        request=s.JudgementRecordSerializer,
        responses={
            200: s.JudgementDetailSerializer,
            201: s.JudgementDetailSerializer,
            400: INVALID,
            403: REFUSED,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    ),
    withdraw=extend_schema(
        summary="Withdraw a judgement recorded by mistake (against the version you saw), saying why",
        description=(
            "The judgement leaves every list and figure; its history keeps the withdrawal (who, "
            "when, why). Recording a level again (`POST /judgements/` with version 0) reinstates "
            "it. While the drop is open, whoever may record may withdraw; once the school has "
            "submitted it, only the trust (who may reopen it)."
        ),
        tags=TAGS,
        request=s.JudgementWithdrawSerializer,
        responses={
            200: s.WithdrawnSerializer,
            400: INVALID,
            403: REFUSED,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    ),
    update=extend_schema(
        summary="Change a judgement (against the version you saw)",
        tags=TAGS,
        request=s.JudgementChangeSerializer,
        responses={
            200: s.JudgementDetailSerializer,
            400: INVALID,
            403: REFUSED,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class JudgementViewSet(
    AssessmentApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Judgements (pupil x subject x drop -> level, common point derived) of the pupils in the
    caller's scope. Aggregate-only roles (governors, directors) see none: the list is empty.

    Every write names the ``version`` the client last saw (0: nothing yet). A save over someone
    else's newer edit is refused with 409 showing both values, so the client can choose."""

    access = AccessRule(None, object_scoped=True, description="judgements of pupils through the gate")
    write_capabilities = {
        "create": (Capability.RECORD_ASSESSMENT,),
        "update": (Capability.RECORD_ASSESSMENT,),
        "withdraw": (Capability.RECORD_ASSESSMENT, Capability.MANAGE_DROPS),
    }
    filterset_class = JudgementFilter
    queryset = Judgement.objects.none()

    def get_serializer_class(self):
        return s.JudgementSerializer if self.action == "list" else s.JudgementDetailSerializer

    def get_queryset(self) -> QuerySet[Judgement]:
        judgements = visible_judgements(self.request.user).select_related(
            "pupil", "subject", "drop", "school", "level__framework", "point", "crosswalk", "recorded_by"
        )
        if self.action != "list":
            revisions = (
                visible_revisions(self.request.user)
                .select_related("level_before", "level_after", "point_after", "changed_by")
                .order_by("version")
            )
            judgements = judgements.prefetch_related(Prefetch("revisions", queryset=revisions))
        return judgements.order_by(
            "-drop__assessed_on",
            "drop_id",
            "pupil__legal_surname",
            "pupil__legal_forename",
            "pupil_id",
            "subject__order",
            "subject_id",
        )

    def get_object(self) -> Judgement:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.JudgementRecordSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        drop = drop_or_404(request.user, data["drop"])
        pupil: Pupil = get_or_404(visible_pupils(request.user), pk=data["pupil"])
        subject = subject_of(drop, data["subject"])
        return self._record(request, pupil, subject, drop, data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        judgement = self.get_object()
        if not getattr(judgement, "shows_history", False):  # read as another school's (ADR 11)
            raise exceptions.PermissionDenied(str(HeldElsewhere(request.user, judgement)))
        form = s.JudgementChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.setdefault("school", judgement.school.urn)
        return self._record(request, judgement.pupil, judgement.subject, judgement.drop, data)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        judgement = self.get_object()
        form = s.JudgementWithdrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            withdrawn = withdraw_judgement(
                request.user,
                judgement,
                expected_version=data["version"],
                reason=data["reason"],
                source=API_REASON,
            )
        except StaleJudgement as stale:
            return self._conflict(stale, None)
        except DropClosed as closed:
            return Response(
                s.DropClosedSerializer({"detail": str(closed), "status": judgement_status(judgement)}).data,
                status=status.HTTP_409_CONFLICT,
            )
        except PermissionError as refused:
            raise exceptions.PermissionDenied(str(refused)) from refused
        except AssessmentError as refused:
            raise exceptions.ValidationError({"reason": [str(refused)]}) from refused
        return Response(s.WithdrawnSerializer(withdrawn).data)

    def _record(
        self, request: Request, pupil: Pupil, subject: Subject, drop: DataDrop, data: dict
    ) -> Response:
        user = request.user
        school = school_for(user, pupil, drop, data.get("school"))
        level = level_for(user, pupil, subject, drop, school, data["level"])
        note = data.get("note")
        if note is None:  # left out: keep the note as it is
            note = (  # the note the user may read (ADR 11): another school's is refused anyway
                visible_judgements(user)
                .filter(pupil=pupil, subject=subject, drop=drop, shows_history=True)
                .values_list("note", flat=True)
                .first()
                or ""
            )
        try:
            judgement = record_judgement(
                user,
                pupil,
                subject,
                drop,
                school,
                level,
                expected_version=data["version"],
                note=note,
                reason=API_REASON,
            )
        except StaleJudgement as stale:
            return self._conflict(stale, level)
        except DropClosed as closed:
            part = (
                DropSchool.objects.filter(drop=drop, school=school).values_list("status", flat=True).first()
            )
            return Response(
                s.DropClosedSerializer({"detail": str(closed), "status": part}).data,
                status=status.HTTP_409_CONFLICT,
            )
        except PermissionError as refused:
            raise exceptions.PermissionDenied(str(refused)) from refused
        except AssessmentError as refused:
            raise exceptions.ValidationError({"non_field_errors": [str(refused)]}) from refused
        created = data["version"] == 0
        saved = get_or_404(self.get_queryset(), pk=judgement.pk)
        return Response(
            s.JudgementDetailSerializer(saved).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _conflict(self, stale: StaleJudgement, attempted: Level | None) -> Response:
        current = None
        if stale.current is not None:
            current = self.get_queryset().filter(pk=stale.current.pk).first()
        # Someone the caller cannot read (another school's record) is not described to them.
        # Nor is the staff of a judgement the caller reads only as prior attainment (ADR 11).
        named = current is not None and getattr(current, "shows_history", False)
        detail = str(stale) if named else str(StaleJudgement(None, attempted))
        body = {
            "detail": detail,
            "current": current,
            "attempted": {
                "level": attempted.code if attempted else None,  # None: a withdrawal
                "framework": attempted.framework.code if attempted else None,
            },
        }
        return Response(s.ConflictSerializer(body).data, status=status.HTTP_409_CONFLICT)
