"""Threshold conversations (``/api/v1/step-conversations/``): the ones the caller may read
(``visible_conversations``), and recording that one was held and closing it with its outcome.

Who may hold or close one: whoever reads it as staff (the school's staff with school reach and
the pupil's class teachers: ``visible_conversations(as_staff(user))``, never a teaching
assistant) and records assessment at its school (``RECORD_ASSESSMENT``). A parent reads the held
conversations of their child's shared page, without who met, the outcome or any member of
staff's name (the rows' ``shows_details``, decided row by row)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from strides.access.gate import as_staff, can, get_or_404
from strides.access.rules import AccessRule
from strides.access.small_steps import visible_conversations
from strides.accounts.roles import Capability
from strides.api.base import INVALID, NOT_FOUND, REFUSED, StridesApiMixin
from strides.api.serializers import ErrorSerializer
from strides.steps.api import serializers as s
from strides.steps.api.filters import ConversationFilter
from strides.steps.api.refusals import CLOSE_CLUES, HOLD_CLUES, steps_refusals
from strides.steps.models import Conversation
from strides.steps.services.conversations import close_conversation, hold_conversation

TAGS = ["small steps"]
CLOSED = OpenApiResponse(
    ErrorSerializer,
    description="The conversation is closed already, or (closing) has not been recorded as held yet.",
)


@extend_schema_view(
    list=extend_schema(summary="Threshold conversations you may read", tags=TAGS),
    retrieve=extend_schema(
        summary="One threshold conversation",
        tags=TAGS,
        responses={200: s.StepConversationSerializer, 404: NOT_FOUND},
    ),
    hold=extend_schema(
        summary="Record that a conversation was held: when, who met, what was agreed",
        tags=TAGS,
        request=s.StepConversationHoldSerializer,
        responses={
            200: s.StepConversationSerializer,
            400: INVALID,
            403: REFUSED,
            404: NOT_FOUND,
            409: CLOSED,
        },
    ),
    close=extend_schema(
        summary="Close a held conversation with its outcome",
        tags=TAGS,
        request=s.StepConversationCloseSerializer,
        responses={
            200: s.StepConversationSerializer,
            400: INVALID,
            403: REFUSED,
            404: NOT_FOUND,
            409: CLOSED,
        },
    ),
)
class ConversationViewSet(
    StridesApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Conversations a term's progress raised (below or above the school's thresholds), newest
    first."""

    access = AccessRule(None, object_scoped=True, description="threshold conversations through the gate")
    write_capabilities = {
        "hold": (Capability.RECORD_ASSESSMENT,),
        "close": (Capability.RECORD_ASSESSMENT,),
    }
    serializer_class = s.StepConversationSerializer
    filterset_class = ConversationFilter
    queryset = Conversation.objects.none()

    def get_queryset(self) -> QuerySet[Conversation]:
        return self._readable(visible_conversations(self.request.user))

    @staticmethod
    def _readable(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
        return conversations.select_related(
            "pupil", "school", "area__framework", "academic_year", "recorded_by", "closed_by"
        ).order_by("-raised_at", "-pk")

    def get_object(self) -> Conversation:
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _for_staff(self) -> Conversation:
        """The conversation as the caller reads it as staff (404 otherwise: a parent's view of it
        is not theirs to change), and 403 unless they record assessment at its school."""
        user = self.request.user
        conversation = get_or_404(self._readable(visible_conversations(as_staff(user))), pk=self.kwargs["pk"])
        if not can(as_staff(user), Capability.RECORD_ASSESSMENT, conversation.school):
            raise exceptions.PermissionDenied(
                f"You do not record assessment at {conversation.school.name}: you cannot change its "
                "conversations."
            )
        return conversation

    def _answer(self, conversation: Conversation) -> Response:
        shown = self.get_queryset().filter(pk=conversation.pk).first() or conversation
        return Response(s.StepConversationSerializer(shown, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], filterset_class=None)
    def hold(self, request: Request, pk: str | None = None) -> Response:
        conversation = self._for_staff()
        form = s.StepConversationHoldSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if not conversation.is_open:
            return _closed("This conversation is closed: record a note on the pupil instead.")
        with steps_refusals(HOLD_CLUES, "non_field_errors"):
            held = hold_conversation(
                request.user,
                conversation,
                held_on=data["held_on"],
                attendees=data["attendees"],
                agreed_action=data["agreed_action"],
                agreed_detail=data.get("agreed_detail", ""),
                follow_up_on=data.get("follow_up_on"),
            )
        return self._answer(held)

    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        conversation = self._for_staff()
        form = s.StepConversationCloseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if not conversation.is_open:
            return _closed("This conversation is closed already.")
        if conversation.held_on is None:
            return _closed("Record when the conversation was held and what was agreed before closing it.")
        with steps_refusals(CLOSE_CLUES, "outcome"):
            closed = close_conversation(request.user, conversation, form.validated_data["outcome"])
        return self._answer(closed)


def _closed(detail: str) -> Response:
    return Response(ErrorSerializer({"detail": detail}).data, status=status.HTTP_409_CONFLICT)
