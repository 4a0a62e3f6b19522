"""The analytics API's answers and parameters, as the OpenAPI schema publishes them."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from strides.analytics import GROUP_DIMENSIONS
from strides.api.serializers import ErrorSerializer, ValidationErrorSerializer

TAGS = ["analytics"]
PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
# school_id is what every table is already split by
DIMENSIONS = tuple(d for d in GROUP_DIMENSIONS if d != "school_id")
MEASURES = ("pct_at_expected", "mean_points", "mean_percentile")
SINCE = ("year", "baseline")

# --- the schema ------------------------------------------------------------------------------


class _Row(serializers.Serializer):
    school = serializers.CharField(help_text="URN of the school that made the judgements.")
    subject = serializers.CharField(help_text="Subject code.")


class _Counted(_Row):
    n = serializers.IntegerField(
        allow_null=True, help_text="Pupils behind the figures; null when suppressed."
    )
    suppressed = serializers.BooleanField(
        help_text="True: a small group (or one that would give a small group away by subtraction); "
        "n and every figure are null."
    )


class _Grouped(_Counted):
    dimension = serializers.CharField(allow_null=True, help_text="The dimension asked for, or null.")
    group = serializers.CharField(allow_null=True, help_text="The group's value of it, as text, or null.")


class AttainmentRowSerializer(_Grouped):
    mean_points = serializers.FloatField(allow_null=True, help_text="Mean common-scale point.")
    n_with_expected = serializers.IntegerField(allow_null=True)
    n_at_expected = serializers.IntegerField(allow_null=True)
    pct_at_expected = serializers.FloatField(
        allow_null=True, help_text="% of pupils with an expected point at or above it."
    )


def interval(what: str, why_none: str) -> tuple[serializers.Field, serializers.Field, serializers.Field]:
    """``ci_low``, ``ci_high`` and ``ci_reason`` of a figure with a 95% interval."""
    return (
        serializers.FloatField(allow_null=True, help_text=f"{what}; null: see ci_reason."),
        serializers.FloatField(allow_null=True),
        serializers.CharField(
            allow_null=True, help_text=f"Why there is no interval ({why_none}); null when there is one."
        ),
    )


class ValueAddedRowSerializer(_Grouped):
    mean_percentile = serializers.FloatField(allow_null=True)
    value_added = serializers.FloatField(allow_null=True, help_text="Mean percentile - 50.")
    ci_low, ci_high, ci_reason = interval(
        "95% t interval of value_added, within -50..+50",
        "fewer than 2 pupils, or all with the same percentile",
    )
    own_share = serializers.FloatField(
        allow_null=True,
        help_text="% of the comparisons behind the figure that are with the school's own pupils (0 "
        "with an external benchmark).",
    )
    withheld = serializers.CharField(
        allow_null=True,
        help_text="Why mean_percentile and value_added are null although there are pupils: above 50% "
        "of its own comparison pool, a school would be compared mostly with itself. Null when shown.",
    )


class GapRowSerializer(_Counted):
    dimension = serializers.CharField()
    group = serializers.CharField(help_text="The group's value of the dimension, as text.")
    measure = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The measure for the group.")
    n_other = serializers.IntegerField(allow_null=True, help_text="Pupils in the rest of the school.")
    value_other = serializers.FloatField(allow_null=True, help_text="The measure for the rest.")
    gap = serializers.FloatField(allow_null=True, help_text="value - value_other.")
    ci_low, ci_high, ci_reason = interval(
        "95% interval of the gap (Newcombe's for % at expected, Welch's t for means)",
        "fewer than 2 pupils on a side, no one else, or no spread",
    )


class TransitionRowSerializer(_Counted):
    start_point = serializers.IntegerField()
    end_point = serializers.IntegerField()


class ProgressRowSerializer(_Row):
    pupil = serializers.IntegerField(help_text="The pupil's id (/api/v1/pupils/{id}/).")
    n = serializers.IntegerField(help_text="Always 1: one pupil.")
    suppressed = serializers.BooleanField(help_text="Always false: you see this pupil by name.")
    start_drop = serializers.CharField(help_text="Slug of the starting drop.")
    start_point = serializers.IntegerField()
    end_drop = serializers.CharField(help_text="Slug of the end drop.")
    end_point = serializers.IntegerField()
    gained = serializers.IntegerField(help_text="end_point - start_point.")
    expected_rise = serializers.IntegerField(
        allow_null=True, help_text="Expected point at the end - at the start; null if either is undefined."
    )
    phase = serializers.CharField(
        allow_null=True, help_text="primary / secondary, from the starting NC year."
    )
    percentile = serializers.FloatField(
        allow_null=True, help_text="Similar-learner percentile (progress over a year only); null otherwise."
    )
    compared_with = serializers.IntegerField(allow_null=True, help_text="Pupils in the cell compared with.")
    matched_on = serializers.CharField(allow_null=True, help_text="What the cell matches on, in words.")


class AttentionRowSerializer(_Row):
    pupil = serializers.IntegerField(help_text="The pupil's id (/api/v1/pupils/{id}/).")
    n = serializers.IntegerField(help_text="Always 1: one pupil.")
    suppressed = serializers.BooleanField(help_text="Always false: you see this pupil by name.")
    reasons = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["not_making_expected_progress", "fallen_back", "bottom_decile"]
        )
    )


def page_serializer(name: str, row: type[serializers.Serializer]) -> type[serializers.Serializer]:
    fields = {
        "drop": serializers.CharField(allow_null=True, help_text="Slug of the drop the figures are for."),
        "school": serializers.CharField(allow_null=True, help_text="The school asked for (URN), or null."),
        "subject": serializers.CharField(allow_null=True, help_text="The subject asked for, or null."),
        "small_group_threshold": serializers.IntegerField(
            allow_null=True, help_text="Groups under this size are suppressed for you; null: none are."
        ),
        "benchmark": serializers.CharField(
            allow_null=True,
            help_text="What similar-learner percentiles compare with, in words (null where none are used).",
        ),
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": row(many=True),
    }
    return type(name, (serializers.Serializer,), fields)


def parameter(name: str, description: str, enum: tuple[str, ...] | None = None) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, required=False, description=description, enum=enum)


COMMON_PARAMETERS = [
    parameter("school", "URN of one school (out of your scope: 404)."),
    parameter("subject", "Subject code, e.g. maths."),
    parameter("drop", "Slug of the drop; default the latest drop with data you can see."),
    OpenApiParameter("page", OpenApiTypes.INT, required=False, description="Page number, from 1."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, required=False, description=f"Rows per page (default {PAGE_SIZE})."
    ),
]
GROUP = "group"  # the pages' name for it too: "Compare pupils by" (?group=)
DIMENSION = parameter(
    GROUP, "Compare pupils by this group dimension: each school's figures split by it.", DIMENSIONS
)
SINCE_PARAMETER = parameter(
    "since",
    "Progress from the same term a year before (default) or from each pupil's first judgement.",
    SINCE,
)
ERRORS = {400: ValidationErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
