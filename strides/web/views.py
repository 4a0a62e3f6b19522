"""The home page, which fits the user's roles, and the error pages.

A user can hold several roles (a head who is also a parent), so the home page is made of
sections, one for each kind of reach, each drawn from the scoping gate.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from strides.access.actor import Viewer
from strides.access.gate import (
    can,
    scope_for,
    visible_classes,
    visible_enrolments,
    visible_pupils,
    visible_schools,
)
from strides.access.rules import PUBLIC, SIGNED_IN, access_rule, rule_of
from strides.accounts.models import Membership
from strides.accounts.roles import (
    CLASS_REACH_ROLES,
    OFFICER_ROLES,
    PLACING_ROLES,
    SCHOOL_AGGREGATE_ROLES,
    SCHOOL_STAFF_ROLES,
    Capability,
)
from strides.classes.queries import staff_with_users
from strides.organisations.models import School
from strides.pupils.queries import current_enrolments, pending_sen_count
from strides.pupils.roll import attach_current, school_summary, today, with_current_details
from strides.pupils.roll_figures import aggregate_rows, school_cards, summary_view


def _school_overview(user: Viewer, school: School, day) -> dict[str, Any]:
    """A school leader's summary: on roll by year, the main groups with n, this year's classes."""
    summary = school_summary(school, day)
    classes = (
        visible_classes(user)
        .filter(school=school, academic_year__starts_on__lte=day, academic_year__ends_on__gte=day)
        .annotate(pupil_count=Count("memberships", distinct=True))
        .prefetch_related(staff_with_users())
        .order_by("nc_year", "name")
    )
    return {"school": school, "stats": summary_view(summary, suppressed=False), "classes": list(classes)}


@access_rule(SIGNED_IN)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = scope_for(user)
    day = today()
    memberships = list(Membership.objects.filter(user=user).select_related("school").order_by("school__name"))
    roles = {m.role for m in memberships}
    context: dict[str, Any] = {"has_role": bool(memberships) or scope.parent}

    if scope.trust_wide_pupils:
        context["trust_cards"] = school_cards(user, visible_schools(user).order_by("name"), day)
    elif roles & OFFICER_ROLES:
        assigned = visible_schools(user).filter(officer_assignments__user=user).distinct().order_by("name")
        context["assigned_cards"] = school_cards(user, assigned, day)
    context["can_search"] = can(user, Capability.SEARCH_PUPILS)
    # SEN changes from imports waiting for this SENCO, head or trust admin (0 without EDIT_SEN)
    context["sen_to_confirm"] = pending_sen_count(user)

    if scope.trust_wide_aggregates and not scope.trust_wide_pupils:
        schools = list(visible_schools(user).order_by("name"))
        context["aggregate_years"], context["aggregate_rows"] = aggregate_rows(schools, day)
        context["aggregate_scope"] = "trust"

    led = []
    if not scope.trust_wide_pupils:
        seen: set[int] = set()
        for membership in memberships:
            if membership.role in SCHOOL_STAFF_ROLES and membership.school_id not in seen:
                seen.add(membership.school_id)
                led.append(_school_overview(user, membership.school, day))
        governed = [
            m.school
            for m in memberships
            if m.role in SCHOOL_AGGREGATE_ROLES
            and m.school_id not in seen
            and not scope.trust_wide_aggregates
        ]
        if governed:
            context["aggregate_years"], context["aggregate_rows"] = aggregate_rows(governed, day)
            context["aggregate_scope"] = "school"
    context["led_schools"] = led
    context["show_search"] = context["can_search"] and bool(
        "trust_cards" in context or "assigned_cards" in context or led
    )

    if roles & CLASS_REACH_ROLES:
        context["my_classes"] = list(
            visible_classes(user)
            .filter(
                staff_links__user=user,
                academic_year__starts_on__lte=day,
                academic_year__ends_on__gte=day,
            )
            .select_related("school")
            .annotate(pupil_count=Count("memberships", distinct=True))
            .order_by("school__name", "nc_year", "name")
        )
        context["show_classes"] = True

    if roles & PLACING_ROLES:
        placed = visible_pupils(user).filter(
            Exists(
                visible_enrolments(user, day).filter(
                    current_enrolments(day),
                    pupil=OuterRef("pk"),
                    placing_school_id__in=scope.placing_school_ids,
                )
            )
        )
        context["placed"] = attach_current(with_current_details(user, placed, day))
        context["placing_schools"] = [m.school for m in memberships if m.role in PLACING_ROLES]
        context["show_placed"] = True

    if scope.parent:
        children = visible_pupils(user).filter(parent_links__user=user)
        context["children"] = attach_current(with_current_details(user, children, day))
        context["show_children"] = True

    return render(request, "web/home.html", context)


@access_rule(PUBLIC)
def health(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Why a role is refused a page, where "your role does not include this page" would leave a
# person wondering: keyed by the capability the page's rule asks for.
REFUSAL_REASONS = {
    Capability.USE_API_TOKENS: (
        "API tokens are for school and trust staff who connect other programs (such as reporting "
        "tools) to Strides. Parents, carers and placing-school contacts see their pupils on these "
        "pages instead, and do not need one."
    ),
}


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    match = getattr(request, "resolver_match", None)
    rule = rule_of(match.func) if match is not None else None
    reason = REFUSAL_REASONS.get(rule.capability) if rule is not None and rule.capability else None
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context processors: when something has gone wrong, the
    database may be what failed, and this page must still appear."""
    template = loader.get_template("errors/500.html")
    return HttpResponse(template.render({"plain": True}), status=500)
