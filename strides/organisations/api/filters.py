"""Query-string filters of the schools list. Every filter narrows a queryset the gate already scoped."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from strides.organisations.models import Phase, SchoolType


class SchoolFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(
        field_name="school_type", choices=SchoolType.choices, help_text="School type."
    )
    phase = django_filters.ChoiceFilter(choices=Phase.choices, help_text="Phase of education.")
    region = django_filters.CharFilter(method="filter_region", help_text="Region name (or its id).")
    search = django_filters.CharFilter(
        method="filter_search", help_text="Part of the school's name, or its URN."
    )

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if value.isdigit():
            return queryset.filter(region_id=int(value))
        return queryset.filter(region__name__iexact=value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(urn=value))
