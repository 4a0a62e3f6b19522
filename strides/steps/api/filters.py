"""Query-string filters of the small-steps lists. Every filter narrows a queryset the gate already
scoped (``strides.access.small_steps``)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from strides.steps.models import Shape

OPEN_CHOICES = [("true", "true"), ("false", "false")]
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number in the database's range (anything else is a 400 naming it,
    never a query the database cannot run)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StepFrameworkFilter(django_filters.FilterSet):
    shape = django_filters.ChoiceFilter(choices=Shape.choices, help_text="Only frameworks of this shape.")
    school = django_filters.CharFilter(
        method="filter_school",
        help_text="URN of a school: the frameworks it may use (shipped, its trust's, its own).",
    )

    def filter_school(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        urn = value.strip()
        return queryset.filter(
            Q(trust__isnull=True)
            | Q(trust__schools__urn=urn, school__isnull=True, shared=True)
            | Q(school__urn=urn)
        ).distinct()


class AchievementRecordFilter(django_filters.FilterSet):
    pupil = IdFilter(field_name="pupil_id", help_text="Id of the pupil.")
    statement = IdFilter(field_name="statement_id", help_text="Id of the statement.")
    area = IdFilter(field_name="statement__area_id", help_text="Id of the area.")
    framework = IdFilter(
        field_name="statement__area__framework_id", help_text="Id of the small-step framework."
    )
    school = django_filters.CharFilter(field_name="school__urn", help_text="URN of the school that recorded.")
    assessed_from = django_filters.DateFilter(
        field_name="assessed_on", lookup_expr="gte", help_text="Assessed on or after (YYYY-MM-DD)."
    )
    assessed_to = django_filters.DateFilter(
        field_name="assessed_on", lookup_expr="lte", help_text="Assessed on or before (YYYY-MM-DD)."
    )


class EngagementObservationFilter(django_filters.FilterSet):
    pupil = IdFilter(field_name="pupil_id", help_text="Id of the pupil.")
    area = IdFilter(field_name="area_id", help_text="Id of the engagement area.")
    framework = IdFilter(field_name="area__framework_id", help_text="Id of the framework.")
    school = django_filters.CharFilter(field_name="school__urn", help_text="URN of the school that observed.")
    observed_from = django_filters.DateFilter(
        field_name="observed_on", lookup_expr="gte", help_text="Observed on or after (YYYY-MM-DD)."
    )
    observed_to = django_filters.DateFilter(
        field_name="observed_on", lookup_expr="lte", help_text="Observed on or before (YYYY-MM-DD)."
    )


class ConversationFilter(django_filters.FilterSet):
    pupil = IdFilter(field_name="pupil_id", help_text="Id of the pupil.")
    school = django_filters.CharFilter(field_name="school__urn", help_text="URN of the school.")
    area = IdFilter(field_name="area_id", help_text="Id of the area.")
    open = django_filters.ChoiceFilter(
        method="filter_open", choices=OPEN_CHOICES, help_text="true: not closed yet; false: closed."
    )

    def filter_open(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(closed_at__isnull=value == "true")
