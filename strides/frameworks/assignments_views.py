"""Each school's framework choices: per subject for the whole school, a year group or one
pupil, from a date. Pupils and choices are read through the gate (``visible_pupils``,
``visible_framework_assignments``), the year groups on roll as a school's
counts are (``strides.access.roll_readers``); writes through
``strides.frameworks.services.assign_framework``.

Access rules and shared lookups: ``strides.frameworks.page_helpers``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from strides.access.gate import get_or_404, schools_with, visible_pupils
from strides.access.readers import visible_framework_assignments
from strides.access.roll_readers import enrolments_on_roll, periods_in_force
from strides.access.rules import access_rule
from strides.accounts.roles import Capability
from strides.frameworks.forms import AssignmentForm
from strides.frameworks.models import Framework, Subject
from strides.frameworks.page_helpers import MANAGE_SCHOOL, crumbs
from strides.frameworks.queries import FrameworkChooser, frameworks_available, subjects_for
from strides.frameworks.services import FrameworkError, assign_framework
from strides.organisations.models import Phase, School
from strides.pupils.census_codes import NC_YEAR_LABELS
from strides.pupils.queries import pupils_on_roll

PHASE_YEARS = {
    Phase.NURSERY: range(-2, 1),
    Phase.PRIMARY: range(0, 7),
    Phase.MIDDLE: range(5, 9),
    Phase.SECONDARY: range(7, 12),
    Phase.ALL_THROUGH: range(0, 12),
    Phase.SIXTEEN_PLUS: range(12, 14),
}


def _school_years(school: School, day: dt.date) -> list[int]:
    """The school's year groups: those of its phase, and any a pupil on roll is in (read as a
    school's counts are, ``strides.access.roll_readers``: a year group, never who is in it, at a
    school the user manages)."""
    on_roll = enrolments_on_roll([school.pk], day).values("pupil_id")
    years = set(
        periods_in_force(day).filter(pupil_id__in=on_roll).values_list("nc_year", flat=True).distinct()
    )
    return sorted(years | set(PHASE_YEARS.get(school.phase, range(1, 12))))


@dataclass
class YearRow:
    label: str
    # per subject: the framework in use, and whether it was chosen for this row itself (not
    # inherited from the whole school or the default)
    cells: list[tuple[Framework | None, bool]]
    fallback: str  # what an unchosen cell falls back on


@access_rule(MANAGE_SCHOOL)
def school_assignments(request: HttpRequest, urn: str) -> HttpResponse:
    user = request.user
    school = get_or_404(schools_with(user, Capability.MANAGE_FRAMEWORKS).select_related("trust"), urn=urn)
    today = dt.date.today()
    subjects = subjects_for(school.trust, school)
    years = _school_years(school, today)
    pupils = pupils_on_roll(visible_pupils(user), school.pk, today).order_by(
        "legal_surname", "legal_forename"
    )
    available = frameworks_available(school.trust_id, school.pk).prefetch_related("subjects").order_by("name")
    chosen = next((s for s in subjects if s.code == request.GET.get("subject")), None)  # from Subjects
    form = AssignmentForm(
        request.POST or None,
        frameworks=available,
        pupils=pupils,
        years=years,
        subjects=subjects,
        initial={"subject": chosen} if chosen else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assign_framework(
                user,
                school,
                data["subject"],
                data["framework"],
                data["valid_from"],
                nc_year=form.nc_year(),
                pupil=data["pupil"],
            )
        except (FrameworkError, ValueError) as error:
            form.add_error("framework", str(error))
        else:
            who = (
                str(data["pupil"])
                if data["pupil"]
                else NC_YEAR_LABELS.get(form.nc_year(), "")
                if form.nc_year() is not None
                else "the whole school"
            )
            messages.success(
                request,
                f"{school.name} uses {data['framework'].name} for {data['subject'].name} "
                f"({who}) from {data['valid_from']:%d/%m/%Y}.",
            )
            return redirect("frameworks:assignments", urn=school.urn)

    # a single pupil's choice only for a pupil the user sees (the gate's rule for choices)
    history = list(
        visible_framework_assignments(user)
        .filter(school=school)
        .select_related("subject", "framework", "pupil", "created_by")
        .order_by("-valid_from", "subject__order", "nc_year", "pk")
    )
    # the year groups and subjects with a choice of their own in force today (not inherited)
    own = {(a.nc_year, a.subject_id) for a in history if a.pupil_id is None and a.valid_from <= today}
    chooser = FrameworkChooser(school.pk, subjects, today)
    rows = [_year_row("Whole school", chooser, subjects, None, own)]
    rows += [_year_row(NC_YEAR_LABELS.get(y, str(y)), chooser, subjects, y, own) for y in years]
    return render(
        request,
        "frameworks/assignments.html",
        {
            "school": school,
            "form": form,
            "subjects": subjects,
            "rows": rows,
            "history": history,
            "today": today,
            "breadcrumbs": crumbs((f"Choices at {school.name}", "")),
        },
    )


def _year_row(
    label: str,
    chooser: FrameworkChooser,
    subjects: list[Subject],
    year: int | None,
    own: set[tuple[int | None, int]],
) -> YearRow:
    # pupil id 0 names no pupil: the year group's choice, else the school's, else the default
    frameworks = [chooser.framework_for(0, s.pk, year) for s in subjects]
    cells = [(f, (year, s.pk) in own) for f, s in zip(frameworks, subjects, strict=True)]
    return YearRow(label, cells, "default" if year is None else "inherited")
