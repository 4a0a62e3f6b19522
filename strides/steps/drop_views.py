"""A drop's judgements from small steps (docs/small-steps.md, "The common scale"): the school's
small-step pupils get their level in each subject an area stands for from their records, with no
level entered twice. A preview first (nothing written), then the import, all or nothing, through
the drop's own bulk service (``strides.steps.services.drops``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.actor import SignedInRequest
from strides.access.gate import as_staff, can, get_or_404, scope_for, visible_schools
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop
from strides.navigation import school_crumbs
from strides.steps.services.drops import judgement_rows, judgements_from_steps

IMPORT = AccessRule(Capability.IMPORT_ASSESSMENT, object_scoped=True, description="a school's part of a drop")


@access_rule(IMPORT)
def from_steps(request: SignedInRequest, drop_slug: str, urn: str) -> HttpResponse:
    user = request.user
    drop = get_or_404(DataDrop.objects.filter(trust_id__in=scope_for(user).trust_ids), slug=drop_slug)
    school = get_or_404(visible_schools(user).filter(drop_parts__drop=drop), urn=urn)
    if not can(as_staff(user), Capability.IMPORT_ASSESSMENT, school):
        raise PermissionDenied
    if request.method == "POST":
        result = judgements_from_steps(user, drop, school)
        if result.committed:
            messages.success(
                request,
                f"{result.created} judgements recorded and {result.updated} changed from small steps; "
                f"{result.unchanged} were already so.",
            )
            return redirect("steps:drop_from_steps", drop_slug=drop.slug, urn=school.urn)
        preview = result
    else:
        preview = judgements_from_steps(user, drop, school, dry_run=True)
    rows = judgement_rows(user, drop, school)
    context = {
        "drop": drop,
        "school": school,
        "rows": rows[:300],
        "count": len(rows),
        "preview": preview,
        "breadcrumbs": [
            *school_crumbs(user, school),
            (
                drop.title,
                reverse("assessment:school_board", kwargs={"drop_slug": drop.slug, "urn": school.urn}),
            ),
        ],
    }
    return render(request, "steps/drop_from_steps.html", context)
