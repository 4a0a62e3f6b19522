"""The assessment calendar and the drop boards.

- Trust analysts (``MANAGE_DROPS``) list and create drops, make a year's default three, lock and
  reopen a school's part, and make the baseline drop of a school new to the trust.
- The trust board (``VIEW_AGGREGATES``) shows each visible school's progress: counts only. The
  chase list (heads' names and addresses) is for ``MANAGE_DROPS`` alone.
- A school's board shows its classes' progress (a teacher: their own classes); the head
  (``SUBMIT_DROP``) submits from it, after a confirmation that counts what is missing.
- Overdue baselines (``RECORD_ASSESSMENT``): the named pupils the user may see.

Schools come from the gate; writes go through ``services`` and ``calendar``; a refusal becomes a
message, never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Viewer
from strides.access.gate import (
    as_staff,
    can,
    get_or_404,
    schools_with,
    scope_for,
    visible_classes,
    visible_pupils,
    visible_schools,
)
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment import calendar
from strides.assessment import drop_boards as boards
from strides.assessment.forms import CORE_SUBJECTS, DefaultDropsForm, DropForm, ReopenForm, YearFilterForm
from strides.assessment.models import DataDrop, DropKind, DropSchool, DropStatus
from strides.assessment.queries import overdue_baselines
from strides.assessment.services import TRANSITIONS, AssessmentError, create_drop, transition
from strides.forms import add_service_error
from strides.frameworks.models import Subject
from strides.organisations.models import AcademicYear, School, Trust
from strides.organisations.queries import academic_year_on
from strides.pupils.census_codes import NC_YEAR_LABELS

SEE_DROPS = AccessRule(Capability.VIEW_AGGREGATES, description="staff, officers, governors, directors")
SEE_DROP = AccessRule(
    Capability.VIEW_AGGREGATES, object_scoped=True, description="a drop that includes a school the user sees"
)
MANAGE_ANY = AccessRule(Capability.MANAGE_DROPS, description="the trust's assessment team")
MANAGE_ONE = AccessRule(Capability.MANAGE_DROPS, object_scoped=True, description="at the school")
SUBMIT_ONE = AccessRule(Capability.SUBMIT_DROP, object_scoped=True, description="the school's head")
RECORDERS = AccessRule(Capability.RECORD_ASSESSMENT, description="those who record judgements")

BASELINE_PAGE_SIZE = 100


# --- lookups through the gate -----------------------------------------------------------------


def _drops(request: HttpRequest):
    """Drops that include at least one school the user sees."""
    return DataDrop.objects.filter(
        pk__in=DropSchool.objects.filter(school__in=visible_schools(request.user)).values("drop_id")
    )


def _drop(request: HttpRequest, drop_slug: str) -> DataDrop:
    return get_or_404(_drops(request).select_related("academic_year"), slug=drop_slug)


def _part(drop: DataDrop, schools, urn: str) -> DropSchool:
    """The school's part of the drop, the school taken from ``schools`` (already scoped)."""
    return get_or_404(
        DropSchool.objects.filter(drop=drop, school__in=schools).select_related(
            "school", "drop", "changed_by"
        ),
        school__urn=urn,
    )


def _manage_trust(request: HttpRequest) -> Trust | None:
    return Trust.objects.filter(
        pk__in=schools_with(request.user, Capability.MANAGE_DROPS).values("trust_id")
    ).first()


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Home", reverse("web:home")), ("Data drops", reverse("assessment:drop_list")), *items]


def _drop_crumb(drop: DataDrop) -> tuple[str, str]:
    return (drop.name, reverse("assessment:drop_detail", kwargs={"drop_slug": drop.slug}))


def _nc_years_label(drop: DataDrop) -> str:
    if not drop.nc_years:
        return "All year groups"
    return ", ".join(NC_YEAR_LABELS.get(year, str(year)) for year in drop.nc_years)


def _can_move(part: DropSchool, to: str) -> bool:
    return part.status in TRANSITIONS[to][0]


# --- the calendar -----------------------------------------------------------------------------


@access_rule(SEE_DROPS)
def drop_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    years = AcademicYear.objects.filter(trust_id__in=scope.trust_ids).order_by("-start_year")
    filter_form = YearFilterForm(request.GET or None, years=years)
    year = None
    if filter_form.is_bound and filter_form.is_valid():
        year = filter_form.cleaned_data["year"]
    elif not filter_form.is_bound:
        # the current year to begin with; a year with no drops yet shows the way to make them
        year = academic_year_on(min(scope.trust_ids)) if scope.trust_ids else None
        filter_form = YearFilterForm(initial={"year": year}, years=years)
    seen = visible_schools(request.user)
    drops = _drops(request).select_related("academic_year").order_by("-academic_year__start_year", "deadline")
    if year is not None:
        drops = drops.filter(academic_year=year)
    drops = list(drops.prefetch_related("subjects"))
    statuses: dict[int, Counter] = defaultdict(Counter)
    for drop_id, status, n in (
        DropSchool.objects.filter(drop__in=drops, school__in=seen)
        .values("drop_id", "status")
        .annotate(n=Count("id"))
        .values_list("drop_id", "status", "n")
    ):
        statuses[drop_id][status] = n
    today = dt.date.today()
    rows = [
        {
            "drop": drop,
            "schools": sum(statuses[drop.pk].values()),
            "done": statuses[drop.pk][DropStatus.SUBMITTED] + statuses[drop.pk][DropStatus.LOCKED],
            "open": drop.opens_on <= today <= drop.deadline,
            "past_deadline": today > drop.deadline,
            "subjects": ", ".join(s.name for s in drop.subjects.all()),
        }
        for drop in drops
    ]
    own_schools = list(seen.order_by("name")[:2])
    manages = can(request.user, Capability.MANAGE_DROPS)
    defaults_form = None
    if manages:
        trust = _manage_trust(request)
        defaults_form = DefaultDropsForm(
            years=years.filter(trust=trust),
            initial={"academic_year": year or (academic_year_on(trust) if trust else None)},
        )
    return render(
        request,
        "assessment/drops/drop_list.html",
        {
            "rows": rows,
            "year": year,
            "filter_form": filter_form,
            "manages": manages,
            "defaults_form": defaults_form,
            # a user of one school goes straight to that school's board
            "own_school": own_schools[0] if len(own_schools) == 1 else None,
            "records": can(request.user, Capability.RECORD_ASSESSMENT),
            "breadcrumbs": [("Home", reverse("web:home")), ("Data drops", "")],
        },
    )


@access_rule(MANAGE_ANY)
def drop_create(request: HttpRequest) -> HttpResponse:
    trust = _manage_trust(request)
    years = AcademicYear.objects.filter(trust=trust).order_by("-start_year")
    schools = schools_with(request.user, Capability.MANAGE_DROPS).filter(trust=trust).order_by("name")
    current = academic_year_on(trust) if trust else None
    form = DropForm(
        request.POST or None, years=years, schools=schools, trust=trust, initial={"academic_year": current}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drop = create_drop(
                request.user,
                trust,
                data["academic_year"],
                name=data["name"],
                term=data["term"],
                opens_on=data["opens_on"],
                deadline=data["deadline"],
                assessed_on=data["assessed_on"],
                subjects=data["subjects"],
                schools=data["schools"],
                nc_years=data["nc_years"],
            )
        except (AssessmentError, PermissionError) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"{drop.name} is on the calendar for {drop.school_parts.count()} schools."
            )
            return redirect("assessment:drop_detail", drop_slug=drop.slug)
    return render(
        request,
        "assessment/drops/drop_form.html",
        {"form": form, "breadcrumbs": _crumbs(("New drop", ""))},
    )


@access_rule(MANAGE_ANY)
@require_POST
def drop_create_defaults(request: HttpRequest) -> HttpResponse:
    trust = _manage_trust(request)
    form = DefaultDropsForm(request.POST, years=AcademicYear.objects.filter(trust=trust))
    if not form.is_valid():
        for item in form.error_summary():
            messages.error(request, item.message)
        return redirect("assessment:drop_list")
    year = form.cleaned_data["academic_year"]
    try:
        made = calendar.create_default_drops(request.user, trust, year)
    except (AssessmentError, PermissionError) as error:
        messages.error(request, str(error))
    else:
        names = ", ".join(drop.name for drop in made.created)
        note = f"Made {names}."
        if made.skipped:
            note += f" {year.label} already had a drop for {', '.join(made.skipped).lower()}: left as it was."
        if made.typical_dates:
            note += (
                f" The trust has no term dates for {', '.join(made.typical_dates)}: typical dates were used."
            )
        messages.success(request, note)
    return redirect(f"{reverse('assessment:drop_list')}?year={year.pk}")


# --- the trust board --------------------------------------------------------------------------


@access_rule(SEE_DROP)
def drop_detail(request: HttpRequest, drop_slug: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    school_ids = list(visible_schools(request.user).values_list("pk", flat=True))
    rows = boards.trust_board(request.user, drop, school_ids)
    manages = can(request.user, Capability.MANAGE_DROPS)
    chase = ""
    if manages:
        owing = [row for row in rows if row.chase]
        chase = boards.chase_text(drop, owing, boards.heads_of(row.part.school_id for row in owing))
    return render(
        request,
        "assessment/drops/drop_detail.html",
        {
            "drop": drop,
            "rows": rows,
            "total": boards.totals(rows),
            "overdue": sum(1 for row in rows if row.overdue),
            "manages": manages,
            "chase": chase,
            "lockable": {row.part.pk for row in rows if _can_move(row.part, DropStatus.LOCKED)},
            "reopenable": {row.part.pk for row in rows if _can_move(row.part, DropStatus.REOPENED)},
            "subjects": ", ".join(s.name for s in drop.subjects.all()),
            "nc_years": _nc_years_label(drop),
            "breadcrumbs": _crumbs((drop.name, "")),
        },
    )


# --- a school's board -------------------------------------------------------------------------


def _fills_from_steps(user: Viewer, part: DropSchool) -> bool:
    return part.teachers_may_edit and can(as_staff(user), Capability.IMPORT_ASSESSMENT, part.school)


@access_rule(SEE_DROP)
def school_board(request: HttpRequest, drop_slug: str, urn: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    part = _part(drop, visible_schools(request.user), urn)
    whole = boards.sees_whole_school(request.user, part.school_id)
    board = boards.school_board(
        request.user, drop, part.school_id, visible_classes(request.user, drop.assessed_on), whole
    )
    today = dt.date.today()
    may_submit = can(request.user, Capability.SUBMIT_DROP, part.school)
    manages = can(request.user, Capability.MANAGE_DROPS, part.school)
    return render(
        request,
        "assessment/drops/school_board.html",
        {
            "drop": drop,
            "part": part,
            "board": board,
            "whole_school": whole,
            "overdue": boards.is_overdue(drop, part.status, today),
            "may_submit": may_submit and _can_move(part, DropStatus.SUBMITTED),
            "may_lock": manages and _can_move(part, DropStatus.LOCKED),
            "may_reopen": manages and _can_move(part, DropStatus.REOPENED),
            "editable": part.teachers_may_edit,
            # class names lead to the class grid for those who record there (read only once closed)
            "grid": can(request.user, Capability.RECORD_ASSESSMENT, part.school),
            # pupils on small steps take their judgements from their records (docs/small-steps.md)
            "from_steps": _fills_from_steps(request.user, part),
            "subjects": ", ".join(s.name for s in drop.subjects.all()),
            "nc_years": _nc_years_label(drop),
            "breadcrumbs": _crumbs(_drop_crumb(drop), (part.school.name, "")),
        },
    )


# --- transitions ------------------------------------------------------------------------------


def _board_url(part: DropSchool) -> str:
    return reverse("assessment:school_board", kwargs={"drop_slug": part.drop.slug, "urn": part.school.urn})


def _back(request: HttpRequest, part: DropSchool) -> str:
    if request.POST.get("back") == "school":
        return _board_url(part)
    return reverse("assessment:drop_detail", kwargs={"drop_slug": part.drop.slug})


def _move(request: HttpRequest, part: DropSchool, to: str, reason: str = "") -> bool:
    """Make the transition; a refusal becomes a message. True when it was made."""
    try:
        transition(request.user, part, to, reason=reason)
    except (AssessmentError, PermissionError) as error:
        messages.error(request, str(error))
        return False
    return True


@access_rule(SUBMIT_ONE)
def drop_submit(request: HttpRequest, drop_slug: str, urn: str) -> HttpResponse:
    """A confirmation page that counts what is missing, then the submission itself."""
    drop = _drop(request, drop_slug)
    part = _part(drop, schools_with(request.user, Capability.SUBMIT_DROP), urn)
    if request.method == "POST":
        if _move(request, part, DropStatus.SUBMITTED):
            messages.success(
                request,
                f"{part.school.name}'s {drop.name} drop is submitted. Teachers can no longer change its "
                "judgements; the trust can reopen it if something needs correcting.",
            )
        return redirect(_board_url(part))
    board = boards.school_board(
        request.user, drop, part.school_id, visible_classes(request.user, drop.assessed_on), True
    )
    return render(
        request,
        "assessment/drops/submit_confirm.html",
        {
            "drop": drop,
            "part": part,
            "board": board,
            "short": [row for row in board.classes if row.missing],
            "may_submit": _can_move(part, DropStatus.SUBMITTED),
            "breadcrumbs": _crumbs(_drop_crumb(drop), (part.school.name, _board_url(part)), ("Submit", "")),
        },
    )


@access_rule(MANAGE_ONE)
@require_POST
def drop_lock(request: HttpRequest, drop_slug: str, urn: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    part = _part(drop, schools_with(request.user, Capability.MANAGE_DROPS), urn)
    if _move(request, part, DropStatus.LOCKED):
        messages.success(request, f"{part.school.name}'s {drop.name} drop is locked.")
    return redirect(_back(request, part))


@access_rule(MANAGE_ONE)
def drop_reopen(request: HttpRequest, drop_slug: str, urn: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    part = _part(drop, schools_with(request.user, Capability.MANAGE_DROPS), urn)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _move(request, part, DropStatus.REOPENED, form.cleaned_data["reason"]):
            messages.success(
                request,
                f"{part.school.name}'s {drop.name} drop is reopened: its teachers can change judgements "
                "again, and the school sees your reason.",
            )
        # refused (say, the school submitted again meanwhile): the message says why
        return redirect(_back(request, part))
    return render(
        request,
        "assessment/drops/reopen_form.html",
        {
            "drop": drop,
            "part": part,
            "form": form,
            "may_reopen": _can_move(part, DropStatus.REOPENED),
            "back": request.GET.get("back", request.POST.get("back", "")),
            "breadcrumbs": _crumbs(_drop_crumb(drop), (part.school.name, _board_url(part)), ("Reopen", "")),
        },
    )


# --- baselines --------------------------------------------------------------------------------


@access_rule(RECORDERS)
def baselines(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    weeks = int(getattr(settings, "STRIDES_BASELINE_WEEKS", 6))
    schools = {s.pk: s for s in schools_with(request.user, Capability.RECORD_ASSESSMENT).order_by("name")}
    subjects = {s.pk: s for s in Subject.objects.filter(trust__isnull=True, code__in=CORE_SUBJECTS)}
    overdue = overdue_baselines(request.user, list(schools), list(subjects), today, weeks)
    pupil_ids = {row.pupil_id for row in overdue}
    pupils = {p.pk: p for p in visible_pupils(request.user).filter(pk__in=pupil_ids)}
    grouped: dict[tuple[int, int], dict] = {}
    for row in overdue:
        pupil = pupils.get(row.pupil_id)
        if pupil is None:  # on the roll of the user's school, but not one of their pupils
            continue
        entry = grouped.setdefault(
            (row.pupil_id, row.school_id),
            {"pupil": pupil, "school": schools[row.school_id], "due": row.due, "subjects": []},
        )
        entry["subjects"].append(subjects[row.subject_id])
    rows = sorted(grouped.values(), key=lambda r: (r["due"], r["school"].name, r["pupil"].surname))
    for row in rows:
        row["subjects"] = ", ".join(s.name for s in sorted(row["subjects"], key=lambda s: s.order))
    page = Paginator(rows, BASELINE_PAGE_SIZE).get_page(request.GET.get("page"))

    owing_drop: list[School] = []
    if can(request.user, Capability.MANAGE_DROPS):
        owing_drop = calendar.schools_owing_baseline_drop(
            schools_with(request.user, Capability.MANAGE_DROPS), today
        )
    recent_baseline_drops = list(
        DataDrop.objects.filter(
            kind=DropKind.BASELINE,
            pk__in=DropSchool.objects.filter(school_id__in=list(schools)).values("drop_id"),
            deadline__gte=today - dt.timedelta(days=calendar.NEW_SCHOOL_DAYS),
        ).order_by("-deadline")
    )
    return render(
        request,
        "assessment/drops/baselines.html",
        {
            "page": page,
            "count": len(rows),
            "weeks": weeks,
            "owing_drop": [
                {"school": s, "due": s.joined_trust_on + dt.timedelta(weeks=weeks)} for s in owing_drop
            ],
            "baseline_drops": recent_baseline_drops,
            "breadcrumbs": _crumbs(("Overdue baselines", "")),
        },
    )


@access_rule(MANAGE_ONE)
@require_POST
def baseline_drop_create(request: HttpRequest, urn: str) -> HttpResponse:
    school = get_or_404(schools_with(request.user, Capability.MANAGE_DROPS).select_related("trust"), urn=urn)
    try:
        drop = calendar.create_baseline_drop(request.user, school)
    except (AssessmentError, PermissionError) as error:
        messages.error(request, str(error))
        return redirect("assessment:baselines")
    messages.success(
        request,
        f"{drop.name} is on the calendar, due {drop.deadline:%d/%m/%Y}: every pupil, the core subjects.",
    )
    return redirect("assessment:drop_detail", drop_slug=drop.slug)
