"""Breadcrumbs shared by the trust → school → class → pupil pages. House-level, so that every
app's pages use them without importing strides.web (the site's own pages)."""

from __future__ import annotations

from django.urls import reverse

from strides.access.actor import Viewer
from strides.access.gate import scope_for
from strides.organisations.models import School


def opens_many_schools(user: Viewer) -> bool:
    """Whether the user has a schools overview to go back to (no query: the scope knows)."""
    scope = scope_for(user)
    return scope.trust_wide_aggregates or len(scope.aggregate_school_ids | scope.class_reach_school_ids) > 1


def school_crumbs(
    user: Viewer, school: School | None = None, *, link_school: bool = True
) -> list[tuple[str, str]]:
    crumbs = [("Home", reverse("web:home"))]
    if opens_many_schools(user):
        crumbs.append(("Schools", reverse("organisations:school_list")))
    if school is not None:
        url = reverse("organisations:school_detail", kwargs={"urn": school.urn}) if link_school else ""
        crumbs.append((school.name, url))
    return crumbs
