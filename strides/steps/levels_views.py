"""A small-step framework's levels of security: the codes teachers type or tap, their words,
which count as secured or as not applicable, and their partial credit (docs/small-steps-frameworks.md,
"Levels")."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from strides.access.actor import SignedInRequest
from strides.access.rules import access_rule
from strides.steps.framework_pages import MANAGE_ONE, back_to_detail, crumbs, managed
from strides.steps.services import StepsError


@access_rule(MANAGE_ONE)
def framework_levels(request: SignedInRequest, step_framework_id: int) -> HttpResponse:
    """The framework's levels of security: codes teachers type, their words, which count as secured
    or not applicable, their partial credit; new ones added, unused ones removed."""
    from decimal import Decimal, InvalidOperation

    from strides.steps.services.frameworks import LevelChange, LevelSpec, change_levels

    user = request.user
    framework = managed(user, step_framework_id)
    if not framework.scored:
        messages.error(request, f"{framework.name} is never scored: it has no levels.")
        return back_to_detail(framework)
    levels = list(framework.achievement_levels.all())
    error = ""
    if request.method == "POST":
        changes = []
        for index in range(len(levels) + 2):
            prefix = f"level-{index}-"
            code = request.POST.get(prefix + "code", "").strip()
            level_id = next((lv.pk for lv in levels if str(lv.pk) == request.POST.get(prefix + "id")), None)
            if level_id is None and not code:
                continue  # an empty new row
            try:
                credit = Decimal(request.POST.get(prefix + "credit", "0").strip() or "0")
            except InvalidOperation:
                error = f"Credit: {request.POST.get(prefix + 'credit')!r} for level {code} is not a number."
                break
            spec = LevelSpec(
                code=code,
                label=request.POST.get(prefix + "label", ""),
                secured=request.POST.get(prefix + "secured") == "on",
                not_applicable=request.POST.get(prefix + "not_applicable") == "on",
                credit=credit,
            )
            changes.append(LevelChange(level_id, spec, remove=request.POST.get(prefix + "remove") == "on"))
        if not error:
            try:
                change_levels(user, framework, changes)
            except StepsError as refusal:
                error = str(refusal)
            else:
                messages.success(request, f"{framework.name}: levels saved. Every measure now uses them.")
                return back_to_detail(framework)
    rows = [{"index": i, "level": level} for i, level in enumerate(levels)]
    blanks = [len(levels), len(levels) + 1]
    return render(
        request,
        "steps/frameworks/levels.html",
        {
            "framework": framework,
            "rows": rows,
            "blanks": blanks,
            "error": error,
            "breadcrumbs": crumbs(
                (
                    framework.name,
                    reverse("steps:framework_detail", kwargs={"step_framework_id": framework.pk}),
                ),
                ("Levels", ""),
            ),
        },
    )
