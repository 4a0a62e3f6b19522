"""Recording small steps, faster than paper (docs/small-steps.md, "Recording"):

- ``class_grid``: a class x statements grid for one step of one area: type a code (0-4, E/D/S,
  NA...), paste a block from a spreadsheet, or tap a level button (tablets); ``steps-grid.js``
  saves each cell with the version it was loaded with.
- ``grid_save``: the grid's saves (POST, JSON): each cell on its own, with its own answer.
- ``record_group``: one statement, several pupils at once.

The class comes through ``visible_classes``, its pupils through ``visible_memberships``, records
through ``visible_achievement_records``; a teaching assistant sees and records only the areas
delegated to them. Writes go through ``record_achievements``, which asks the gate again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from strides.access.actor import SignedInRequest, Viewer
from strides.access.gate import get_or_404, visible_classes, visible_pupils
from strides.access.readers import visible_memberships
from strides.access.rules import AccessRule, access_rule
from strides.access.small_steps import (
    needs_delegation,
    visible_achievement_records,
    visible_delegations,
    visible_step_assignments,
)
from strides.accounts.roles import Capability
from strides.analytics import small_steps as measures
from strides.classes.models import TeachingGroup
from strides.steps.forms import GroupRecordForm
from strides.steps.models import ASPECTS, LateralRating, Statement, Step, StepArea, StepFramework
from strides.steps.page_helpers import steps_crumbs
from strides.steps.queries import active_assignments, latest_cells, most_common, records_of, statements_of
from strides.steps.services import StaleRecord, StepsError
from strides.steps.services.recording import RecordInput, record_achievements, record_for_group

RECORD = AccessRule(
    Capability.RECORD_ASSESSMENT, object_scoped=True, description="a class the user records small steps for"
)
MAX_CELLS = 200


def _class_context(user: Viewer, group_id: int, params: Any) -> dict[str, Any]:
    """Everything the grid and the group form share: the class, its pupils on a framework, the
    framework, the areas the user records in, the chosen area and step."""
    group: TeachingGroup = get_or_404(
        visible_classes(user).select_related("school", "academic_year"), pk=group_id
    )
    today = timezone.localdate()
    members = list(
        visible_memberships(user)
        .filter(group=group)
        .select_related("pupil")
        .order_by("pupil__legal_surname", "pupil__legal_forename")
    )
    pupils = {m.pupil_id: m.pupil for m in members}
    assignments = list(
        active_assignments(visible_step_assignments(user), today)
        .filter(pupil_id__in=pupils, school=group.school)
        .select_related("framework")
    )
    frameworks = {a.framework_id: a.framework for a in assignments if a.framework.scored}
    framework_id = _int(params.get("framework")) or most_common(
        [a.framework_id for a in assignments if a.framework_id in frameworks]
    )
    framework: StepFramework | None = frameworks.get(framework_id or 0)
    context: dict[str, Any] = {
        "group": group,
        "school": group.school,
        "frameworks": sorted(frameworks.values(), key=lambda f: f.name),
        "framework": framework,
        "breadcrumbs": steps_crumbs(user, group.school),
        "today": today,
    }
    if framework is None:
        context.update(areas=[], area=None, pupils=[], steps=[], step=None, statements=[])
        return context
    on_framework = [pupils[a.pupil_id] for a in assignments if a.framework_id == framework.pk]
    on_framework.sort(key=lambda p: (p.surname, p.forename, p.pk))
    areas = list(framework.areas.all())
    if needs_delegation(user, group.school):
        delegated = set(
            visible_delegations(user)
            .filter(group=group, assistant_id=user.pk)
            .values_list("area_id", flat=True)
        )
        areas = [a for a in areas if a.pk in delegated]
    area: StepArea | None = next(
        (a for a in areas if a.pk == _int(params.get("area"))), areas[0] if areas else None
    )
    context.update(areas=areas, area=area, pupils=on_framework)
    if area is None:
        context.update(steps=[], step=None, statements=[])
        return context
    steps = list(area.steps.all())
    records = visible_achievement_records(user).filter(pupil__in=on_framework, statement__area=area)
    step: Step | None = None
    if steps:
        wanted = _int(params.get("step"))
        step = next((s for s in steps if s.pk == wanted), None)
        if step is None and framework.shape != "milestones":
            positions = measures.area_positions(
                statements_of([framework.pk]).filter(pl.col("area_id") == area.pk),
                records_of(records),
                context["today"],
                framework.step_complete_percent,
            )
            number = most_common(positions["current_step"].to_list(), steps[0].number)
            step = next((s for s in steps if s.number == number), steps[0])
    statements = Statement.objects.filter(area=area, removed_on__isnull=True).order_by("order")
    if step is not None:
        statements = statements.filter(step=step)
    context.update(steps=steps, step=step, statements=list(statements), records=records)
    return context


def _int(value: Any) -> int | None:
    """A database id from a form or JSON, or None (never an error, never out of the column's range)."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number < 2**63 else None


@access_rule(RECORD)
def class_grid(request: SignedInRequest, group_id: int) -> HttpResponse:
    user = request.user
    context = _class_context(user, group_id, request.GET)
    framework = context["framework"]
    if framework is not None and context["area"] is not None:
        cells = latest_cells(context["records"].filter(statement__in=context["statements"]))
        context["rows"] = [
            {
                "pupil": pupil,
                "cells": [
                    {"statement": statement, "cell": cells.get((pupil.pk, statement.pk))}
                    for statement in context["statements"]
                ],
            }
            for pupil in context["pupils"]
        ]
        levels = list(framework.achievement_levels.all())
        context["levels"] = levels
        context["vocabulary"] = {level.code.upper(): level.label for level in levels}
        context["save_url"] = reverse("steps:grid_save", kwargs={"group_id": group_id})
        context["delegation"] = _delegation(user, context["group"], framework)
    return render(request, "steps/grid.html", context)


def _delegation(user: Viewer, group: TeachingGroup, framework: StepFramework) -> dict[str, Any] | None:
    """The class's teaching assistants and the areas each records in, for a teacher of the class
    or the school's leaders (who may change them); None for anyone else."""
    from strides.access.gate import can
    from strides.classes.models import StaffRole

    teaches = group.staff_links.filter(user_id=user.pk, role=StaffRole.TEACHER).exists()
    if not (teaches or can(user, Capability.MANAGE_CLASSES, group.school)):
        return None
    assistants = [
        link.user
        for link in group.staff_links.filter(role=StaffRole.TEACHING_ASSISTANT).select_related("user")
    ]
    if not assistants:
        return None
    current = set(visible_delegations(user).filter(group=group).values_list("assistant_id", "area_id"))
    areas = list(framework.areas.all())
    return {
        "areas": areas,
        "rows": [
            {
                "assistant": a,
                "cells": [
                    {"area": area, "value": f"{a.pk}:{area.pk}", "on": (a.pk, area.pk) in current}
                    for area in areas
                ],
            }
            for a in assistants
        ],
    }


@require_POST
@access_rule(RECORD)
def grid_save(request: SignedInRequest, group_id: int) -> JsonResponse:
    """Save the grid's cells: ``{"assessed_on": "YYYY-MM-DD"?, "cells": [{"pupil", "statement",
    "code", "version"}]}``; each cell is saved (or refused) on its own and answered in order."""
    user = request.user
    group = get_or_404(visible_classes(user).select_related("school"), pk=group_id)
    try:
        body = json.loads(request.body or b"{}")
        cells = body["cells"]
        if not isinstance(cells, list) or not 0 < len(cells) <= MAX_CELLS:
            raise ValueError
        day = dt.date.fromisoformat(body["assessed_on"]) if body.get("assessed_on") else timezone.localdate()
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": f"Send 1 to {MAX_CELLS} cells as JSON."}, status=400)
    pupil_ids = {_int(c.get("pupil")) for c in cells if isinstance(c, dict)}
    statement_ids = {_int(c.get("statement")) for c in cells if isinstance(c, dict)}
    pupils = {
        m.pupil_id: m.pupil
        for m in visible_memberships(user).filter(group=group, pupil_id__in=pupil_ids).select_related("pupil")
    }
    statements = Statement.objects.filter(pk__in=statement_ids).select_related("area__framework")
    by_id = {s.pk: s for s in statements}
    answers = []
    for cell in cells:
        pupil = pupils.get(_int(cell.get("pupil")) or 0) if isinstance(cell, dict) else None
        statement = by_id.get(_int(cell.get("statement")) or 0) if isinstance(cell, dict) else None
        if pupil is None or statement is None:
            answers.append({"ok": False, "error": "Not a pupil of this class, or not a statement."})
            continue
        answer: dict[str, Any] = {"pupil": pupil.pk, "statement": statement.pk}
        try:
            [made] = record_achievements(
                user,
                group.school,
                [
                    RecordInput(
                        pupil,
                        statement,
                        str(cell.get("code", "")),
                        expected_version=_int(cell.get("version")) or 0,
                        label=f"{pupil.display_name}, {statement.code}",
                    )
                ],
                assessed_on=day,
                reason="small steps grid",
            )
        except StaleRecord as stale:
            answer.update(ok=False, stale=True, error=str(stale), version=stale.current_version)
        except StepsError as error:
            answer.update(ok=False, error=str(error))
        else:
            answer.update(ok=True, version=made.version, code=made.level.code, label=made.level.label)
        answers.append(answer)
    return JsonResponse({"answers": answers})


@access_rule(RECORD)
def record_group(request: SignedInRequest, group_id: int) -> HttpResponse:
    """One statement for several pupils of the class at once."""
    user = request.user
    context = _class_context(user, group_id, request.POST if request.method == "POST" else request.GET)
    framework = context["framework"]
    if framework is None or context["area"] is None:
        return render(request, "steps/group.html", context)
    form = GroupRecordForm(
        request.POST or None,
        pupils=visible_pupils(user).filter(pk__in=[p.pk for p in context["pupils"]]),
        statements=context["statements"],
        levels=list(framework.achievement_levels.all()),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        aspects = {a: int(data[a]) for a in ASPECTS if data.get(a)}
        try:
            made = record_for_group(
                user,
                context["school"],
                data["statement"],
                list(data["pupils"]),
                data["level"],
                assessed_on=data["assessed_on"],
                note=data["note"],
                aspects=aspects,
            )
        except StepsError as error:
            form.add_error(None, str(error))
        else:
            from django.contrib import messages

            messages.success(request, f"Recorded {data['statement'].code} for {len(made)} pupils.")
            query = f"?framework={framework.pk}&area={context['area'].pk}"
            if context["step"] is not None:
                query += f"&step={context['step'].pk}"
            return redirect(reverse("steps:grid", kwargs={"group_id": group_id}) + query)
    context.update(form=form, ratings=LateralRating.choices)
    return render(request, "steps/group.html", context)


def _classes_on_small_steps(user: Viewer, today: dt.date) -> Any:
    """Classes with a pupil following a small-step framework (at the class's school) today."""
    on_steps = active_assignments(visible_step_assignments(user), today).values("pupil_id")
    return visible_memberships(user).filter(pupil_id__in=on_steps).values("group_id")


@access_rule(AccessRule(None, description="small steps' starting page: what the user's roles open"))
def home(request: SignedInRequest) -> HttpResponse:
    """Where small steps start: the user's classes to record for, their schools' conversations
    and group analysis, the frameworks, and the trust's threshold run."""
    from strides.access.gate import can, visible_schools

    user = request.user
    today = timezone.localdate()
    records = can(user, Capability.RECORD_ASSESSMENT)
    classes = (
        list(
            visible_classes(user)
            .filter(academic_year__starts_on__lte=today, academic_year__ends_on__gte=today)
            .filter(pk__in=_classes_on_small_steps(user, today))
            .select_related("school")
            .order_by("school__name", "name")[:200]
        )
        if records
        else []
    )
    schools = [
        {
            "school": school,
            # conversations are for the school's leaders and class teachers, not its TAs
            "conversations": can(user, Capability.VIEW_PUPILS, school) and not needs_delegation(user, school),
            "analysis": can(user, Capability.VIEW_AGGREGATES, school),
        }
        for school in visible_schools(user).order_by("name")[:200]
    ]
    context = {
        "classes": classes,
        "schools": [s for s in schools if s["conversations"] or s["analysis"]],
        "manages_frameworks": can(user, Capability.MANAGE_FRAMEWORKS) or records,
        "runs_thresholds": can(user, Capability.MANAGE_DROPS),
        "trust_wide": visible_schools(user).count() > 1 and can(user, Capability.VIEW_AGGREGATES),
    }
    return render(request, "steps/home.html", context)


@require_POST
@access_rule(RECORD)
def delegate(request: SignedInRequest, group_id: int) -> HttpResponse:
    """A teacher of the class (or the school's leaders) sets which areas each teaching assistant of
    the class records in: the boxes ticked on the grid page are the delegations kept."""
    from django.contrib import messages

    from strides.classes.models import StaffRole
    from strides.steps.services.recording import delegate_area

    user = request.user
    context = _class_context(user, group_id, request.POST)
    group, framework = context["group"], context["framework"]
    if framework is None:
        return redirect("steps:grid", group_id=group_id)
    assistants = [
        link.user
        for link in group.staff_links.filter(role=StaffRole.TEACHING_ASSISTANT).select_related("user")
    ]
    current = set(visible_delegations(user).filter(group=group).values_list("assistant_id", "area_id"))
    try:
        for assistant in assistants:
            for area in framework.areas.all():
                wanted = f"{assistant.pk}:{area.pk}" in request.POST.getlist("delegate")
                if wanted != ((assistant.pk, area.pk) in current):
                    delegate_area(user, group, assistant, area, delegate=wanted)
    except StepsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Delegations saved.")
    return redirect(reverse("steps:grid", kwargs={"group_id": group_id}) + f"?framework={framework.pk}")
