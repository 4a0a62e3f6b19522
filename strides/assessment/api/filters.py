"""Query-string filters of the assessment API's lists. Each narrows a queryset already scoped."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import OuterRef, Q, QuerySet, Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from strides.access.gate import visible_classes
from strides.access.readers import visible_memberships
from strides.assessment.models import DropKind
from strides.frameworks.models import Crosswalk, Framework, Term
from strides.organisations.models import School


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number (``?pupil=1.5`` or ``?pupil=x`` is refused with a 400 naming it)."""

    field_class = forms.IntegerField


class FrameworkFilter(django_filters.FilterSet):
    subject = django_filters.CharFilter(
        method="filter_subject", help_text="Subject code: frameworks used for it (or for any subject)."
    )
    school = django_filters.CharFilter(
        method="filter_school", help_text="URN of a school you can open: the frameworks it may use."
    )

    def filter_subject(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for_subject = Framework.objects.filter(subjects__code=value.strip().lower()).values("pk")
        for_some_subject = Framework.objects.filter(subjects__isnull=False).values("pk")
        return queryset.filter(Q(pk__in=for_subject) | ~Q(pk__in=for_some_subject))

    def filter_school(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        school = School.objects.filter(urn=value.strip()).values("pk", "trust_id").first()
        if school is None:
            return queryset.none()
        # A school uses shipped frameworks, its trust's and its own (never another school's).
        return queryset.filter(
            Q(trust__isnull=True)
            | Q(trust_id=school["trust_id"], school__isnull=True)
            | Q(school_id=school["pk"])
        )


class CrosswalkFilter(django_filters.FilterSet):
    as_at = django_filters.DateFilter(
        method="filter_as_at", help_text="A date (YYYY-MM-DD): only the version in force on that day."
    )

    def filter_as_at(self, queryset: QuerySet, name: str, value) -> QuerySet:
        in_force = (
            Crosswalk.objects.filter(scale=OuterRef("scale"), effective_from__lte=value)
            .order_by("-effective_from", "-version")
            .values("pk")[:1]
        )
        return queryset.filter(pk=Subquery(in_force))


class DropFilter(django_filters.FilterSet):
    academic_year = django_filters.NumberFilter(
        field_name="academic_year__start_year",
        help_text="The year the academic year starts in: 2025 for 2025/26.",
    )
    term = django_filters.ChoiceFilter(choices=Term.choices, help_text="autumn, spring or summer.")
    kind = django_filters.ChoiceFilter(choices=DropKind.choices, help_text="termly or baseline.")


class JudgementFilter(django_filters.FilterSet):
    drop = django_filters.CharFilter(field_name="drop__slug", help_text="The drop's slug.")
    school = django_filters.CharFilter(field_name="school__urn", help_text="URN of the school that judged.")
    subject = django_filters.CharFilter(field_name="subject__code", help_text="Subject code.")
    pupil = IdFilter(field_name="pupil_id", help_text="Id of the pupil.")

    def filter_class(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # Only a class the caller can open narrows anything: another class answers an empty list,
        # so the filter never tells who is in a class the caller may not see.
        groups = visible_classes(self.request.user).filter(pk=value).values("pk")
        return queryset.filter(
            pupil_id__in=visible_memberships(self.request.user).filter(group__in=groups).values("pupil_id")
        )


# ``class`` is a Python keyword, so the filter is added after the class body.
JudgementFilter.base_filters["class"] = IdFilter(
    method="filter_class", help_text="Id of a class: its pupils' judgements."
)
