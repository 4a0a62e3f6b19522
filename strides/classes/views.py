"""The class page: a teaching group's pupils with the tags a teacher plans with.

The group comes through the scoping gate (``visible_classes``): a class of another school, or
another teacher's class for a teacher, answers 404 exactly like a class that does not exist.
A user who records judgements at the class's school gets a link to the class's grid for each data
drop still open there.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from strides.access.gate import get_or_404, schools_with, visible_classes, visible_pupils
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.models import DropSchool
from strides.classes.models import TeachingGroup
from strides.pupils.queries import limit_to_reach
from strides.web.navigation import school_crumbs
from strides.web.summaries import attach_current, today, with_current_details


def open_drops(user: Any, group: TeachingGroup) -> list[DropSchool]:
    """The class's school's parts of the drops of the class's year that teachers can still record
    in, when the user records judgements at that school (one query, the capability checked
    through the gate inside it). A drop that collects other year groups than the class's is left
    out."""
    parts = (
        DropSchool.objects.filter(
            school=group.school,
            school__in=schools_with(user, Capability.RECORD_ASSESSMENT),
            drop__academic_year_id=group.academic_year_id,
        )
        .select_related("drop")
        .order_by("drop__assessed_on", "drop__name")
    )
    return [
        part
        for part in parts
        if part.teachers_may_edit
        and (group.nc_year is None or not part.drop.nc_years or group.nc_year in part.drop.nc_years)
    ]


@access_rule(AccessRule(Capability.VIEW_PUPILS, object_scoped=True))
def class_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    day = today()
    group = get_or_404(visible_classes(user).select_related("school", "academic_year"), pk=group_id)
    pupils = with_current_details(visible_pupils(user).filter(group_memberships__group=group), day)
    rows = attach_current(pupils)
    for pupil in rows:
        pupil.left_school = group.school not in pupil.schools_now
    # A leaver in an old class shows the record as it stood when they left the user's schools.
    rows = limit_to_reach(user, rows, day)
    staff = list(group.staff_links.select_related("user").order_by("role", "user__last_name"))
    context = {
        "group": group,
        "rows": rows,
        "staff": staff,
        "open_drops": open_drops(user, group),
        "is_current_year": group.academic_year.starts_on <= day <= group.academic_year.ends_on,
        "breadcrumbs": [*school_crumbs(user, group.school), (group.name, "")],
    }
    return render(request, "classes/class_detail.html", context)
