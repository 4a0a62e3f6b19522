"""The trust overview and the school page.

A school comes through the scoping gate (``visible_schools``): out of scope answers 404. What the
page shows depends on what the user holds at that school: aggregate-only roles (governors,
directors) see counts with small groups suppressed and never a name; staff who see named pupils
get the pupil list; teachers and teaching assistants see the pupils of their own classes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from strides.access.actor import Actor, SignedInRequest
from strides.access.gate import (
    can,
    get_or_404,
    scope_for,
    visible_classes,
    visible_pupils,
    visible_schools,
)
from strides.access.readers import visible_characteristics
from strides.access.rules import SIGNED_IN, AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.classes.models import TeachingGroup
from strides.classes.queries import staff_with_users
from strides.navigation import opens_many_schools, school_crumbs
from strides.organisations.filter_forms import PupilFilterForm, SchoolFilterForm
from strides.organisations.models import Region, School
from strides.pupils import queries
from strides.pupils.roll import (
    attach_current,
    disadvantaged,
    period_as_at,
    school_summary,
    today,
    with_current_details,
)
from strides.pupils.roll_figures import (
    current_academic_year,
    school_cards,
    sees_named_pupils_at,
    summary_view,
)

PUPILS_PER_PAGE = 50


@access_rule(SIGNED_IN)
def school_list(request: SignedInRequest) -> HttpResponse:
    """The schools the user can open, with pupils on roll, filterable by name, region and type."""
    user = request.user
    schools = visible_schools(user)
    regions = Region.objects.filter(trust_id__in=scope_for(user).trust_ids).order_by("name")
    form = SchoolFilterForm(request.GET or None, regions=regions)
    filtered = form.filter(schools).order_by("name")
    cards = school_cards(user, filtered, today())
    context = {
        "cards": cards,
        "form": form,
        "filtered": form.is_bound,
        # the filters are worth showing as soon as there is more than one school to narrow down
        "show_filters": form.is_bound or len(cards) > 1,
        "can_search": can(user, Capability.SEARCH_PUPILS),
        "breadcrumbs": [("Home", reverse("web:home")), ("Schools", "")],
    }
    return render(request, "organisations/school_list.html", context)


def _pupil_list(user: Actor, school: School, form: PupilFilterForm, day: dt.date) -> QuerySet:
    pupils = queries.pupils_on_roll(visible_pupils(user), school.pk, day)
    if form.is_valid() and form.cleaned_data["q"]:
        pupils = queries.search(pupils, form.cleaned_data["q"])
    filters = form.period_filters() or {}
    disadvantage = form.disadvantage()
    if filters or disadvantage:
        periods = visible_characteristics(user, day).filter(
            period_as_at(day), pupil=OuterRef("pk"), **filters
        )
        if disadvantage == "fsm":
            periods = periods.filter(fsm=True)
        elif disadvantage == "pp":
            periods = periods.filter(disadvantaged())
        elif disadvantage == "not_pp":
            periods = periods.exclude(disadvantaged())
        pupils = pupils.filter(Exists(periods))
    return with_current_details(user, pupils, day)


def _classes(user: Actor, school: School, day: dt.date) -> tuple[Any, list[TeachingGroup]]:
    year = current_academic_year(school.trust_id, day)
    if year is None:
        return None, []
    groups = (
        visible_classes(user)
        .filter(school=school, academic_year=year)
        .annotate(pupil_count=Count("memberships", distinct=True))
        .prefetch_related(staff_with_users())
        .order_by("nc_year", "name")
    )
    return year, list(groups)


@access_rule(
    AccessRule(
        None,
        object_scoped=True,
        description="schools the gate lets the user open; names only for roles that see the school's pupils",
    )
)
def school_detail(request: SignedInRequest, urn: str) -> HttpResponse:
    user = request.user
    day = today()
    school = get_or_404(visible_schools(user).select_related("region"), urn=urn)
    scope = scope_for(user)
    named = sees_named_pupils_at(scope, school) and can(user, Capability.VIEW_PUPILS, school)
    show_aggregates = can(user, Capability.VIEW_AGGREGATES, school)
    own_classes_only = named and not (scope.trust_wide_pupils or school.pk in scope.pupil_school_ids)

    summary = school_summary(school, day) if show_aggregates else None
    context: dict[str, Any] = {
        "school": school,
        "officers": list(school.officer_assignments.select_related("user").order_by("kind")),
        "named": named,
        "own_classes_only": own_classes_only,
        "show_aggregates": show_aggregates,
        "breadcrumbs": school_crumbs(user, school, link_school=False),
        "many_schools": opens_many_schools(user),
    }
    if summary is not None:
        context["stats"] = summary_view(summary, suppressed=not named)

    if named:
        form = PupilFilterForm(request.GET or None, years=sorted(summary.by_year) if summary else [])
        page = Paginator(_pupil_list(user, school, form, day), PUPILS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context.update({"form": form, "page": page, "rows": attach_current(page.object_list)})
        if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
            response = render(request, "organisations/_pupil_list_htmx.html", context)
            patch_vary_headers(response, ["HX-Request"])
            return response
        year, groups = _classes(user, school, day)
        context.update({"academic_year": year, "groups": groups})
    response = render(request, "organisations/school_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
