"""The library of frameworks: the list (shipped, the trust's own, schools' own) and one
framework with its levels and the common point each maps to in the crosswalk in force.

Access rules and shared lookups: ``strides.frameworks.page_helpers``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from strides.access.gate import can, get_or_404, schools_with
from strides.access.rules import access_rule
from strides.accounts.roles import Capability
from strides.frameworks.models import CrosswalkEntry, Framework
from strides.frameworks.page_helpers import (
    READ,
    READ_ONE,
    crosswalk_trusts,
    crumbs,
    user_trust,
    visible_frameworks,
)
from strides.frameworks.services import crosswalk_in_force, ensure_common_scale


def _owner_label(framework: Framework) -> str:
    if framework.trust_id is None:
        return "Shipped with Strides"
    if framework.school_id is not None:
        return f"{framework.school.name} only"
    return "Every school in the trust"


# --- the library -------------------------------------------------------------------------------


@access_rule(READ)
def framework_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    frameworks = list(
        visible_frameworks(user)
        .select_related("school")
        .prefetch_related("subjects")
        .annotate(level_count=Count("levels"))
        .order_by("name")
    )
    groups = [
        ("Shipped with Strides", "shipped", [f for f in frameworks if f.trust_id is None]),
        (f"{trust.name}’s own", "trust", [f for f in frameworks if f.trust_id and f.school_id is None]),
        ("Schools’ own", "schools", [f for f in frameworks if f.school_id is not None]),
    ]
    manage_schools = list(
        schools_with(user, Capability.MANAGE_FRAMEWORKS).filter(trust=trust).order_by("name")
    )
    return render(
        request,
        "frameworks/list.html",
        {
            "trust": trust,
            "groups": groups,
            "can_manage": bool(manage_schools) or can(user, Capability.MANAGE_FRAMEWORKS),
            "manage_schools": manage_schools,
            "can_crosswalk": crosswalk_trusts(user).exists(),
            "breadcrumbs": [("Home", reverse("web:home")), ("Frameworks", "")],
        },
    )


@access_rule(READ_ONE)
def framework_detail(request: HttpRequest, framework_id: int) -> HttpResponse:
    user = request.user
    framework = get_or_404(visible_frameworks(user).select_related("school", "trust"), pk=framework_id)
    trust = framework.trust or user_trust(user)
    scale = ensure_common_scale(trust, user)
    today = dt.date.today()
    crosswalk = crosswalk_in_force(scale, today)
    points = {
        entry.level_id: entry.point
        for entry in CrosswalkEntry.objects.filter(
            crosswalk=crosswalk, level__framework=framework
        ).select_related("point")
    }
    levels = [(level, points.get(level.pk)) for level in framework.levels.order_by("order")]
    return render(
        request,
        "frameworks/detail.html",
        {
            "framework": framework,
            "owner": _owner_label(framework),
            "subjects": list(framework.subjects.order_by("order", "name")),
            "levels": levels,
            "scale": scale,
            "crosswalk": crosswalk,
            "breadcrumbs": crumbs((framework.name, "")),
        },
    )
