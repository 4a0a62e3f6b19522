"""Pupil pages: the profile, search, and the edits a role allows.

Every pupil comes through the scoping gate (``get_or_404(visible_pupils(user), ...)``), so a pupil
out of scope answers 404 exactly like one that does not exist. Writes go through
``strides.pupils.services``; their :class:`PupilDataError` messages are shown on the form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from strides.access.actor import Viewer
from strides.access.gate import (
    as_staff,
    can,
    get_or_404,
    schools_with,
    visible_classes,
    visible_enrolments,
    visible_pupils,
    visible_schools,
)
from strides.access.roll_readers import schools_responsible_for
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.pupils import display, queries, services
from strides.pupils.forms import (
    AddEnrolmentForm,
    CharacteristicsForm,
    EndEnrolmentForm,
    PupilDetailsForm,
)
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.roll import attach_current, today, with_current_details

SEARCH_PAGE_SIZE = 25
MAX_QUERY_LENGTH = 100


# --- who may edit ---------------------------------------------------------------------------


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def editable_school_ids(user: Viewer, capability: Capability, school_ids: set[int]) -> set[int]:
    """Which of the schools the user holds ``capability`` at (``can`` for each), in one query."""
    if not school_ids or not can(user, capability):
        return set()
    return set(schools_with(user, capability).filter(pk__in=school_ids).values_list("pk", flat=True))


def _pupil_for_edit(request: HttpRequest, pupil_id: int, *capabilities: Capability) -> tuple[Pupil, set[str]]:
    """The pupil (404 when out of scope) and which of ``capabilities`` the user holds at a school
    responsible for them (403 when none)."""
    pupil = get_or_404(visible_pupils(request.user), pk=pupil_id)
    schools = schools_responsible_for(pupil, today())
    held = {str(cap) for cap in capabilities if editable_school_ids(request.user, cap, schools)}
    if not held:
        raise PermissionDenied
    return pupil, held


def _show_error(form, error: Exception) -> None:
    """A service's refusal on the form: field errors where they belong, the rest at the top."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))


def _breadcrumbs_for(
    request: HttpRequest, pupil: Pupil, enrolments: list[Enrolment]
) -> list[tuple[str, str]]:
    crumbs: list[tuple[str, str]] = [("Home", reverse("web:home"))]
    school_ids = [e.school_id for e in enrolments if e.is_current(today())]
    if school_ids:
        school = visible_schools(request.user).filter(pk__in=school_ids).only("urn", "name").first()
        if school is not None:
            crumbs.append((school.name, reverse("organisations:school_detail", kwargs={"urn": school.urn})))
    return crumbs


# --- reading ----------------------------------------------------------------------------------


# No capability on the rule: parents hold VIEW_PUPILS for their own children only, at no school, so
# ``can(user, VIEW_PUPILS)`` is false for them. ``visible_pupils`` decides, and answers 404 for
# everyone it does not let in (aggregate-only roles see no named pupil at all).
@access_rule(
    AccessRule(None, object_scoped=True, description="named pupils the gate's visible_pupils lets in")
)
def profile(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """The pupil's record, as much of it as the user may read: enrolments and classes at the
    schools through which they see the pupil and, for a pupil who has left those schools, the
    characteristics recorded up to their last day there (:func:`queries.record_view`)."""
    user = request.user
    day = today()
    pupil = get_or_404(visible_pupils(user), pk=pupil_id)
    view = queries.record_view(user, pupil, day)
    periods = view.periods(pupil.characteristics.select_related("recorded_by").order_by("valid_from"))
    enrolments = view.enrolments
    groups = pupil.teaching_groups.select_related("school", "academic_year").order_by(
        "-academic_year__start_year", "name"
    )
    if view.school_ids is not None:
        groups = groups.filter(school_id__in=view.school_ids)
    groups = list(groups)
    openable = set(visible_classes(user).filter(pk__in=[g.pk for g in groups]).values_list("pk", flat=True))
    as_at = view.until or day
    current = next(
        (p for p in periods if p.valid_from <= as_at and (p.valid_to is None or p.valid_to > as_at)), None
    )
    responsible = schools_responsible_for(pupil, day, enrolments if view.school_ids is None else None)
    open_at = {e.school_id for e in enrolments if e.end_date is None}
    edits_at = editable_school_ids(user, Capability.EDIT_PUPILS, responsible | open_at)
    can_edit = bool(edits_at & responsible)
    can_edit_sen = bool(editable_school_ids(user, Capability.EDIT_SEN, responsible))
    ends_at = edits_at & open_at
    for enrolment in enrolments:
        enrolment.can_end = enrolment.end_date is None and enrolment.school_id in ends_at
    for group in groups:
        group.openable = group.pk in openable
        group.is_current = group.academic_year.starts_on <= day <= group.academic_year.ends_on
    context = {
        "pupil": pupil,
        # a parent's page speaks to the parent; neither they nor a placing school see staff names
        "audience": queries.audience(user, pupil),
        "current": current,
        "current_facts": display.facts(current) if current else [],
        "left_on": view.until,
        "history": display.history(periods),
        "upcoming": [p for p in periods if p.valid_from > day],
        "enrolments": enrolments,
        "current_schools": [e.school for e in enrolments if e.is_current(day)],
        "any_can_end": any(e.can_end for e in enrolments),
        "groups": groups,
        "former_upns": list(pupil.former_upns.order_by("recorded_at")),
        "can_edit": can_edit,
        "can_edit_sen": can_edit_sen,
        "can_enrol": view.until is None and can(user, Capability.EDIT_PUPILS),
        "today": day,
        "age": age_on(pupil.date_of_birth, day),
        "breadcrumbs": [*_breadcrumbs_for(request, pupil, enrolments), (pupil.display_name, "")],
    }
    return render(request, "pupils/profile.html", context)


@access_rule(AccessRule(Capability.SEARCH_PUPILS))
def search(request: HttpRequest) -> HttpResponse:
    """Name or UPN search across every pupil the user may see. Works as a plain form; with htmx
    the results region refreshes as the user types."""
    text = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    day = today()
    results = queries.search(visible_pupils(request.user), text)
    page = Paginator(with_current_details(request.user, results, day), SEARCH_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queries.limit_to_reach(request.user, attach_current(page.object_list), day) if text else []
    context = {
        "q": text,
        "page": page,
        "rows": rows,
        "breadcrumbs": [("Home", reverse("web:home")), ("Find a pupil", "")],
    }
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "pupils/_search_results.html" if partial else "pupils/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- editing ----------------------------------------------------------------------------------


def _edit_crumbs(pupil: Pupil, label: str) -> list[tuple[str, str]]:
    return [
        ("Home", reverse("web:home")),
        (pupil.display_name, reverse("pupils:profile", kwargs={"pupil_id": pupil.pk})),
        (label, ""),
    ]


@access_rule(AccessRule(Capability.EDIT_PUPILS, object_scoped=True))
def edit_details(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil, _ = _pupil_for_edit(request, pupil_id, Capability.EDIT_PUPILS)
    form = PupilDetailsForm(request.POST or None, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("pupils:profile", pupil_id=pupil.pk)
        try:
            services.update_pupil_details(request.user, pupil, **changes)
        except (services.PupilDataError, ValidationError) as error:
            pupil.refresh_from_db()
            _show_error(form, error)
        else:
            messages.success(request, f"{pupil.display_name}'s details were saved.")
            return redirect("pupils:profile", pupil_id=pupil.pk)
    return render(
        request,
        "pupils/edit_details.html",
        {"pupil": pupil, "form": form, "breadcrumbs": _edit_crumbs(pupil, "Change details")},
    )


def _characteristics(request: HttpRequest, pupil: Pupil, held: set[str], sen_only: bool) -> HttpResponse:
    current = queries.characteristics_as_at(pupil, today())
    open_period = queries.current_characteristics(pupil)
    form = CharacteristicsForm(
        request.POST or None,
        current=open_period,
        general=not sen_only and Capability.EDIT_PUPILS in held,
        sen=Capability.EDIT_SEN in held,
        initial=_characteristics_initial(current),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        before = current.values() if current else {}
        if current is not None and all(before.get(k) == v for k, v in changes.items()):
            messages.info(request, "Nothing was changed: the values are the same as the current record.")
            return redirect("pupils:profile", pupil_id=pupil.pk)
        try:
            services.change_characteristics(
                request.user, pupil, changes, effective=form.cleaned_data["effective"]
            )
        except (services.PupilDataError, ValidationError) as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                f"{pupil.display_name}'s record was updated from {form.cleaned_data['effective']:%d/%m/%Y}.",
            )
            return redirect("pupils:profile", pupil_id=pupil.pk)
    title = "Change SEN record" if sen_only else "Change characteristics"
    return render(
        request,
        "pupils/change_characteristics.html",
        {
            "pupil": pupil,
            "form": form,
            "current": current,
            "title": title,
            "breadcrumbs": _edit_crumbs(pupil, title),
        },
    )


def _characteristics_initial(current: CharacteristicsPeriod | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"effective": today()}
    if current is not None:
        initial.update(current.values())
    return initial


@access_rule(
    AccessRule(
        Capability.EDIT_PUPILS,
        object_scoped=True,
        description="SEN fields appear only with EDIT_SEN at the pupil's school",
    )
)
def change_characteristics(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil, held = _pupil_for_edit(request, pupil_id, Capability.EDIT_PUPILS, Capability.EDIT_SEN)
    if Capability.EDIT_PUPILS not in held:
        raise PermissionDenied
    return _characteristics(request, pupil, held, sen_only=False)


@access_rule(AccessRule(Capability.EDIT_SEN, object_scoped=True))
def change_sen(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil, held = _pupil_for_edit(request, pupil_id, Capability.EDIT_SEN)
    return _characteristics(request, pupil, held, sen_only=True)


@access_rule(AccessRule(Capability.EDIT_PUPILS, object_scoped=True))
def end_enrolment(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = get_or_404(
        visible_enrolments(request.user).select_related("pupil", "school"), pk=enrolment_id
    )
    if not can(request.user, Capability.EDIT_PUPILS, enrolment.school_id):
        raise PermissionDenied
    pupil = enrolment.pupil
    if enrolment.end_date is not None:
        messages.info(request, f"{pupil.display_name} already left {enrolment.school.name}.")
        return redirect("pupils:profile", pupil_id=pupil.pk)
    form = EndEnrolmentForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_enrolment(
                request.user, enrolment, form.cleaned_data["end_date"], form.cleaned_data["leaving_reason"]
            )
        except (services.PupilDataError, ValidationError) as error:
            enrolment.refresh_from_db()
            _show_error(form, error)
        else:
            messages.success(request, f"{pupil.display_name} is off roll at {enrolment.school.name}.")
            return redirect("pupils:profile", pupil_id=pupil.pk)
    return render(
        request,
        "pupils/end_enrolment.html",
        {
            "pupil": pupil,
            "enrolment": enrolment,
            "form": form,
            "breadcrumbs": _edit_crumbs(pupil, f"Take off roll at {enrolment.school.name}"),
        },
    )


@access_rule(AccessRule(Capability.EDIT_PUPILS, object_scoped=True))
def add_enrolment(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Put a visible pupil on the roll of a school where the user may edit pupils. Not a pupil
    who has left the user's schools: enrolling them would open what other schools recorded since
    (a transfer is for the trust data team)."""
    # as staff (gate.as_staff): a head may not put their own child on their school's roll
    pupil = get_or_404(visible_pupils(as_staff(request.user)), pk=pupil_id)
    if queries.left_on(request.user, [pupil.pk]):
        raise PermissionDenied
    schools = schools_with(request.user, Capability.EDIT_PUPILS).order_by("name")
    form = AddEnrolmentForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enrol(
                request.user,
                pupil,
                data["school"],
                data["start_date"],
                registration=data["registration"],
                placing_school=data["placing_school_urn"],
            )
        except (services.PupilDataError, ValidationError) as error:
            _show_error(form, error)
        else:
            messages.success(request, f"{pupil.display_name} is on roll at {data['school'].name}.")
            return redirect("pupils:profile", pupil_id=pupil.pk)
    return render(
        request,
        "pupils/add_enrolment.html",
        {"pupil": pupil, "form": form, "breadcrumbs": _edit_crumbs(pupil, "Add an enrolment")},
    )
