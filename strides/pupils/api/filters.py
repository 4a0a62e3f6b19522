"""Query-string filters of the pupils and enrolments lists. Every filter narrows a queryset the
gate already scoped."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from strides.access.gate import sees_whole_records, visible_enrolments
from strides.access.readers import visible_characteristics
from strides.pupils.census_codes import SenProvision
from strides.pupils.queries import search


def on_roll_on(day: dt.date) -> Q:
    """A filter on Enrolment: on roll on ``day``."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def in_force_on(day: dt.date) -> Q:
    """A filter on CharacteristicsPeriod: the period in force on ``day``."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


class PupilFilter(django_filters.FilterSet):
    """``school``, ``nc_year`` and ``sen_provision`` are read on one day: ``on_roll`` if given,
    else today. ``on_roll`` alone lists pupils on roll anywhere (in scope) on that day.

    Like the pupils themselves, the filters read only what the caller may: enrolments at the
    schools through which they see the pupil, and characteristics that began before the pupil
    left those schools. A filter must not tell where a leaver went, or what was recorded since.
    """

    school = django_filters.CharFilter(
        method="filter_noop", help_text="URN of a school: pupils on its roll (today, or on `on_roll`)."
    )
    on_roll = django_filters.DateFilter(
        method="filter_noop", help_text="A date (YYYY-MM-DD): pupils on roll on that day."
    )
    nc_year = django_filters.NumberFilter(
        method="filter_noop", help_text="Actual NC year (N1=-2, N2=-1, R=0, then 1-14)."
    )
    sen_provision = django_filters.ChoiceFilter(
        method="filter_noop", choices=SenProvision.choices, help_text="SEN provision: N, K or E."
    )
    search = django_filters.CharFilter(method="filter_noop", help_text="Name(s) or a UPN.")

    def filter_noop(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        # These filters depend on one another (the day), so filter_queryset applies them together.
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        day = data.get("on_roll") or dt.date.today()
        user = self.request.user
        readable = visible_enrolments(user)
        enrolments = readable.filter(on_roll_on(day), pupil=OuterRef("pk"))
        if data.get("school"):
            queryset = queryset.filter(Exists(enrolments.filter(school__urn=data["school"].strip())))
        elif data.get("on_roll"):
            queryset = queryset.filter(Exists(enrolments))
        period: dict[str, object] = {}
        if data.get("nc_year") is not None:
            period["nc_year"] = int(data["nc_year"])
        if data.get("sen_provision"):
            period["sen_provision"] = data["sen_provision"]
        if period:
            periods = visible_characteristics(user).filter(in_force_on(day), pupil=OuterRef("pk"), **period)
            if not sees_whole_records(user):
                # begun while the pupil was still at one of the caller's schools
                periods = periods.filter(
                    Exists(
                        readable.filter(pupil=OuterRef("pupil")).filter(
                            Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("valid_from"))
                        )
                    )
                )
            queryset = queryset.filter(Exists(periods))
        if data.get("search"):
            queryset = search(queryset, data["search"])
        return queryset


class EnrolmentFilter(django_filters.FilterSet):
    school = django_filters.CharFilter(field_name="school__urn", help_text="URN of the school.")
    pupil = django_filters.NumberFilter(field_name="pupil_id", help_text="Id of the pupil.")
    # A choice rather than a BooleanFilter: a value that is neither is refused, not ignored.
    current = django_filters.ChoiceFilter(
        method="filter_current",
        choices=[("true", "true"), ("false", "false")],
        help_text="true: on roll today; false: ended (or not yet started).",
    )

    def filter_current(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = on_roll_on(dt.date.today())
        return queryset.filter(today) if value == "true" else queryset.exclude(today)
