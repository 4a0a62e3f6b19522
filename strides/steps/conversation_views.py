"""Personal thresholds and their conversations (docs/small-steps.md, "Thresholds"):

- ``school_conversations``: a school's conversations, open first, for the head and SENCO (and the
  teachers of the pupils concerned); the school's thresholds, which its head or SENCO set.
- ``conversation``: one conversation: record it held (who, when, what was agreed, follow-up) and
  close it with its outcome.
- ``run_thresholds``: the trust's assessment team compares a term's progress with every school's
  thresholds and raises the conversations (also ``manage.py steps_thresholds``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from strides.access.actor import SignedInRequest
from strides.access.gate import as_staff, can, get_or_404, scope_for, visible_schools
from strides.access.rules import AccessRule, access_rule
from strides.access.small_steps import usable_step_frameworks, visible_conversations
from strides.accounts.roles import Capability
from strides.organisations.models import AcademicYear, Trust
from strides.steps.forms import CloseForm, HoldForm, ThresholdsForm
from strides.steps.models import Shape, ThresholdPolicy
from strides.steps.page_helpers import steps_crumbs
from strides.steps.queries import TERMS, term_window
from strides.steps.services import StepsError
from strides.steps.services.conversations import (
    add_school_action,
    clear_thresholds,
    close_conversation,
    hold_conversation,
    retire_school_action,
    school_actions,
    set_thresholds,
)
from strides.steps.services.conversations import (
    run_thresholds as run_service,
)

READ = AccessRule(
    Capability.VIEW_PUPILS, object_scoped=True, description="a school whose pupils the user sees"
)
MANAGE_DROPS = AccessRule(Capability.MANAGE_DROPS, description="the trust's assessment team")


def _may_act(user, conversation) -> bool:
    """Staff who read the conversation and record assessment at its school hold and close it."""
    return can(as_staff(user), Capability.RECORD_ASSESSMENT, conversation.school_id)


@access_rule(READ)
def school_conversations(request: SignedInRequest, urn: str) -> HttpResponse:
    user = request.user
    school = get_or_404(visible_schools(user), urn=urn)
    rows = (
        visible_conversations(user)
        .filter(school=school)
        .select_related("pupil", "area", "academic_year")
        .order_by("closed_at", "-raised_at")
    )
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.filter(closed_at__isnull=True)
    may_set = can(as_staff(user), Capability.EDIT_SEN, school)
    policies = list(ThresholdPolicy.objects.filter(school=school).select_related("framework"))
    policy = next((p for p in policies if p.framework_id is None), None)
    frameworks = usable_step_frameworks(as_staff(user)).filter(shape__in=[Shape.LINEAR, Shape.MATRIX])
    form = ThresholdsForm(
        request.POST or None,
        frameworks=frameworks,
        initial={
            "below": policy.below_percent if policy else 2,
            "above": policy.above_percent if policy else 20,
        },
    )
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied
        if request.POST.get("action_add") is not None or request.POST.get("action_retire"):
            try:
                if request.POST.get("action_retire"):
                    retire_school_action(user, school, request.POST["action_retire"])
                else:
                    add_school_action(user, school, request.POST.get("label", ""))
            except StepsError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "The list of what conversations may agree is saved.")
            return redirect(reverse("steps:conversations", kwargs={"urn": school.urn}) + "#actions")
        removed = next(
            (p for p in policies if p.framework_id and str(p.framework_id) == request.POST.get("remove")),
            None,
        )
        if removed is not None:
            clear_thresholds(user, school, removed.framework)
            messages.success(request, f"{removed.framework.name} follows the school's thresholds again.")
            return redirect("steps:conversations", urn=school.urn)
        if form.is_valid():
            try:
                data = form.cleaned_data
                set_thresholds(user, school, data["below"], data["above"], framework=data["framework"])
            except StepsError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Thresholds saved. They apply from the next run.")
                return redirect("steps:conversations", urn=school.urn)
    context = {
        "school": school,
        "rows": list(rows[:500]),
        "show": show,
        "form": form if may_set else None,
        "policy": policy,
        "framework_policies": [p for p in policies if p.framework_id is not None],
        "actions": school_actions(school),
        "breadcrumbs": steps_crumbs(user, school),
    }
    return render(request, "steps/conversations.html", context)


@access_rule(
    AccessRule(Capability.VIEW_PUPILS, object_scoped=True, description="a conversation the user reads")
)
def conversation(request: SignedInRequest, conversation_id: int) -> HttpResponse:
    user = request.user
    # staff read and act on a conversation as staff (a teacher who is also a parent reads their
    # own child's on the child's page, as a parent, like any parent): nobody else opens this page
    item = get_or_404(
        visible_conversations(as_staff(user)).select_related(
            "pupil", "area__framework", "school", "academic_year"
        ),
        pk=conversation_id,
    )
    may_act = _may_act(user, item) and item.closed_at is None
    hold = HoldForm(
        request.POST if request.POST.get("step") == "hold" else None,
        actions=school_actions(item.school),
        initial={
            "held_on": item.held_on or timezone.localdate(),
            "attendees": item.attendees,
            "agreed_action": item.agreed_action,
            "agreed_detail": item.agreed_detail,
            "follow_up_on": item.follow_up_on,
        },
    )
    close = CloseForm(request.POST if request.POST.get("step") == "close" else None)
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        try:
            if request.POST.get("step") == "hold" and hold.is_valid():
                hold_conversation(user, item, **hold.cleaned_data)
                messages.success(request, "Conversation recorded.")
                return redirect("steps:conversation", conversation_id=item.pk)
            if request.POST.get("step") == "close" and close.is_valid():
                close_conversation(user, item, close.cleaned_data["outcome"])
                messages.success(request, "Conversation closed.")
                return redirect("steps:conversation", conversation_id=item.pk)
        except StepsError as error:
            (hold if request.POST.get("step") == "hold" else close).add_error(None, str(error))
    context = {
        "item": item,
        "hold": hold,
        "close": close,
        "may_act": may_act,
        "breadcrumbs": steps_crumbs(user, item.school),
    }
    return render(request, "steps/conversation.html", context)


@access_rule(MANAGE_DROPS)
def thresholds(request: SignedInRequest) -> HttpResponse:
    """The trust's threshold run: choose a term, compare, raise conversations."""
    user = request.user
    trusts = Trust.objects.filter(pk__in=scope_for(user).trust_ids)
    trust = trusts.first()
    if trust is None or not can(user, Capability.MANAGE_DROPS):
        raise PermissionDenied
    today = timezone.localdate()
    years = list(AcademicYear.objects.filter(trust=trust, starts_on__lte=today).order_by("-starts_on")[:2])
    # every term begun, newest first; a term still running is said so (its progress is partial)
    periods = []
    for year in years:
        for term in reversed(TERMS):
            window = term_window(year, term)
            if window.starts < today:
                periods.append(
                    {
                        "value": f"{year.pk}:{term}",
                        "year": year,
                        "term": term,
                        "ended": window.ends < today,
                        "ends": window.ends,
                    }
                )
    default = next((p["value"] for p in periods if p["ended"]), periods[0]["value"] if periods else "")
    if request.method == "POST":
        chosen = next((p for p in periods if p["value"] == request.POST.get("period")), None)
        if chosen is None:
            messages.error(request, "Term: choose one of the terms listed.")
        else:
            year, term = chosen["year"], chosen["term"]
            result = run_service(user, trust, year, term)
            so_far = "" if chosen["ended"] else " (the term has not ended: its progress so far)"
            messages.success(
                request,
                f"{term.capitalize()} {year.label}{so_far}: {result.compared} pupil-areas compared, "
                f"{result.raised} conversations raised, {result.already} raised before.",
            )
            return redirect("steps:thresholds")
    context = {
        "trust": trust,
        "periods": periods,
        "default": default,
        "schools": visible_schools(user).order_by("name"),
    }
    return render(request, "steps/thresholds.html", context)


require_post_thresholds = require_POST  # the run itself is a POST of the same page
