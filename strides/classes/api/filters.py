"""Query-string filters of the classes list. Every filter narrows a queryset the gate already scoped."""

from __future__ import annotations

import django_filters


class ClassFilter(django_filters.FilterSet):
    school = django_filters.CharFilter(field_name="school__urn", help_text="URN of the school.")
    academic_year = django_filters.NumberFilter(
        field_name="academic_year__start_year",
        help_text="The year the academic year starts in: 2025 for 2025/26.",
    )
