"""One drop's difference from the crosswalk in force for it, and its explicit, audited Apply
(``strides.assessment.services.apply_crosswalk``); mounted at /frameworks/crosswalks/drops/ by
``strides.assessment.crosswalk_urls``. The crosswalk versions themselves:
``strides.frameworks.crosswalks_views``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.gate import get_or_404
from strides.access.rules import access_rule
from strides.assessment.crosswalk_drops import difference_by_school
from strides.assessment.models import DataDrop
from strides.assessment.services import AssessmentError, apply_crosswalk, crosswalk_differences
from strides.frameworks.page_helpers import CROSSWALK_DROP, crosswalk_trusts, crumbs


@access_rule(CROSSWALK_DROP)
def crosswalk_drop(request: HttpRequest, drop_slug: str) -> HttpResponse:
    """What the crosswalk in force would change in one drop, and the explicit Apply."""
    user = request.user
    drop = get_or_404(
        DataDrop.objects.filter(trust__in=crosswalk_trusts(user)).select_related("trust"), slug=drop_slug
    )
    crosswalk, changes = crosswalk_differences(drop)
    url = reverse("crosswalk_drops:drop", kwargs={"drop_slug": drop.slug})
    if request.method == "POST":
        looked_at = (request.POST.get("crosswalk_version", ""), request.POST.get("changes", ""))
        now = (str(crosswalk.version) if crosswalk else "", str(len(changes)))
        if not changes:
            messages.info(
                request, f"Nothing to apply: every point in {drop.name} already follows the crosswalk."
            )
            return redirect(url)
        if looked_at != now:
            messages.error(
                request,
                "The difference has changed since you looked at it (a judgement or the crosswalk changed). "
                "Nothing was applied: check it again below.",
            )
            return redirect(url)
        try:
            changed = apply_crosswalk(user, drop)
        except (AssessmentError, ValueError) as error:
            messages.error(request, f"Nothing was applied: {error}")
        else:
            messages.success(
                request,
                f"Crosswalk version {crosswalk.version} is applied to {drop.name}: "
                f"{changed} judgement{'s' if changed != 1 else ''} changed common point. "
                "Each change is in the judgement's history and the audit log.",
            )
        return redirect(url)
    difference = difference_by_school(user, drop, crosswalk, changes)
    return render(
        request,
        "frameworks/crosswalk_drop.html",
        {
            "drop": drop,
            "crosswalk": crosswalk,
            "changes": changes,
            "schools": difference.schools,
            "school_totals": difference.school_totals,
            "rows": difference.rows,
            "breadcrumbs": crumbs(("Crosswalk versions", reverse("frameworks:crosswalks")), (drop.name, "")),
        },
    )
