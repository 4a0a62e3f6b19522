"""Schools management: schools, their officers, academic years and term dates, and the year-end
rollover. Trust admins (``MANAGE_SCHOOLS``) manage schools; heads may roll over their own school
(``ROLLOVER``). Every object is looked up through the gate; every write is a service call."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Actor, SignedInRequest
from strides.access.gate import can, get_or_404, schools_with, scope_for
from strides.access.rules import AccessRule, access_rule
from strides.accounts.models import User
from strides.accounts.roles import Capability, Role
from strides.classes import services as class_services
from strides.forms import add_service_error
from strides.organisations import services
from strides.organisations.forms import (
    AcademicYearForm,
    OfficerForm,
    RolloverForm,
    SchoolForm,
    TermDatesForm,
)
from strides.organisations.models import (
    AcademicYear,
    OfficerKind,
    Region,
    School,
    SchoolOfficer,
    TermDates,
    Trust,
)
from strides.organisations.queries import academic_year_on, term_dates_for
from strides.pupils.roll import on_roll_totals

MANAGE = AccessRule(Capability.MANAGE_SCHOOLS, description="trust admins")
MANAGE_ONE = AccessRule(Capability.MANAGE_SCHOOLS, object_scoped=True, description="trust admins")
ROLLOVER_ANY = AccessRule(Capability.ROLLOVER, description="trust admins and heads")
ROLLOVER_ONE = AccessRule(Capability.ROLLOVER, object_scoped=True, description="trust admins and own head")

OFFICER_ROLE = {OfficerKind.EAP: Role.EAP, OfficerKind.REGIONAL_DIRECTOR: Role.REGIONAL_DIRECTOR}


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Home", reverse("web:home")), *items]


def _schools_crumb() -> tuple[str, str]:
    return ("Schools", reverse("organisations_manage:list"))


def managed_trusts(user: Actor) -> QuerySet[Trust]:
    """The trusts whose schools and calendar the user manages (trust-wide MANAGE_SCHOOLS)."""
    scope = scope_for(user)
    if None not in scope.capabilities.get(str(Capability.MANAGE_SCHOOLS), frozenset()):
        return Trust.objects.none()
    return Trust.objects.filter(pk__in=scope.trust_ids).order_by("name")


def _managed_school(request: SignedInRequest, urn: str) -> School:
    return get_or_404(
        schools_with(request.user, Capability.MANAGE_SCHOOLS).select_related("region", "trust"), urn=urn
    )


def _officer_candidates(school: School):
    return (
        User.objects.filter(
            is_active=True,
            memberships__trust_id=school.trust_id,
            memberships__role__in=list(OFFICER_ROLE.values()),
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# --- schools --------------------------------------------------------------------------------


@access_rule(MANAGE)
def school_list(request: SignedInRequest) -> HttpResponse:
    schools = list(
        schools_with(request.user, Capability.MANAGE_SCHOOLS)
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "officer_assignments",
                queryset=SchoolOfficer.objects.select_related("user").order_by("kind", "user__last_name"),
            )
        )
        .order_by("name")
    )
    # the same count as the school cards of the trust overview
    totals = on_roll_totals([school.pk for school in schools], dt.date.today())
    for school in schools:
        school.pupils_on_roll = totals.get(school.pk, 0)
    return render(
        request,
        "organisations/manage/school_list.html",
        {"schools": schools, "breadcrumbs": _crumbs(("Schools", ""))},
    )


@access_rule(MANAGE)
def school_create(request: SignedInRequest) -> HttpResponse:
    trusts = list(managed_trusts(request.user))
    if not trusts:
        # A new school belongs to a trust, so only a trust-wide holder of MANAGE_SCHOOLS adds one.
        raise PermissionDenied
    trust = trusts[0]
    form = SchoolForm(request.POST or None, regions=Region.objects.filter(trust=trust))
    if request.method == "POST" and form.is_valid():
        try:
            school = services.create_school(request.user, trust, **form.cleaned_data)
        except (ValidationError, ValueError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{school.name} (URN {school.urn}) is added to the trust.")
            return redirect("organisations_manage:detail", urn=school.urn)
    return render(
        request,
        "organisations/manage/school_form.html",
        {"form": form, "school": None, "breadcrumbs": _crumbs(_schools_crumb(), ("Add a school", ""))},
    )


@access_rule(MANAGE_ONE)
def school_detail(request: SignedInRequest, urn: str) -> HttpResponse:
    return _detail_page(request, _managed_school(request, urn))


def _detail_page(
    request: SignedInRequest, school: School, officer_form: OfficerForm | None = None
) -> HttpResponse:
    year = academic_year_on(school.trust_id)
    officers = (
        SchoolOfficer.objects.filter(school=school).select_related("user").order_by("kind", "user__last_name")
    )
    context = {
        "school": school,
        "officers": officers,
        "officer_form": officer_form or OfficerForm(officers=_officer_candidates(school)),
        "year": year,
        "terms": term_dates_for(school, year) if year else [],
        "breadcrumbs": _crumbs(_schools_crumb(), (school.name, "")),
    }
    return render(request, "organisations/manage/school_detail.html", context)


@access_rule(MANAGE_ONE)
def school_edit(request: SignedInRequest, urn: str) -> HttpResponse:
    school = _managed_school(request, urn)
    initial = {name: getattr(school, name) for name in services.SCHOOL_FIELDS}
    form = SchoolForm(
        request.POST or None, initial=initial, regions=Region.objects.filter(trust_id=school.trust_id)
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if initial.get(name) != value}
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("organisations_manage:detail", urn=school.urn)
        try:
            # A fresh copy: the service snapshots "before" from the object it is given.
            school = services.update_school(request.user, School.objects.get(pk=school.pk), **changes)
        except (ValidationError, ValueError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{school.name} is saved.")
            return redirect("organisations_manage:detail", urn=school.urn)
    return render(
        request,
        "organisations/manage/school_form.html",
        {
            "form": form,
            "school": school,
            "breadcrumbs": _crumbs(
                _schools_crumb(),
                (school.name, reverse("organisations_manage:detail", kwargs={"urn": school.urn})),
                ("Edit", ""),
            ),
        },
    )


@require_POST
@access_rule(MANAGE_ONE)
def officer_assign(request: SignedInRequest, urn: str) -> HttpResponse:
    school = _managed_school(request, urn)
    form = OfficerForm(request.POST, officers=_officer_candidates(school))
    if form.is_valid():
        user, kind = form.cleaned_data["user"], form.cleaned_data["kind"]
        role = OFFICER_ROLE[kind]
        if not user.memberships.filter(role=role, trust_id=school.trust_id).exists():
            form.add_error(
                "user", f"{user} does not hold the {Role(role).label} role. Grant it on the Users page first."
            )
        else:
            services.assign_officer(request.user, school, user, kind)
            messages.success(request, f"{user} is now {OfficerKind(kind).label.lower()} for {school.name}.")
            return redirect("organisations_manage:detail", urn=school.urn)
    return _detail_page(request, school, officer_form=form)


@require_POST
@access_rule(MANAGE_ONE)
def officer_unassign(request: SignedInRequest, urn: str, officer_id: int) -> HttpResponse:
    school = _managed_school(request, urn)
    link = get_or_404(SchoolOfficer.objects.filter(school=school).select_related("user"), pk=officer_id)
    services.unassign_officer(request.user, link)
    messages.success(
        request, f"{link.user} is no longer {link.get_kind_display().lower()} for {school.name}."
    )
    return redirect("organisations_manage:detail", urn=school.urn)


# --- academic years and term dates ----------------------------------------------------------


def _managed_years(user: Actor) -> QuerySet[AcademicYear]:
    return AcademicYear.objects.filter(trust__in=managed_trusts(user)).select_related("trust")


@access_rule(MANAGE)
def year_list(request: SignedInRequest) -> HttpResponse:
    trusts = list(managed_trusts(request.user))
    form = AcademicYearForm(request.POST or None)
    if request.method == "POST" and trusts and form.is_valid():
        start_year = form.cleaned_data["start_year"]
        existing = _managed_years(request.user).filter(trust=trusts[0], start_year=start_year).first()
        if existing:
            form.add_error("start_year", f"{existing.label} already exists.")
        else:
            year = services.ensure_academic_year(request.user, trusts[0], start_year)
            messages.success(
                request, f"{year.label} is added with the usual half-term dates. Check them below."
            )
            return redirect("organisations_manage:year_terms", year_id=year.pk)
    years = _managed_years(request.user).order_by("-start_year")
    current = academic_year_on(trusts[0]) if trusts else None
    return render(
        request,
        "organisations/manage/year_list.html",
        {
            "years": years,
            "current": current,
            "form": form,
            "breadcrumbs": _crumbs(_schools_crumb(), ("Academic years", "")),
        },
    )


def _term_form_page(
    request: SignedInRequest, year: AcademicYear, school: School | None, done_url: str, crumbs: list
) -> HttpResponse:
    defaults = {t.half_term: t for t in TermDates.objects.filter(academic_year=year, school__isnull=True)}
    overrides = (
        {t.half_term: t for t in TermDates.objects.filter(academic_year=year, school=school)}
        if school
        else {}
    )
    effective = {**defaults, **overrides}
    current = {half: (t.starts_on, t.ends_on) for half, t in effective.items()}
    form = TermDatesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_half_terms(current)
        try:
            services.set_term_dates_many(request.user, year, changes, school=school)
        except services.TermDatesError as error:
            form.add_problems(error.problems)
        else:
            if changes:
                messages.success(
                    request, f"{len(changes)} half-term{'s' if len(changes) != 1 else ''} saved."
                )
            else:
                messages.info(request, "Nothing was changed.")
            return redirect(done_url)
    rows = [
        {
            "half": half,
            "label": label,
            "start": start,
            "end": end,
            "default": defaults.get(half),
            "override": overrides.get(half),
        }
        for half, label, start, end in form.half_terms()
    ]
    return render(
        request,
        "organisations/manage/term_dates.html",
        {"form": form, "rows": rows, "year": year, "school": school, "breadcrumbs": crumbs},
    )


@access_rule(MANAGE_ONE)
def year_terms(request: SignedInRequest, year_id: int) -> HttpResponse:
    """The trust's default half-term dates for one academic year."""
    year = get_or_404(_managed_years(request.user), pk=year_id)
    url = reverse("organisations_manage:year_terms", kwargs={"year_id": year.pk})
    crumbs = _crumbs(
        _schools_crumb(),
        ("Academic years", reverse("organisations_manage:years")),
        (f"{year.label} term dates", ""),
    )
    return _term_form_page(request, year, None, url, crumbs)


@access_rule(MANAGE_ONE)
def school_terms(request: SignedInRequest, urn: str, year_id: int) -> HttpResponse:
    """One school's own half-term dates (where its local authority's differ from the trust's)."""
    school = _managed_school(request, urn)
    year = get_or_404(AcademicYear.objects.filter(trust_id=school.trust_id), pk=year_id)
    url = reverse("organisations_manage:detail", kwargs={"urn": school.urn})
    crumbs = _crumbs(_schools_crumb(), (school.name, url), (f"{year.label} term dates", ""))
    return _term_form_page(request, year, school, url, crumbs)


# --- year-end rollover ----------------------------------------------------------------------


def _rollover_years(school: School, today: dt.date):
    """Years that have started: the current one, or an earlier one not yet rolled over."""
    return AcademicYear.objects.filter(trust_id=school.trust_id, starts_on__lte=today).order_by("-start_year")


@access_rule(ROLLOVER_ANY)
def rollover_index(request: SignedInRequest) -> HttpResponse:
    schools = schools_with(request.user, Capability.ROLLOVER).order_by("name")
    if len(schools) == 1:
        return redirect("organisations_manage:rollover", urn=schools[0].urn)
    return render(
        request,
        "organisations/manage/rollover_index.html",
        {"schools": schools, "breadcrumbs": _crumbs(("Year-end rollover", ""))},
    )


@access_rule(ROLLOVER_ONE)
def rollover(request: SignedInRequest, urn: str) -> HttpResponse:
    """A confirmation page that shows what the rollover will do, then runs it."""
    school = get_or_404(schools_with(request.user, Capability.ROLLOVER), urn=urn)
    today = dt.date.today()
    years = _rollover_years(school, today)
    manages_schools = can(request.user, Capability.MANAGE_SCHOOLS, school)
    if request.method == "POST":
        form = RolloverForm(request.POST, years=years, today=today)
        if form.is_valid():
            from_year = form.cleaned_data["from_year"]
            try:
                result = class_services.rollover(request.user, school, from_year)
            except (ValidationError, ValueError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"{school.name} is rolled over from {from_year.label}: {result.pupils_moved_on} pupils "
                    f"moved up a year, {result.leavers_closed} leavers taken off roll and "
                    f"{result.classes_created} classes made for next year.",
                )
                if manages_schools:
                    return redirect("organisations_manage:detail", urn=school.urn)
                return redirect("organisations_manage:rollover", urn=school.urn)
        from_year = form.cleaned_data.get("from_year")
    else:
        chosen = request.GET.get("year", "")
        from_year = (years.filter(pk=chosen).first() if chosen.isdigit() else None) or years.first()
        form = RolloverForm(
            initial={"from_year": from_year.pk if from_year else None}, years=years, today=today
        )
    from_year = from_year or years.first()
    if manages_schools:
        detail = reverse("organisations_manage:detail", kwargs={"urn": urn})
        crumbs = _crumbs(_schools_crumb(), (school.name, detail), ("Year-end rollover", ""))
    else:
        crumbs = _crumbs(
            ("Year-end rollover", reverse("organisations_manage:rollover_index")), (school.name, "")
        )
    return render(
        request,
        "organisations/manage/rollover.html",
        {
            "school": school,
            "form": form,
            "years": years,
            "from_year": from_year,
            "preview": class_services.rollover_preview(school, from_year, today) if from_year else None,
            "breadcrumbs": crumbs,
        },
    )
