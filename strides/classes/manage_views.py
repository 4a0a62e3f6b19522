"""Classes management: make and edit a school's classes for a year, choose their pupils and
staff. Needs ``MANAGE_CLASSES`` at the class's school (trust admins, heads, senior leaders).
Lookups go through the gate; writes through ``strides.classes.services``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Viewer
from strides.access.gate import get_or_404, schools_with, visible_classes, visible_pupils
from strides.access.readers import visible_characteristics
from strides.access.rules import AccessRule, access_rule
from strides.accounts.models import User
from strides.accounts.roles import CLASS_STAFF_ROLES, Capability
from strides.classes import services
from strides.classes.forms import ClassPupilsForm, GroupForm, PupilFilterForm, StaffForm
from strides.classes.models import GroupStaff, TeachingGroup
from strides.forms import add_service_error
from strides.organisations.models import AcademicYear, School
from strides.organisations.queries import academic_year_on
from strides.pupils.census_codes import NC_YEAR_LABELS
from strides.pupils.queries import pupils_on_roll
from strides.pupils.roll import period_as_at

MANAGE_ANY = AccessRule(Capability.MANAGE_CLASSES, description="trust admins, heads, senior leaders")
MANAGE_ONE = AccessRule(Capability.MANAGE_CLASSES, object_scoped=True, description="at the class's school")


def _school(request: HttpRequest, urn: str) -> School:
    return get_or_404(schools_with(request.user, Capability.MANAGE_CLASSES), urn=urn)


def _group(request: HttpRequest, group_id: int) -> TeachingGroup:
    groups = visible_classes(request.user).filter(
        school__in=schools_with(request.user, Capability.MANAGE_CLASSES)
    )
    return get_or_404(groups.select_related("school", "academic_year"), pk=group_id)


def _crumbs(school: School, *items: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("Home", reverse("web:home")),
        ("Classes", reverse("classes_manage:index")),
        (school.name, reverse("classes_manage:school", kwargs={"urn": school.urn})),
        *items,
    ]


def _group_crumbs(group: TeachingGroup, label: str) -> list[tuple[str, str]]:
    school_url = reverse("classes_manage:school", kwargs={"urn": group.school.urn})
    return _crumbs(
        group.school,
        (f"{group.name} ({group.academic_year.label})", f"{school_url}?year={group.academic_year_id}"),
        (label, ""),
    )


def _show_service_error(form: forms.Form, error: Exception) -> None:
    """A service's refusal on the form: beside the field it names (a taken class name beside the
    name box), otherwise at the top."""
    field = getattr(error, "field", "")
    if field in form.fields:
        form.add_error(field, str(error))
    else:
        add_service_error(form, error)


def _day_in(year: AcademicYear) -> dt.date:
    """The day whose roll a class of ``year`` is chosen from: today, kept within the year."""
    return min(max(dt.date.today(), year.starts_on), year.ends_on)


@access_rule(MANAGE_ANY)
def class_index(request: HttpRequest) -> HttpResponse:
    schools = list(schools_with(request.user, Capability.MANAGE_CLASSES).order_by("name"))
    if len(schools) == 1:
        return redirect("classes_manage:school", urn=schools[0].urn)
    return render(
        request,
        "classes/manage/index.html",
        {"schools": schools, "breadcrumbs": [("Home", reverse("web:home")), ("Classes", "")]},
    )


@access_rule(MANAGE_ONE)
def school_classes(request: HttpRequest, urn: str) -> HttpResponse:
    school = _school(request, urn)
    years = AcademicYear.objects.filter(trust_id=school.trust_id).order_by("-start_year")
    chosen = request.GET.get("year", "")
    year = (years.filter(pk=chosen).first() if chosen.isdigit() else None) or academic_year_on(
        school.trust_id
    )
    year = year or years.first()
    groups = (
        visible_classes(request.user)
        .filter(school=school, academic_year=year)
        .annotate(pupil_count=Count("memberships", distinct=True))
        .prefetch_related(
            Prefetch(
                "staff_links",
                queryset=GroupStaff.objects.select_related("user").order_by("role", "user__last_name"),
            )
        )
        .order_by("nc_year", "name")
        if year
        else TeachingGroup.objects.none()
    )
    return render(
        request,
        "classes/manage/school_classes.html",
        {
            "school": school,
            "years": years,
            "year": year,
            "groups": groups,
            "breadcrumbs": [*_crumbs(school)[:-1], (school.name, "")],
        },
    )


@access_rule(MANAGE_ONE)
def class_create(request: HttpRequest, urn: str) -> HttpResponse:
    school = _school(request, urn)
    years = AcademicYear.objects.filter(trust_id=school.trust_id, ends_on__gte=dt.date.today()).order_by(
        "start_year"
    )
    current = academic_year_on(school.trust_id)
    form = GroupForm(
        request.POST or None, years=years, initial={"academic_year": current.pk if current else None}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.create_group(
                request.user,
                school,
                data["academic_year"],
                data["name"],
                nc_year=data["nc_year"],
                subject=data["subject"],
            )
        except (ValidationError, ValueError) as error:
            _show_service_error(form, error)
        else:
            messages.success(
                request, f"Class {group.name} is made for {group.academic_year.label}. Now choose its pupils."
            )
            return redirect("classes_manage:pupils", group_id=group.pk)
    return render(
        request,
        "classes/manage/class_form.html",
        {"form": form, "school": school, "group": None, "breadcrumbs": _crumbs(school, ("New class", ""))},
    )


@access_rule(MANAGE_ONE)
def class_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id)
    initial = {"name": group.name, "nc_year": group.nc_year, "subject": group.subject}
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if initial[k] != v}
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect(_school_url(group))
        try:
            # A fresh copy: the service snapshots "before" from the object it is given.
            services.update_group(request.user, visible_classes(request.user).get(pk=group.pk), **changes)
        except (ValidationError, ValueError) as error:
            _show_service_error(form, error)
        else:
            messages.success(request, f"Class {form.cleaned_data['name']} is saved.")
            return redirect(_school_url(group))
    return render(
        request,
        "classes/manage/class_form.html",
        {"form": form, "school": group.school, "group": group, "breadcrumbs": _group_crumbs(group, "Edit")},
    )


def _school_url(group: TeachingGroup) -> str:
    return (
        reverse("classes_manage:school", kwargs={"urn": group.school.urn}) + f"?year={group.academic_year_id}"
    )


def _in_nc_year(user: Viewer, nc_year: int, day: dt.date) -> Exists:
    return Exists(
        visible_characteristics(user)
        .filter(pupil=OuterRef("pk"), nc_year=nc_year, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    )


@access_rule(MANAGE_ONE)
def class_pupils(request: HttpRequest, group_id: int) -> HttpResponse:
    """The class list: a checkbox for each pupil on the school's roll, filterable by NC year."""
    group = _group(request, group_id)
    day = _day_in(group.academic_year)
    candidates = pupils_on_roll(visible_pupils(request.user), group.school_id, day)
    current_ids = set(group.memberships.values_list("pupil_id", flat=True))
    source = request.POST if request.method == "POST" else request.GET
    if "nc_year" in source:
        filter_form = PupilFilterForm(source)
        nc_year = filter_form.cleaned_data["nc_year"] if filter_form.is_valid() else None
    else:  # first visit: the class's own year group
        nc_year = group.nc_year
        filter_form = PupilFilterForm(initial={"nc_year": nc_year})
    shown = candidates.filter(_in_nc_year(request.user, nc_year, day)) if nc_year is not None else candidates
    form = ClassPupilsForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        wanted = form.new_members(current_ids)
        try:
            # members the page did not show (nor may name) stay: ids, not rows read past the gate
            services.set_pupils(request.user, group, wanted)
        except (ValidationError, ValueError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"{group.name} has {len(wanted)} pupil{'s' if len(wanted) != 1 else ''}."
            )
            return redirect(_school_url(group))
    pupils = list(shown.order_by("legal_surname", "legal_forename", "pk"))
    shown_pupils = [p.pk for p in pupils]
    periods = visible_characteristics(request.user).filter(period_as_at(day), pupil__in=shown_pupils)
    years = {period.pupil_id: period for period in periods}
    ticked = (
        {int(pk) for pk in request.POST.getlist("pupils") if pk.isdigit()}
        if request.method == "POST"
        else current_ids
    )
    rows = [(pupil, years.get(pupil.pk), pupil.pk in ticked) for pupil in pupils]
    shown_ids = {p.pk for p in pupils}
    not_shown = current_ids - shown_ids
    # Named only through the gate: a member who left before the leaver window stays in the class
    # (counted in members_not_shown) but is no longer the school's to name, as on the class page.
    off_roll = (
        visible_pupils(request.user)
        .filter(pk__in=current_ids)
        .exclude(pk__in=candidates.values("pk"))
        .order_by("legal_surname")
    )
    return render(
        request,
        "classes/manage/class_pupils.html",
        {
            "group": group,
            "form": form,
            "filter_form": filter_form,
            "nc_year": nc_year,
            "nc_year_label": NC_YEAR_LABELS.get(nc_year) if nc_year is not None else "",
            "rows": rows,
            "day": day,
            "members_not_shown": len(not_shown),
            "off_roll": list(off_roll),
            "breadcrumbs": _group_crumbs(group, "Pupils"),
        },
    )


def _staff_candidates(group: TeachingGroup):
    """The school's staff who may teach or support a class: not its governors or contacts."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__school_id=group.school_id,
            memberships__role__in=CLASS_STAFF_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@access_rule(MANAGE_ONE)
def class_staff(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id)
    form = StaffForm(request.POST or None, staff=_staff_candidates(group))
    if request.method == "POST" and form.is_valid():
        user, role = form.cleaned_data["user"], form.cleaned_data["role"]
        services.assign_staff(request.user, group, user, role)
        messages.success(
            request, f"{user} is now {dict(form.fields['role'].choices)[role].lower()} of {group.name}."
        )
        return redirect("classes_manage:staff", group_id=group.pk)
    links = GroupStaff.objects.filter(group=group).select_related("user").order_by("role", "user__last_name")
    return render(
        request,
        "classes/manage/class_staff.html",
        {"group": group, "form": form, "links": links, "breadcrumbs": _group_crumbs(group, "Staff")},
    )


@require_POST
@access_rule(MANAGE_ONE)
def staff_remove(request: HttpRequest, group_id: int, staff_id: int) -> HttpResponse:
    group = _group(request, group_id)
    link = get_or_404(GroupStaff.objects.filter(group=group).select_related("user", "group"), pk=staff_id)
    services.remove_staff(request.user, link)
    messages.success(request, f"{link.user} is no longer {link.get_role_display().lower()} of {group.name}.")
    return redirect("classes_manage:staff", group_id=group.pk)
