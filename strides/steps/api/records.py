"""Achievement records (``/api/v1/achievement-records/``): what the caller may read
(``visible_achievement_records``), and recording one or many through
``strides.steps.services.recording.record_achievements``, with the version check: a record made
against an older version than the one kept answers 409 with the current version, as judgements do."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.actor import Viewer
from strides.access.gate import as_staff, can, get_or_404, visible_pupils
from strides.access.rules import AccessRule
from strides.access.small_steps import (
    delegated_areas,
    needs_delegation,
    usable_step_frameworks,
    visible_achievement_records,
)
from strides.accounts.roles import Capability
from strides.api.base import INVALID, NOT_FOUND, REFUSED, StridesApiMixin, school_in_scope
from strides.organisations.models import School
from strides.steps.api import serializers as s
from strides.steps.api.filters import AchievementRecordFilter
from strides.steps.api.refusals import RECORD_CLUES, nested, steps_refusals
from strides.steps.models import AchievementRecord, Statement
from strides.steps.services import StaleRecord
from strides.steps.services.recording import RecordInput, record_achievements

TAGS = ["small steps"]
REASON = "small steps, API"
CONFLICT = OpenApiResponse(
    s.RecordConflictSerializer,
    description="Someone recorded the pupil's statement after the `expected_version` you sent: "
    "`current_version` (and `current`, when you may read it) is what is kept now. Reload, or save "
    "again with `expected_version` set to `current_version`. Nothing was written.",
)
BULK_LABEL = re.compile(r"^Record (\d+), ")


def may_record_at(user: Viewer, school: School) -> None:
    """403 unless the user records small steps at ``school``, as staff (never as a parent)."""
    if not can(as_staff(user), Capability.RECORD_ASSESSMENT, school):
        raise exceptions.PermissionDenied(f"You do not record small steps at {school.name}.")


def inputs_for(
    user: Viewer, school: School, rows: Sequence[dict[str, Any]], *, bulk: bool
) -> list[RecordInput]:
    """The records to make: each pupil through the gate as staff, each statement of a framework
    the user may use (a 400 naming the field and value otherwise), and, for a teaching assistant,
    each area delegated to them (403). Three queries, however many rows."""

    def at(index: int, field: str) -> list[str | int]:
        return ["records", index, field] if bulk else [field]

    pupils = visible_pupils(as_staff(user)).in_bulk({row["pupil"] for row in rows})
    statements = (
        Statement.objects.filter(area__framework__in=usable_step_frameworks(user))
        .select_related("area__framework")
        .in_bulk({row["statement"] for row in rows})
    )
    delegated: dict[int, set[int]] | None = {} if needs_delegation(user, school) else None
    inputs = []
    for index, row in enumerate(rows):
        pupil = pupils.get(row["pupil"])
        if pupil is None:
            raise exceptions.ValidationError(nested(at(index, "pupil"), f"No pupil with id {row['pupil']}."))
        statement = statements.get(row["statement"])
        if statement is None:
            message = f"No statement with id {row['statement']} in a framework you may use."
            raise exceptions.ValidationError(nested(at(index, "statement"), message))
        framework = statement.area.framework
        if framework.trust_id not in (None, school.trust_id) or framework.school_id not in (None, school.pk):
            message = f"{framework.name} is not a framework {school.name} may use."
            raise exceptions.ValidationError(nested(at(index, "statement"), message))
        if delegated is not None:
            if pupil.pk not in delegated:
                delegated[pupil.pk] = set(delegated_areas(user, pupil).values_list("pk", flat=True))
            if statement.area_id not in delegated[pupil.pk]:
                raise exceptions.PermissionDenied(
                    f"{statement.area.name} has not been delegated to you for {pupil.display_name}'s "
                    "class: a teacher of the class can delegate it."
                )
        name = f"{pupil.display_name}, {statement.code}"
        inputs.append(
            RecordInput(
                pupil=pupil,
                statement=statement,
                level_code=row["level"],
                expected_version=row["expected_version"],
                note=row.get("note", ""),
                aspects=s.RecordFields().aspects(row),
                evidence_links=row.get("evidence_links", []),
                label=f"Record {index + 1}, {name}" if bulk else name,
            )
        )
    return inputs


def bulk_position(message: str) -> list[str | int]:
    found = BULK_LABEL.match(message)
    return ["records", int(found.group(1)) - 1] if found else []


@extend_schema_view(
    list=extend_schema(summary="Achievement records of the pupils you can see", tags=TAGS),
    retrieve=extend_schema(
        summary="One achievement record",
        tags=TAGS,
        responses={200: s.AchievementRecordSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record a pupil's level on a statement (against the version you saw)",
        tags=TAGS,
        request=s.AchievementRecordCreateSerializer,
        responses={201: s.AchievementRecordSerializer, 400: INVALID, 403: REFUSED, 409: CONFLICT},
    ),
    bulk=extend_schema(
        summary="Record many statements at once, all or nothing",
        description="Every record is checked as a single one is; when any is refused (400, naming "
        "`records.N.field`), stale (409, with `index`) or not yours to make (403), none is written.",
        tags=TAGS,
        request=s.AchievementRecordBulkSerializer,
        responses={
            201: s.AchievementRecordSerializer(many=True),
            400: INVALID,
            403: REFUSED,
            409: CONFLICT,
        },
    ),
)
class AchievementRecordViewSet(
    StridesApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Records are append-only: a change is a new record with the next ``version`` for the pupil
    and statement. Who reads which: ``strides.access.small_steps`` (a school's staff its own
    records of the pupils they see; a parent their child's once the school shares the progress
    page; governors and directors none)."""

    access = AccessRule(None, object_scoped=True, description="achievement records through the gate")
    write_capabilities = {
        "create": (Capability.RECORD_ASSESSMENT,),
        "bulk": (Capability.RECORD_ASSESSMENT,),
    }
    serializer_class = s.AchievementRecordSerializer
    filterset_class = AchievementRecordFilter
    queryset = AchievementRecord.objects.none()

    def get_queryset(self) -> QuerySet[AchievementRecord]:
        return (
            visible_achievement_records(self.request.user)
            .select_related("pupil", "school", "statement__area__framework", "level", "recorded_by")
            .order_by("-assessed_on", "-recorded_at", "-pk")
        )

    def get_object(self) -> AchievementRecord:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.AchievementRecordCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        school = school_in_scope(request.user, data["school"], "school")
        may_record_at(request.user, school)
        inputs = inputs_for(request.user, school, [data], bulk=False)
        return self._record(request, school, inputs, data.get("assessed_on"), bulk=False)

    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request: Request) -> Response:
        form = s.AchievementRecordBulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        school = school_in_scope(request.user, data["school"], "school")
        may_record_at(request.user, school)
        inputs = inputs_for(request.user, school, data["records"], bulk=True)
        return self._record(request, school, inputs, data.get("assessed_on"), bulk=True)

    def _record(
        self, request: Request, school: School, inputs: list[RecordInput], day: dt.date | None, *, bulk: bool
    ) -> Response:
        try:
            with steps_refusals(RECORD_CLUES, "non_field_errors", at=bulk_position if bulk else ()):
                made = record_achievements(request.user, school, inputs, assessed_on=day, reason=REASON)
        except StaleRecord as stale:
            return self._conflict(stale, inputs, bulk=bulk)
        saved = self.get_queryset().in_bulk([record.pk for record in made])
        shown = [saved.get(record.pk, record) for record in made]
        context = self.get_serializer_context()
        if bulk:
            body = s.AchievementRecordSerializer(shown, many=True, context=context).data
        else:
            body = s.AchievementRecordSerializer(shown[0], context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _conflict(self, stale: StaleRecord, inputs: list[RecordInput], *, bulk: bool) -> Response:
        position = bulk_position(str(stale)) if bulk else []
        index = int(position[1]) if position else 0
        item = inputs[index]
        version = stale.current_version if stale.current_version >= 0 else None
        current = None
        if version:
            current = (
                self.get_queryset()
                .filter(pupil=item.pupil, statement=item.statement, version=version)
                .first()
            )
        body: dict[str, Any] = {
            "detail": str(stale),
            "current_version": version,
            "current": current,
            "attempted": {
                "pupil": item.pupil.pk,
                "statement": item.statement.code,
                "level": item.level_code,
                "expected_version": item.expected_version,
            },
        }
        if bulk and position:
            body["index"] = index
        data = s.RecordConflictSerializer(body, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_409_CONFLICT)
