"""Framework pages: the library of frameworks, bespoke frameworks (typed in or from a
spreadsheet), each school's framework choice, the common scale, and crosswalk versions with the
difference each makes to past drops and an explicit, audited Apply.

Who may do what (docs/frameworks.md):
- read frameworks, the scale and crosswalks: everyone who records assessment (every holder of
  MANAGE_FRAMEWORKS does too); a school's own framework only at that school and for trust roles;
- bespoke frameworks and framework choices: MANAGE_FRAMEWORKS (trust admins and analysts for the
  trust, heads for their school);
- crosswalk versions and applying them: MANAGE_CROSSWALK held for the whole trust.

Lookups go through the gate (``scope_for``, ``schools_with``, ``visible_pupils``, ``get_or_404``);
writes through ``strides.frameworks.services`` and ``strides.assessment.services``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.gate import can, get_or_404, schools_with, scope_for, visible_pupils
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.models import DataDrop, Judgement
from strides.assessment.services import AssessmentError, apply_crosswalk, crosswalk_differences
from strides.frameworks.forms import (
    LEVEL_ROWS_STEP,
    MAX_LEVEL_ROWS,
    AssignmentForm,
    CrosswalkForm,
    FrameworkForm,
    LevelFormSet,
    SheetForm,
)
from strides.frameworks.models import (
    CommonScale,
    Crosswalk,
    CrosswalkEntry,
    ExpectedPoint,
    Framework,
    FrameworkAssignment,
    Level,
    ScalePoint,
    Subject,
    Term,
)
from strides.frameworks.queries import FrameworkChooser, frameworks_available, subjects_for
from strides.frameworks.services import (
    FrameworkError,
    assign_framework,
    create_framework,
    crosswalk_in_force,
    ensure_common_scale,
    point_map,
    publish_crosswalk,
)
from strides.frameworks.sheets import TEMPLATE_HEADER, SheetError, parse_levels
from strides.organisations.models import Phase, School, Trust
from strides.pupils.codes import NC_YEAR_LABELS
from strides.pupils.models import CharacteristicsPeriod, Pupil
from strides.pupils.queries import pupils_on_roll

# Reference pages for those who record: no pupil on them, so others get a plain 403 (ADR 2)
READ = AccessRule(
    Capability.RECORD_ASSESSMENT,
    description="staff who record assessment or manage frameworks (every manager records too)",
    pupil_data=False,
)
READ_ONE = AccessRule(
    Capability.RECORD_ASSESSMENT,
    object_scoped=True,
    description="a framework or crosswalk of the user's trust; a school's own framework at that school",
    pupil_data=False,
)
MANAGE = AccessRule(
    Capability.MANAGE_FRAMEWORKS, description="trust admins and analysts; heads for their school"
)
MANAGE_SCHOOL = AccessRule(
    Capability.MANAGE_FRAMEWORKS, object_scoped=True, description="framework choices at the user's schools"
)
CROSSWALK = AccessRule(Capability.MANAGE_CROSSWALK, description="trust admins and analysts")
CROSSWALK_DROP = AccessRule(
    Capability.MANAGE_CROSSWALK, object_scoped=True, description="drops of the trust the user manages"
)

SHEET_SALT = "strides.frameworks.sheet-preview"
SHEET_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed
PHASE_YEARS = {
    Phase.NURSERY: range(-2, 1),
    Phase.PRIMARY: range(0, 7),
    Phase.MIDDLE: range(5, 9),
    Phase.SECONDARY: range(7, 12),
    Phase.ALL_THROUGH: range(0, 12),
    Phase.SIXTEEN_PLUS: range(12, 14),
}
TERM_ORDER = [Term.AUTUMN, Term.SPRING, Term.SUMMER]


# --- scope -------------------------------------------------------------------------------------


def user_trust(user: Any) -> Trust:
    """The trust whose scale and crosswalk the user works with (their membership's trust)."""
    trust = Trust.objects.filter(pk__in=scope_for(user).trust_ids).order_by("pk").first()
    if trust is None:
        raise Http404("Not found")
    return trust


def visible_frameworks(user: Any) -> QuerySet[Framework]:
    """Shipped frameworks, the user's trust's, and the own frameworks of schools where the user
    records assessment or manages frameworks (trust roles: every school of the trust)."""
    trust_ids = scope_for(user).trust_ids
    own_school = Q(school__in=schools_with(user, Capability.RECORD_ASSESSMENT)) | Q(
        school__in=schools_with(user, Capability.MANAGE_FRAMEWORKS)
    )
    return Framework.objects.filter(
        Q(trust__isnull=True)
        | Q(trust_id__in=trust_ids, school__isnull=True)
        | (Q(trust_id__in=trust_ids) & own_school)
    )


def crosswalk_trusts(user: Any) -> QuerySet[Trust]:
    """Trusts whose crosswalk the user manages: MANAGE_CROSSWALK held for the whole trust."""
    scope = scope_for(user)
    if None not in scope.capabilities.get(str(Capability.MANAGE_CROSSWALK), frozenset()):
        return Trust.objects.none()
    return Trust.objects.filter(pk__in=scope.trust_ids)


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Home", reverse("web:home")), ("Frameworks", reverse("frameworks:list")), *items]


def _owner_label(framework: Framework) -> str:
    if framework.trust_id is None:
        return "Shipped with Strides"
    if framework.school_id is not None:
        return f"{framework.school.name} only"
    return "Every school in the trust"


# --- the library -------------------------------------------------------------------------------


@access_rule(READ)
def framework_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    frameworks = list(
        visible_frameworks(user)
        .select_related("school")
        .prefetch_related("subjects")
        .annotate(level_count=Count("levels"))
        .order_by("name")
    )
    groups = [
        ("Shipped with Strides", "shipped", [f for f in frameworks if f.trust_id is None]),
        (f"{trust.name}’s own", "trust", [f for f in frameworks if f.trust_id and f.school_id is None]),
        ("Schools’ own", "schools", [f for f in frameworks if f.school_id is not None]),
    ]
    manage_schools = list(
        schools_with(user, Capability.MANAGE_FRAMEWORKS).filter(trust=trust).order_by("name")
    )
    return render(
        request,
        "frameworks/list.html",
        {
            "trust": trust,
            "groups": groups,
            "can_manage": bool(manage_schools) or can(user, Capability.MANAGE_FRAMEWORKS),
            "manage_schools": manage_schools,
            "can_crosswalk": crosswalk_trusts(user).exists(),
            "breadcrumbs": [("Home", reverse("web:home")), ("Frameworks", "")],
        },
    )


@access_rule(READ_ONE)
def framework_detail(request: HttpRequest, framework_id: int) -> HttpResponse:
    user = request.user
    framework = get_or_404(visible_frameworks(user).select_related("school", "trust"), pk=framework_id)
    trust = framework.trust or user_trust(user)
    scale = ensure_common_scale(trust, user)
    today = dt.date.today()
    crosswalk = crosswalk_in_force(scale, today)
    points = {
        entry.level_id: entry.point
        for entry in CrosswalkEntry.objects.filter(
            crosswalk=crosswalk, level__framework=framework
        ).select_related("point")
    }
    levels = [(level, points.get(level.pk)) for level in framework.levels.order_by("order")]
    return render(
        request,
        "frameworks/detail.html",
        {
            "framework": framework,
            "owner": _owner_label(framework),
            "subjects": list(framework.subjects.order_by("order", "name")),
            "levels": levels,
            "scale": scale,
            "crosswalk": crosswalk,
            "breadcrumbs": _crumbs((framework.name, "")),
        },
    )


# --- bespoke frameworks ------------------------------------------------------------------------


def _scale_points(trust: Trust, user: Any) -> tuple[CommonScale, list[ScalePoint]]:
    scale = ensure_common_scale(trust, user)
    return scale, list(scale.points.order_by("value"))


def _show_framework_error(form: forms.Form, error: Exception, code: str) -> None:
    """A refusal of ``create_framework`` beside the field it is about."""
    message = str(error)
    if code and (repr(code) in message or f"“{code}”" in message):
        form.add_error("code", message)
    else:
        form.add_error(None, message)


def _create(
    request: HttpRequest, form: FrameworkForm, trust: Trust, levels: list[tuple[str, str, str, ScalePoint]]
) -> Framework | None:
    data = form.cleaned_data
    try:
        return create_framework(
            request.user,
            trust,
            data["code"],
            data["name"],
            levels,
            subjects=data["subjects"],
            school=form.owner_school(),
            description=data["description"],
        )
    except FrameworkError as error:
        _show_framework_error(form, error, data["code"])
    except IntegrityError:  # someone took the code between the check and the insert
        form.add_error("code", f"The trust already has a framework with the code “{data['code']}”.")
    return None


def _created(request: HttpRequest, framework: Framework) -> HttpResponse:
    messages.success(
        request,
        f"{framework.name} is made with {framework.levels.count()} levels, each mapped to its common point.",
    )
    return redirect("frameworks:detail", framework_id=framework.pk)


def _posted_rows(data: Any, total: int) -> list[dict[str, str]]:
    rows = [
        {name: data.get(f"levels-{i}-{name}", "") for name in ("code", "label", "descriptor", "point")}
        for i in range(total)
    ]
    while rows and not any(rows[-1].values()):
        rows.pop()
    return rows


@access_rule(MANAGE)
def framework_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    scale, points = _scale_points(trust, user)
    if request.method == "POST" and "more_rows" in request.POST:
        # More rows: show what was typed again, unchecked, with blank rows after it.
        total = min(int(request.POST.get("levels-TOTAL_FORMS") or 0), MAX_LEVEL_ROWS)
        rows = _posted_rows(request.POST, total)
        rows += [{}] * LEVEL_ROWS_STEP
        initial = {
            name: request.POST.getlist(name) if name == "subjects" else request.POST.get(name, "")
            for name in ("name", "code", "owner", "subjects", "description")
        }
        form = FrameworkForm(initial=initial, user=user, trust=trust)
        formset = LevelFormSet(prefix="levels", points=points, initial=rows[:MAX_LEVEL_ROWS])
        formset.extra = 0
    elif request.method == "POST":
        form = FrameworkForm(request.POST, user=user, trust=trust)
        formset = LevelFormSet(request.POST, prefix="levels", points=points)
        if form.is_valid() and formset.is_valid():
            framework = _create(request, form, trust, formset.levels())
            if framework is not None:
                return _created(request, framework)
    else:
        form = FrameworkForm(user=user, trust=trust)
        formset = LevelFormSet(prefix="levels", points=points)
    return render(
        request,
        "frameworks/create.html",
        {
            "form": form,
            "formset": formset,
            "scale": scale,
            "level_errors": [
                (number, error)
                for number, errors in enumerate(formset.errors if formset.is_bound else [], start=1)
                for messages_ in errors.values()
                for error in messages_
            ]
            + [(None, error) for error in (formset.non_form_errors() if formset.is_bound else [])],
            "breadcrumbs": _crumbs(("New framework", "")),
        },
    )


def _sheet_payload(request: HttpRequest, form: SheetForm, trust: Trust, result: Any) -> str:
    data = form.cleaned_data
    return signing.dumps(
        {
            "user": request.user.pk,
            "trust": trust.pk,
            "file": data["file"].name,
            "form": {
                "name": data["name"],
                "code": data["code"],
                "owner": data["owner"],
                "subjects": [s.pk for s in data["subjects"]],
                "description": data["description"],
            },
            "levels": [[lv.row, lv.code, lv.label, lv.descriptor, lv.point.code] for lv in result.levels],
        },
        salt=SHEET_SALT,
        compress=True,
    )


@access_rule(MANAGE)
def framework_import(request: HttpRequest) -> HttpResponse:
    """A framework from a spreadsheet: upload, a preview of every level (or every refused row
    with its row, column and value), then create. Nothing is written until the preview is
    confirmed, and then all levels or none."""
    user = request.user
    trust = user_trust(user)
    scale, points = _scale_points(trust, user)
    context: dict[str, Any] = {"scale": scale, "headers": TEMPLATE_HEADER}
    if request.method == "POST" and "payload" in request.POST:
        return _confirm_import(request, trust, points, context)
    if request.method == "POST":
        form = SheetForm(request.POST, request.FILES, user=user, trust=trust)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = parse_levels(b"".join(upload.chunks()), points, scale.name)
            except SheetError as error:
                form.add_error("file", str(error))
            else:
                if result.ok:
                    context.update(
                        {
                            "form": form,
                            "result": result,
                            "owner_label": dict(form.fields["owner"].choices)[form.cleaned_data["owner"]],
                            "payload": _sheet_payload(request, form, trust, result),
                            "breadcrumbs": _crumbs(
                                ("From a spreadsheet", reverse("frameworks:import")), ("Check", "")
                            ),
                        }
                    )
                    return render(request, "frameworks/import_preview.html", context)
                form.add_error(
                    None,
                    f"{upload.name}: {len(result.errors)} problem{'s' if len(result.errors) != 1 else ''} "
                    "in the rows listed below. Nothing was created: fix them and upload the file again.",
                )
                context["row_errors"] = result.errors
    else:
        form = SheetForm(user=user, trust=trust)
    context.update({"form": form, "breadcrumbs": _crumbs(("From a spreadsheet", ""))})
    return render(request, "frameworks/import.html", context)


def _confirm_import(
    request: HttpRequest, trust: Trust, points: list[ScalePoint], context: dict[str, Any]
) -> HttpResponse:
    user = request.user
    try:
        payload = signing.loads(request.POST["payload"], salt=SHEET_SALT, max_age=SHEET_PREVIEW_MAX_AGE)
    except signing.BadSignature:
        payload = None
    if not payload or payload.get("user") != user.pk or payload.get("trust") != trust.pk:
        messages.error(request, "This preview has expired or was not yours. Upload the spreadsheet again.")
        return redirect("frameworks:import")
    form = SheetForm(payload["form"], {}, user=user, trust=trust)
    form.fields["file"].required = False
    by_code = {p.code: p for p in points}
    levels = []
    for row, code, label, descriptor, point_code in payload["levels"]:
        if point_code not in by_code:
            form.add_error(None, f"Row {row}, Common point “{point_code}”: no longer a point of the scale.")
        else:
            levels.append((code, label, descriptor, by_code[point_code]))
    if form.is_valid():
        framework = _create(request, form, trust, levels)
        if framework is not None:
            return _created(request, framework)
    form.add_error(
        None, f"Nothing was created from {payload.get('file', 'the spreadsheet')}: choose it again."
    )
    context.update({"form": form, "breadcrumbs": _crumbs(("From a spreadsheet", ""))})
    return render(request, "frameworks/import.html", context)


@access_rule(MANAGE)
def import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the header row a framework spreadsheet needs."""
    response = HttpResponse(",".join(TEMPLATE_HEADER) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="framework-levels-template.csv"'
    return response


# --- framework choices per school ------------------------------------------------------------


def _school_years(school: School, day: dt.date) -> list[int]:
    """The school's year groups: those of its phase, and any a pupil on roll is in."""
    on_roll = pupils_on_roll(Pupil.objects.all(), school.pk, day)
    years = set(
        CharacteristicsPeriod.objects.filter(pupil__in=on_roll.values("pk"), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values_list("nc_year", flat=True)
        .distinct()
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

    history = list(
        FrameworkAssignment.objects.filter(school=school)
        .select_related("subject", "framework", "pupil", "created_by")
        .order_by("-valid_from", "subject__order", "nc_year", "pk")
    )
    # the year groups and subjects with a choice of their own in force today (not inherited)
    own = {(a.nc_year, a.subject_id) for a in history if a.pupil_id is None and a.valid_from <= today}
    chooser = FrameworkChooser(school.pk, subjects, today)
    rows = [_year_row("Whole school", chooser, subjects, None, own)]
    rows += [_year_row(NC_YEAR_LABELS.get(y, str(y)), chooser, subjects, y, own) for y in years]
    pupil_ids = {a.pupil_id for a in history if a.pupil_id}
    seen = (
        set(visible_pupils(user).filter(pk__in=pupil_ids).values_list("pk", flat=True))
        if pupil_ids
        else set()
    )
    return render(
        request,
        "frameworks/assignments.html",
        {
            "school": school,
            "form": form,
            "subjects": subjects,
            "rows": rows,
            "history": history,
            "visible_pupil_ids": seen,
            "today": today,
            "breadcrumbs": _crumbs((f"Choices at {school.name}", "")),
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


# --- the common scale ------------------------------------------------------------------------


@dataclass
class ChartSeries:
    label: str
    css: str
    points: str  # the polyline's "x,y x,y ..."
    markers: list[tuple[float, float, str]]


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    series: list[ChartSeries] = field(default_factory=list)
    description: str = ""


def expected_chart(points: list[ScalePoint], expected: list[ExpectedPoint]) -> Chart | None:
    """The expected point of each NC year at each term as lines on a server-drawn SVG. Terms
    whose expectations are identical share a line (every term, by default: ADR 6)."""
    if not points or not expected:
        return None
    chart = Chart(width=640, height=360, left=64, right=624, top=20, bottom=310)
    years = sorted({e.nc_year for e in expected})
    low, high = points[0].value, points[-1].value
    x_step = (chart.right - chart.left) / max(len(years) - 1, 1)

    def x(year: int) -> float:
        return round(chart.left + years.index(year) * x_step, 1)

    def y(value: int) -> float:
        span = max(high - low, 1)
        return round(chart.bottom - (value - low) * (chart.bottom - chart.top) / span, 1)

    chart.x_ticks = [(x(year), NC_YEAR_LABELS.get(year, str(year)).replace("Year ", "Y")) for year in years]
    by_value = {p.value: p for p in points}
    tick_values = sorted({low, high, *range(5 * ((low + 4) // 5), high, 5)})
    chart.y_ticks = [(y(v), by_value[v].code if v in by_value else str(v)) for v in tick_values]

    ordered = sorted(expected, key=lambda e: (e.nc_year, TERM_ORDER.index(e.term)))
    chart.description = (
        f"Expected points rise from {ordered[0].point.code} ({NC_YEAR_LABELS.get(ordered[0].nc_year)}, "
        f"{ordered[0].term}) to {ordered[-1].point.code} ({NC_YEAR_LABELS.get(ordered[-1].nc_year)}, "
        f"{ordered[-1].term}). The table beside the chart gives every value."
    )
    by_term: dict[str, dict[int, ScalePoint]] = defaultdict(dict)
    for row in expected:
        by_term[row.term][row.nc_year] = row.point
    groups: dict[tuple[int | None, ...], list[str]] = {}
    for term in TERM_ORDER:
        if term in by_term:
            key = tuple(by_term[term][yr].value if yr in by_term[term] else None for yr in years)
            groups.setdefault(key, []).append(term)
    for index, terms in enumerate(groups.values()):
        term_points = by_term[terms[0]]
        labels = [Term(t).label.lower() for t in terms]
        names = (", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]).capitalize()
        markers = [
            (x(yr), y(p.value), f"{NC_YEAR_LABELS.get(yr, yr)}, {names.lower()}: {p.code} {p.label}")
            for yr, p in sorted(term_points.items())
        ]
        chart.series.append(
            ChartSeries(
                label=f"End of {names.lower()}",
                css=f"chart-series-{index % 3}",
                points=" ".join(f"{mx},{my}" for mx, my, _ in markers),
                markers=markers,
            )
        )
    return chart


@access_rule(READ)
def scale_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    scale, points = _scale_points(trust, user)
    expected = list(ExpectedPoint.objects.filter(scale=scale).select_related("point").order_by("nc_year"))
    crosswalk = crosswalk_in_force(scale, dt.date.today())
    mapped = dict(
        CrosswalkEntry.objects.filter(crosswalk=crosswalk, level__framework__in=visible_frameworks(user))
        .values_list("point_id")
        .annotate(n=Count("pk"))
        .values_list("point_id", "n")
    )
    by_year: dict[int, dict[str, ScalePoint]] = defaultdict(dict)
    for row in expected:
        by_year[row.nc_year][row.term] = row.point
    expected_rows = [
        (NC_YEAR_LABELS.get(year, str(year)), [by_year[year].get(term) for term in TERM_ORDER])
        for year in sorted(by_year)
    ]
    return render(
        request,
        "frameworks/scale.html",
        {
            "scale": scale,
            "points": [(p, mapped.get(p.pk, 0)) for p in points],
            "terms": [Term(t).label for t in TERM_ORDER],
            "expected_rows": expected_rows,
            "chart": expected_chart(points, expected),
            "crosswalk": crosswalk,
            "breadcrumbs": _crumbs((scale.name, "")),
        },
    )


# --- crosswalk versions ----------------------------------------------------------------------


def pending_by_drop(scale: CommonScale, drops: QuerySet[DataDrop]) -> dict[int, dict[int, int]]:
    """drop id -> school id -> judgements whose stored point differs from what the crosswalk in
    force for the drop gives: the same test as ``crosswalk_differences``, in one query."""
    in_force = (
        Crosswalk.objects.filter(scale=scale, effective_from__lte=OuterRef("drop__assessed_on"))
        .order_by("-effective_from", "-version")
        .values("pk")[:1]
    )
    entries = CrosswalkEntry.objects.filter(crosswalk_id=OuterRef("force"), level_id=OuterRef("level_id"))
    rows = (
        Judgement.objects.filter(drop__in=drops)
        .annotate(force=Subquery(in_force))
        .filter(force__isnull=False)
        .exclude(crosswalk_id=F("force"))
        .annotate(
            same_point=Exists(entries.filter(point_id=OuterRef("point_id"))),
            mapped=Exists(entries),
        )
        # a level the crosswalk does not map keeps no point: no difference either way
        .exclude(same_point=True)
        .exclude(point__isnull=True, mapped=False)
        .values("drop_id", "school_id")
        .annotate(n=Count("pk"))
        .values_list("drop_id", "school_id", "n")
    )
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for drop_id, school_id, n in rows:
        found[drop_id][school_id] = n
    return found


@dataclass
class PendingDrop:
    drop: DataDrop
    crosswalk: Crosswalk | None
    by_school: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_school)


def pending_drops(user: Any, scale: CommonScale, crosswalk: Crosswalk | None = None) -> list[PendingDrop]:
    """The trust's drops with points to update, for a crosswalk manager (optionally only those the
    given version is in force for)."""
    drops = DataDrop.objects.filter(trust__in=crosswalk_trusts(user), trust_id=scale.trust_id)
    found = pending_by_drop(scale, drops)
    if not found:
        return []
    versions = list(scale.crosswalks.order_by("-effective_from", "-version"))
    names = dict(
        School.objects.filter(pk__in={s for d in found.values() for s in d}).values_list("pk", "name")
    )
    result = []
    for drop in drops.filter(pk__in=found).order_by("-assessed_on", "name"):
        force = next((v for v in versions if v.effective_from <= drop.assessed_on), None)
        if crosswalk is not None and force != crosswalk:
            continue
        by_school = sorted((names.get(s, "?"), n) for s, n in found[drop.pk].items())
        result.append(PendingDrop(drop, force, by_school))
    return result


def _crosswalk_maps(scale: CommonScale, user: Any) -> dict[int, dict[int, int]]:
    """crosswalk id -> level id -> point id, for the levels of frameworks the user may see."""
    maps: dict[int, dict[int, int]] = defaultdict(dict)
    for crosswalk_id, level_id, point_id in CrosswalkEntry.objects.filter(
        crosswalk__scale=scale, level__framework__in=visible_frameworks(user)
    ).values_list("crosswalk_id", "level_id", "point_id"):
        maps[crosswalk_id][level_id] = point_id
    return maps


def _changed(before: dict[int, int], after: dict[int, int]) -> list[int]:
    """Levels mapped in both versions to different points (new levels are additions, not changes)."""
    return [level for level, point in after.items() if level in before and before[level] != point]


@access_rule(READ)
def crosswalk_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    scale = ensure_common_scale(trust, user)
    today = dt.date.today()
    versions = list(scale.crosswalks.select_related("created_by").order_by("version"))
    maps = _crosswalk_maps(scale, user)
    in_force = crosswalk_in_force(scale, today)
    rows = []
    for index, version in enumerate(versions):
        previous = versions[index - 1] if index else None
        changed = len(_changed(maps[previous.pk], maps[version.pk])) if previous else None
        rows.append((version, changed, version == in_force))
    manages = crosswalk_trusts(user).filter(pk=trust.pk).exists()
    return render(
        request,
        "frameworks/crosswalks.html",
        {
            "scale": scale,
            "rows": list(reversed(rows)),
            "manages": manages,
            "pending": pending_drops(user, scale) if manages else [],
            "breadcrumbs": _crumbs(("Crosswalk versions", "")),
        },
    )


@access_rule(READ_ONE)
def crosswalk_detail(request: HttpRequest, crosswalk_id: int) -> HttpResponse:
    user = request.user
    trusts = Trust.objects.filter(pk__in=scope_for(user).trust_ids)
    crosswalk = get_or_404(
        Crosswalk.objects.filter(scale__trust__in=trusts).select_related("scale", "created_by"),
        pk=crosswalk_id,
    )
    scale = crosswalk.scale
    previous = scale.crosswalks.filter(version__lt=crosswalk.version).order_by("-version").first()
    following = scale.crosswalks.filter(version__gt=crosswalk.version).order_by("version").first()
    maps = _crosswalk_maps(scale, user)
    mapping = maps[crosswalk.pk]
    before = maps[previous.pk] if previous else {}
    levels = {
        level.pk: level
        for level in Level.objects.filter(pk__in=mapping)
        .select_related("framework")
        .order_by("framework__name", "order")
    }
    points = {p.pk: p for p in scale.points.all()}
    changes = [
        (levels[level_id], points[before[level_id]], points[mapping[level_id]])
        for level_id in levels
        if level_id in _changed(before, mapping)
    ]
    grouped: dict[int, tuple[Framework, list[tuple[Level, ScalePoint]]]] = {}
    for level in levels.values():
        grouped.setdefault(level.framework_id, (level.framework, []))[1].append(
            (level, points[mapping[level.pk]])
        )
    manages = crosswalk_trusts(user).filter(pk=scale.trust_id).exists()
    return render(
        request,
        "frameworks/crosswalk_detail.html",
        {
            "crosswalk": crosswalk,
            "scale": scale,
            "previous": previous,
            "following": following,
            "in_force": crosswalk_in_force(scale, dt.date.today()) == crosswalk,
            "changes": changes,
            "mapping": list(grouped.values()),
            "manages": manages,
            "pending": pending_drops(user, scale, crosswalk) if manages else [],
            "breadcrumbs": _crumbs(
                ("Crosswalk versions", reverse("frameworks:crosswalks")), (f"Version {crosswalk.version}", "")
            ),
        },
    )


@dataclass
class LevelChoice:
    level: Level
    current: str  # point code in the latest version
    chosen: str
    error: str = ""

    @property
    def changed(self) -> bool:
        return self.chosen != self.current

    @property
    def field_name(self) -> str:
        return f"level-{self.level.pk}"


@access_rule(CROSSWALK)
def crosswalk_publish(request: HttpRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    if not crosswalk_trusts(user).filter(pk=trust.pk).exists():
        raise PermissionDenied
    scale, points = _scale_points(trust, user)
    by_code = {p.code: p for p in points}
    code_of = {p.pk: p.code for p in points}
    latest = scale.crosswalks.order_by("-version").first()
    current = point_map(latest) if latest else {}
    levels = list(
        Level.objects.filter(framework__in=visible_frameworks(user).filter(Q(trust=None) | Q(trust=trust)))
        .select_related("framework")
        .order_by(F("framework__trust_id").asc(nulls_first=True), "framework__name", "order")
    )
    form = CrosswalkForm(request.POST or None)
    choices = []
    for level in levels:
        now = code_of.get(current.get(level.pk), "")
        posted = request.POST.get(f"level-{level.pk}", now) if request.method == "POST" else now
        choice = LevelChoice(level, now, posted)
        if posted not in by_code:
            choice.error = (
                f"{level.code} ({level.framework.name}): “{posted}” is not a point of {scale.name}."
            )
        choices.append(choice)
    if request.method == "POST":
        bad = [c for c in choices if c.error]
        for choice in bad:
            form.add_error(None, choice.error)
        changes = {c.level: by_code[c.chosen] for c in choices if c.changed and not c.error}
        if not bad and not changes:
            form.add_error(
                None,
                f"No mapping was changed: every level still maps to its point in version "
                f"{latest.version if latest else 1}. Choose a new point for at least one level.",
            )
        if form.is_valid():
            try:
                crosswalk = publish_crosswalk(
                    user, scale, form.cleaned_data["effective_from"], changes, note=form.cleaned_data["note"]
                )
            except (FrameworkError, ValueError) as error:
                form.add_error("effective_from", str(error))
            else:
                messages.success(
                    request,
                    f"Crosswalk version {crosswalk.version} is published, in force from "
                    f"{crosswalk.effective_from:%d/%m/%Y}, changing {len(changes)} "
                    f"mapping{'s' if len(changes) != 1 else ''}. Stored points of past drops are "
                    "unchanged until you apply the difference.",
                )
                return redirect("frameworks:crosswalk_detail", crosswalk_id=crosswalk.pk)
    grouped: dict[int, tuple[Framework, list[LevelChoice]]] = {}
    for choice in choices:
        grouped.setdefault(choice.level.framework_id, (choice.level.framework, []))[1].append(choice)
    return render(
        request,
        "frameworks/crosswalk_publish.html",
        {
            "form": form,
            "scale": scale,
            "latest": latest,
            "points": [(p.code, f"{p.code} – {p.label}") for p in points],
            "groups": [
                (framework, rows, any(c.changed or c.error for c in rows))
                for framework, rows in grouped.values()
            ],
            "breadcrumbs": _crumbs(
                ("Crosswalk versions", reverse("frameworks:crosswalks")), ("New version", "")
            ),
        },
    )


@dataclass
class DifferenceRow:
    subject: str
    level: str
    before: str
    after: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@access_rule(CROSSWALK_DROP)
def crosswalk_drop(request: HttpRequest, drop_slug: str) -> HttpResponse:
    """What the crosswalk in force would change in one drop, and the explicit Apply."""
    user = request.user
    drop = get_or_404(
        DataDrop.objects.filter(trust__in=crosswalk_trusts(user)).select_related("trust"), slug=drop_slug
    )
    crosswalk, changes = crosswalk_differences(drop)
    url = reverse("frameworks:crosswalk_drop", kwargs={"drop_slug": drop.slug})
    if request.method == "POST":
        looked_at = (request.POST.get("crosswalk_version", ""), request.POST.get("changes", ""))
        now = (str(crosswalk.version) if crosswalk else "", str(len(changes)))
        if not changes:
            messages.info(
                request, f"Nothing to apply: every point in {drop.name} already follows the crosswalk."
            )
            return redirect(url)
        if looked_at != now:
            messages.error(
                request,
                "The difference has changed since you looked at it (a judgement or the crosswalk changed). "
                "Nothing was applied: check it again below.",
            )
            return redirect(url)
        try:
            changed = apply_crosswalk(user, drop)
        except (AssessmentError, ValueError) as error:
            messages.error(request, f"Nothing was applied: {error}")
        else:
            messages.success(
                request,
                f"Crosswalk version {crosswalk.version} is applied to {drop.name}: "
                f"{changed} judgement{'s' if changed != 1 else ''} changed common point. "
                "Each change is in the judgement's history and the audit log.",
            )
        return redirect(url)
    school_of = (
        dict(Judgement.objects.filter(drop=drop).exclude(crosswalk=crosswalk).values_list("pk", "school_id"))
        if changes
        else {}
    )
    school_ids = sorted({school_of[c.judgement_id] for c in changes})
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    schools = sorted(school_ids, key=lambda s: names.get(s, ""))
    counts: dict[tuple[str, str, str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for change in changes:
        key = (change.subject, change.level, change.point_before or "none", change.point_after or "none")
        counts[key][school_of[change.judgement_id]] += 1
    subject_names = {
        s.code: s.name for s in subjects_for(drop.trust_id, include_archived=True, every_school=True)
    }
    rows = [
        DifferenceRow(subject_names.get(key[0], key[0]), key[1], key[2], key[3], [by[s] for s in schools])
        for key, by in sorted(counts.items())
    ]
    return render(
        request,
        "frameworks/crosswalk_drop.html",
        {
            "drop": drop,
            "crosswalk": crosswalk,
            "changes": changes,
            "schools": [names[s] for s in schools],
            "school_totals": [sum(r.counts[i] for r in rows) for i in range(len(schools))],
            "rows": rows,
            "breadcrumbs": _crumbs(("Crosswalk versions", reverse("frameworks:crosswalks")), (drop.name, "")),
        },
    )
