"""A pupil's small-steps page (docs/small-steps.md, "The pupil's page"): each area's learning
journey, progress over time (lateral progress drawn beside steps secured), the current step's next
statements, engagement-model observations in words, and the conversations held. Parents and
carers read it once the school has shared it. Staff who may also record a pupil's statements on
it (``pupil_record``), observe the engagement model, choose the pupil's framework and share the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from strides.access.actor import SignedInRequest
from strides.access.gate import as_staff, can, get_or_404, scope_for, visible_pupils, visible_schools
from strides.access.rules import AccessRule, access_rule
from strides.access.small_steps import (
    may_record,
    needs_delegation,
    progress_page_shared,
    usable_step_frameworks,
    visible_achievement_records,
    visible_conversations,
    visible_engagement_observations,
    visible_step_assignments,
)
from strides.accounts.roles import Capability
from strides.analytics import small_steps as measures
from strides.steps.forms import ObservationForm
from strides.steps.models import ASPECTS, LateralRating, Shape, Statement, StepArea
from strides.steps.page_helpers import journey, progress_chart, similar_for_pupil, steps_crumbs, term_rows
from strides.steps.queries import active_assignments, latest_cells, records_of, statements_of
from strides.steps.services import StepsError
from strides.steps.services.recording import (
    RecordInput,
    assign_framework,
    record_achievements,
    record_observation,
    share_progress_page,
)

# No capability on the rule: parents hold VIEW_PUPILS for their own children only, at no school
# (as on the pupil's own page, strides/pupils/views.py); the gate's visible_pupils decides.
PUPIL = AccessRule(None, object_scoped=True, description="named pupils the gate's visible_pupils lets in")
RECORD = AccessRule(
    Capability.RECORD_ASSESSMENT, object_scoped=True, description="a pupil the user records for"
)
MANAGE = AccessRule(
    Capability.EDIT_SEN, object_scoped=True, description="a pupil at a school where the user leads SEN"
)


def _school_of(user: Any, pupil: Any, assignments: list) -> Any:
    """The school the page is about: the one of the pupil's framework the user sees there."""
    schools = visible_schools(user)
    for assignment in assignments:
        if schools.filter(pk=assignment.school_id).exists():
            return assignment.school
    scope = scope_for(user)
    staff = scope.trust_wide_pupils or scope.pupil_school_ids or scope.class_reach_school_ids
    if not staff and assignments:
        # a parent opens no school's pages: their child's page is about the school that shared it
        # (``assignments`` are only those the parent may read: the shared school's)
        return assignments[0].school
    return (
        schools.filter(enrolments__pupil=pupil, enrolments__end_date__isnull=True).first()
        or schools.filter(enrolments__pupil=pupil).first()
    )


@access_rule(PUPIL)
def pupil_page(request: SignedInRequest, pupil_id: int) -> HttpResponse:
    user = request.user
    pupil = get_or_404(visible_pupils(user), pk=pupil_id)
    today = timezone.localdate()
    assignments = list(
        visible_step_assignments(user)
        .filter(pupil=pupil)
        .select_related("framework", "school")
        .order_by("-starts_on")
    )
    current = [a for a in active_assignments(visible_step_assignments(user).filter(pupil=pupil), today)]
    current_ids = {a.pk for a in current}
    current_assignments = [a for a in assignments if a.pk in current_ids]
    school = _school_of(user, pupil, current_assignments or assignments)
    scope = scope_for(user)
    staff = bool(scope.trust_wide_pupils or scope.pupil_school_ids or scope.class_reach_school_ids)
    if not staff and not scope.parent:
        raise Http404("Not found")  # placing-school contacts see nothing of small steps
    shared = progress_page_shared(pupil) if not staff else None
    context: dict[str, Any] = {
        "pupil": pupil,
        "school": school,
        "today": today,
        "assignments": assignments,
        "staff": staff,
        "breadcrumbs": steps_crumbs(user, school) if staff else [],
        "not_shared": not staff and not shared,
    }
    records_qs = visible_achievement_records(user).filter(pupil=pupil)
    framework_ids = {a.framework_id for a in assignments} | set(
        records_qs.values_list("statement__area__framework_id", flat=True).distinct()
    )
    frameworks = list(usable_step_frameworks(as_staff(user)).filter(pk__in=framework_ids)) if staff else []
    if not staff:  # a parent reads the frameworks their child's shared records are on
        from strides.steps.models import StepFramework

        frameworks = list(StepFramework.objects.filter(pk__in=framework_ids))
    statements = statements_of([f.pk for f in frameworks if f.scored])
    records = records_of(records_qs)
    cells = latest_cells(records_qs)
    generalised = (
        set(measures.generalised(records, today)["statement_id"].to_list()) if records.height else set()
    )
    sections = []
    for framework in sorted(
        frameworks, key=lambda f: (f.pk not in {a.framework_id for a in current_assignments}, f.name)
    ):
        if framework.scored:
            positions = measures.area_positions(
                statements.filter(
                    pl.col("area_id").is_in(list(framework.areas.values_list("pk", flat=True)))
                ),
                records,
                today,
                framework.step_complete_percent,
            )
            sections.append(
                {
                    "framework": framework,
                    "areas": journey(framework, positions, cells, generalised),
                    "milestones": framework.shape == Shape.MILESTONES,
                }
            )
        else:
            observations = visible_engagement_observations(user).filter(
                pupil=pupil, area__framework=framework
            )
            sections.append(
                {
                    "framework": framework,
                    "engagement": [
                        {"area": area, "observations": [o for o in observations if o.area_id == area.pk]}
                        for area in framework.areas.all()
                    ],
                }
            )
    context["sections"] = sections
    scored = [f for f in frameworks if f.scored and f.shape != Shape.MILESTONES]
    if scored and records.height:
        rows = term_rows(school, statements, records, today)
        context["terms"] = rows
        context["chart"] = progress_chart(rows, pupil.display_name)
        own_school = school is not None and (
            scope.trust_wide_pupils
            or school.pk in scope.pupil_school_ids
            or school.pk in scope.class_reach_school_ids
        )
        if own_school and request.GET.get("part") == "similar":
            # the trust's term is built on the first view after new records (seconds for a large
            # trust): the page comes at once and fetches this part with htmx, showing progress
            similar = similar_for_pupil(pupil, school, today)
            return render(request, "steps/_similar.html", {"similar": similar})
        context["similar_url"] = f"{request.path}?part=similar" if own_school else ""
    conversations = (
        visible_conversations(user).filter(pupil=pupil).select_related("area").order_by("-raised_at")
    )
    context["conversations"] = list(conversations)
    # conversations are for the school's leaders and class teachers (and parents, once held)
    context["show_conversations"] = not (staff and school is not None and needs_delegation(user, school))
    if staff and school is not None:
        context["may_manage"] = can(as_staff(user), Capability.EDIT_SEN, school)
        context["may_record"] = can(as_staff(user), Capability.RECORD_ASSESSMENT, school) and (
            visible_pupils(as_staff(user)).filter(pk=pupil.pk).exists()
        )
        context["has_statements"] = any(a.framework.scored for a in current_assignments)
        context["is_shared"] = progress_page_shared(pupil, school)
        context["usable_frameworks"] = list(
            usable_step_frameworks(as_staff(user)).filter(archived_at__isnull=True)
        )
        engagement_areas = StepArea.objects.filter(
            framework__in=[a.framework_id for a in current_assignments], framework__shape=Shape.ENGAGEMENT
        )
        if context["may_record"] and engagement_areas.exists():
            context["observation_form"] = ObservationForm(areas=engagement_areas)
    return render(request, "steps/pupil.html", context)


@access_rule(RECORD)
def pupil_record(request: SignedInRequest, pupil_id: int) -> HttpResponse:
    """One pupil: the current step's statements of an area, each with its level and the four
    lateral ratings, saved together (all or nothing)."""
    user = request.user
    pupil = get_or_404(visible_pupils(as_staff(user)), pk=pupil_id)
    today = timezone.localdate()
    assignment = (
        active_assignments(visible_step_assignments(user).filter(pupil=pupil), today)
        .select_related("framework", "school")
        .exclude(framework__shape=Shape.ENGAGEMENT)
        .first()
    )
    if assignment is None:
        messages.info(request, f"{pupil.display_name} follows no small-step framework to record on.")
        return redirect("steps:pupil", pupil_id=pupil.pk)
    framework, school = assignment.framework, assignment.school
    areas = [a for a in framework.areas.all() if may_record(user, school, pupil, a, today)]
    if not areas:
        raise PermissionDenied
    wanted = request.POST.get("area") or request.GET.get("area")
    area = next((a for a in areas if str(a.pk) == wanted), areas[0])
    records_qs = visible_achievement_records(user).filter(pupil=pupil, statement__area=area)
    positions = measures.area_positions(
        statements_of([framework.pk]).filter(pl.col("area_id") == area.pk),
        records_of(records_qs),
        today,
        framework.step_complete_percent,
    )
    step_number = positions["current_step"][0] if positions.height else None
    steps = list(area.steps.all())
    wanted_step = request.POST.get("step") or request.GET.get("step")
    step = next((s for s in steps if str(s.pk) == wanted_step), None) or next(
        (s for s in steps if s.number == step_number), steps[0] if steps else None
    )
    statements = list(
        Statement.objects.filter(
            area=area, removed_on__isnull=True, **({"step": step} if step else {})
        ).order_by("order")
    )
    cells = latest_cells(records_qs)
    # the ratings each statement has now (a record that leaves an aspect unrated keeps its last)
    ratings = {
        (row["statement_id"], row["aspect"]): row["rating"]
        for row in measures.ratings_on(records_of(records_qs), today).iter_rows(named=True)
    }
    levels = list(framework.achievement_levels.all())
    error = None
    if request.method == "POST":
        inputs = []
        for statement in statements:
            cell = cells.get((pupil.pk, statement.pk))
            code = request.POST.get(f"level-{statement.pk}", "").strip()
            # only what changed is recorded: a level or a rating as it was is not a new record
            aspects = {
                a: int(v)
                for a in ASPECTS
                if (v := request.POST.get(f"{a}-{statement.pk}", "")).isascii()
                and v.isdigit()
                and len(v) < 3
                and int(v) != ratings.get((statement.pk, a))
            }
            note = request.POST.get(f"note-{statement.pk}", "").strip()
            evidence = request.POST.get(f"evidence-{statement.pk}", "").strip()
            changed_level = bool(code) and (cell is None or code.upper() != cell.code.upper())
            if not changed_level and not aspects and not note and not evidence:
                continue
            if not code:
                code = cell.code if cell else ""
            inputs.append(
                RecordInput(
                    pupil,
                    statement,
                    code,
                    expected_version=_version(request.POST.get(f"version-{statement.pk}")),
                    note=note,
                    aspects=aspects,
                    evidence_links=evidence.split(),
                    label=f"{statement.code}",
                )
            )
        try:
            day = dt.date.fromisoformat(request.POST.get("assessed_on") or today.isoformat())
            made = record_achievements(
                user, school, inputs, assessed_on=day, reason="small steps, pupil page"
            )
        except ValueError as problem:  # StepsError and a bad date alike
            error = (
                str(problem) if isinstance(problem, StepsError) else "Date: enter a date such as 31/01/2027."
            )
        else:
            if made:
                messages.success(request, f"Recorded {len(made)} statements for {pupil.display_name}.")
            else:
                messages.info(request, "Nothing had changed, so nothing was recorded.")
            return redirect(reverse("steps:pupil_record", kwargs={"pupil_id": pupil.pk}) + f"?area={area.pk}")
    rows = [
        {
            "statement": s,
            "cell": cells.get((pupil.pk, s.pk)),
            "aspects": [(a, ratings.get((s.pk, a))) for a in ASPECTS],
        }
        for s in statements
    ]
    context = {
        "pupil": pupil,
        "school": school,
        "framework": framework,
        "areas": areas,
        "area": area,
        "steps": steps,
        "step": step,
        "rows": rows,
        "levels": levels,
        "aspects": ASPECTS,
        "ratings": LateralRating.choices,
        "error": error,
        "today": today,
        "breadcrumbs": steps_crumbs(user, school),
    }
    return render(request, "steps/pupil_record.html", context)


def _version(value: str | None) -> int:
    """The version a form was loaded with; anything else is 0, which the service answers as stale."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


@require_POST
@access_rule(RECORD)
def observe(request: SignedInRequest, pupil_id: int) -> HttpResponse:
    """An engagement-model observation, in words."""
    user = request.user
    pupil = get_or_404(visible_pupils(as_staff(user)), pk=pupil_id)
    today = timezone.localdate()
    assignment = (
        active_assignments(visible_step_assignments(user).filter(pupil=pupil), today)
        .filter(framework__shape=Shape.ENGAGEMENT)
        .select_related("school")
        .first()
    )
    if assignment is None:
        raise PermissionDenied
    form = ObservationForm(request.POST, areas=StepArea.objects.filter(framework_id=assignment.framework_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_observation(
                user,
                assignment.school,
                pupil,
                data["area"],
                data["narrative"],
                observed_on=data["observed_on"],
                evidence_links=data["evidence"].split(),
            )
        except StepsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Observation of {data['area'].name} recorded.")
            return redirect("steps:pupil", pupil_id=pupil.pk)
    # what was typed stays, with each problem beside its field
    context = {"pupil": pupil, "form": form, "breadcrumbs": steps_crumbs(user, assignment.school)}
    return render(request, "steps/observe.html", context)


@require_POST
@access_rule(MANAGE)
def manage_pupil(request: SignedInRequest, pupil_id: int) -> HttpResponse:
    """Share the page with parents (or stop), or start the pupil on a framework."""
    user = request.user
    pupil = get_or_404(visible_pupils(as_staff(user)), pk=pupil_id)
    schools = [
        s
        for s in visible_schools(user).filter(enrolments__pupil=pupil).distinct()
        if can(as_staff(user), Capability.EDIT_SEN, s)
    ]
    wanted = request.POST.get("school")
    school = next((s for s in schools if str(s.pk) == wanted), schools[0] if schools else None)
    if school is None:
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action in ("share", "unshare"):
            share_progress_page(user, school, pupil, shared=action == "share")
            messages.success(
                request, "Shared with parents and carers." if action == "share" else "No longer shared."
            )
        elif action == "assign":
            framework = get_or_404(usable_step_frameworks(as_staff(user)), pk=request.POST.get("framework"))
            starts = dt.date.fromisoformat(request.POST.get("starts_on") or timezone.localdate().isoformat())
            assign_framework(user, school, pupil, framework, starts)
            messages.success(
                request, f"{pupil.display_name} follows {framework.name} from {starts:%d/%m/%Y}."
            )
        else:
            messages.error(request, "Choose what to do.")
    except StepsError as error:
        messages.error(request, str(error))
    except ValueError:
        messages.error(request, f"Starts: {request.POST.get('starts_on')!r} is not a date.")
    return redirect("steps:pupil", pupil_id=pupil.pk)
