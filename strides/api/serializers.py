"""Shapes every API answer shares: the error answers. Each app's own shapes live beside its
endpoints (``strides/<app>/api/serializers.py``)."""

from __future__ import annotations

from rest_framework import serializers

# The brief shapes of a pupil and a school, used by other apps' answers. They live with their own
# apps now; these two names stay importable here until the assessment API (being reworked this
# session) imports them from there.
from strides.organisations.api.serializers import SchoolBriefSerializer
from strides.pupils.api.serializers import PupilBriefSerializer

__all__ = [
    "ErrorSerializer",
    "FieldErrorSerializer",
    "PupilBriefSerializer",
    "SchoolBriefSerializer",
    "ValidationErrorSerializer",
]


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="The field (dotted for nested ones: `staff.0.username`); null: the whole request.",
    )
    value = serializers.JSONField(allow_null=True, help_text="The value that was sent (null when missing).")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = FieldErrorSerializer(many=True)
    accepted = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only when the request names query parameters the endpoint does not take (each one "
        "an entry of `errors`): the parameters it does take.",
    )
