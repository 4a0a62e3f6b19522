"""What the small-step framework pages share (``framework_views``, ``levels_views``): the rule of
a framework's managers, breadcrumbs, and looking a framework up for reading or for a change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from strides.access.actor import Actor
from strides.access.gate import can, get_or_404
from strides.access.rules import AccessRule
from strides.access.small_steps import usable_step_frameworks
from strides.accounts.roles import Capability
from strides.frameworks.forms import manages_trust_wide
from strides.steps.models import StepFramework

MANAGE_ONE = AccessRule(
    Capability.MANAGE_FRAMEWORKS,
    object_scoped=True,
    description="a trust framework (trust-wide managers) or a school's own (its managers); not shipped ones",
)


def crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("Home", reverse("web:home")),
        ("Small-step frameworks", reverse("steps:framework_list")),
        *items,
    ]


def may_manage(user: Actor, framework: StepFramework) -> bool:
    """Whether the user changes ``framework``: a school's own at that school, a trust's for the
    whole trust; a shipped example never."""
    if framework.trust_id is None:
        return False
    if framework.school_id is not None:
        return can(user, Capability.MANAGE_FRAMEWORKS, framework.school_id)
    return manages_trust_wide(user)


def framework_for(user: Actor, step_framework_id: int) -> StepFramework:
    return get_or_404(usable_step_frameworks(user).select_related("school", "trust"), pk=step_framework_id)


def managed(user: Actor, step_framework_id: int) -> StepFramework:
    """The framework, for a change: 404 when the user may not use it, 403 when they may read it
    but not change it."""
    framework = framework_for(user, step_framework_id)
    if not may_manage(user, framework):
        raise PermissionDenied
    return framework


def back_to_detail(framework: StepFramework, anchor: str = "") -> HttpResponse:
    url = reverse("steps:framework_detail", kwargs={"step_framework_id": framework.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)
