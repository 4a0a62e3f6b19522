"""The class page: a teaching group's pupils with the tags a teacher plans with.

The group comes through the scoping gate (``visible_classes``): a class of another school, or
another teacher's class for a teacher, answers 404 exactly like a class that does not exist.
A user who records judgements at the class's school gets a link to the class's grid for each data
drop still open there.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from strides.access.gate import get_or_404, visible_classes, visible_pupils
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.queries import open_drops
from strides.navigation import school_crumbs
from strides.pupils.queries import limit_to_reach
from strides.pupils.roll import attach_current, today, with_current_details


@access_rule(AccessRule(Capability.VIEW_PUPILS, object_scoped=True))
def class_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    day = today()
    group = get_or_404(visible_classes(user).select_related("school", "academic_year"), pk=group_id)
    pupils = with_current_details(user, visible_pupils(user).filter(group_memberships__group=group), day)
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
