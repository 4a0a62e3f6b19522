"""The small-step framework pages (docs/small-steps-frameworks.md): the frameworks a user may use,
one framework's areas, steps and statements, a new framework, statements from a spreadsheet
(upload, a preview of every statement or every refused row with its row, column and value, then
import), and the changes a framework's managers make: reword or remove a statement, share a trust
framework with its schools, change how % of a step is worked out, set the subject an area stands
for. Writes through ``strides.steps.services.frameworks``.

Who may do what: reading needs RECORD_ASSESSMENT (no pupil on these pages); changing a framework
needs MANAGE_FRAMEWORKS for the whole trust (a trust framework) or at the school (a school's own);
the shipped examples are changed by nobody. A framework the user may not use answers 404, like a
missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.actor import SignedInRequest
from strides.access.gate import can, get_or_404, schools_with
from strides.access.rules import AccessRule, access_rule
from strides.access.small_steps import usable_step_frameworks
from strides.accounts.roles import Capability
from strides.forms import add_service_error
from strides.frameworks.page_helpers import user_trust
from strides.frameworks.queries import subjects_for
from strides.steps.framework_forms import (
    AreaSubjectForm,
    RewordForm,
    SettingsForm,
    StatementsSheetForm,
    StepFrameworkForm,
)
from strides.steps.framework_pages import MANAGE_ONE, may_manage
from strides.steps.framework_pages import back_to_detail as _detail
from strides.steps.framework_pages import crumbs as _crumbs
from strides.steps.framework_pages import framework_for as _framework
from strides.steps.framework_pages import managed as _managed
from strides.steps.models import Shape, Statement, Step, StepArea, StepFramework
from strides.steps.services import StepsError
from strides.steps.services.frameworks import (
    StatementRow,
    build_structure,
    change_settings,
    create_framework,
    remove_statement,
    reword_statement,
    set_area_subject,
    share_framework,
)
from strides.steps.sheets import TEMPLATE_HEADER, SheetError, SheetResult, read_statements, to_csv
from strides.steps.shipped import TEMPLATE_FILES, template_rows

READ = AccessRule(
    Capability.RECORD_ASSESSMENT,
    description="staff who record assessment (every framework manager records too)",
    pupil_data=False,
)
READ_ONE = AccessRule(
    Capability.RECORD_ASSESSMENT,
    object_scoped=True,
    description="a small-step framework the user may use: shipped, the trust's shared, their schools' own",
    pupil_data=False,
)
MANAGE = AccessRule(
    Capability.MANAGE_FRAMEWORKS, description="trust admins and analysts; heads for their school"
)
SHEET_SALT = "strides.steps.statements-preview"
SHEET_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed


# --- helpers -----------------------------------------------------------------------------------


def _owner_label(framework: StepFramework) -> str:
    if framework.trust_id is None:
        return "Shipped with Strides"
    if framework.school is not None:
        return f"{framework.school.name} only"
    return "The trust's, shared with its schools" if framework.shared else "The trust's, not shared yet"


def _counted(frameworks: QuerySet[StepFramework]) -> QuerySet[StepFramework]:
    live = Q(areas__statements__removed_on__isnull=True)
    return frameworks.annotate(
        area_count=Count("areas", distinct=True),
        step_count=Count("areas__steps", distinct=True),
        statement_count=Count("areas__statements", filter=live, distinct=True),
    )


# --- reading -----------------------------------------------------------------------------------


@access_rule(READ)
def framework_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    frameworks = list(
        _counted(usable_step_frameworks(user).filter(archived_at__isnull=True))
        .select_related("school")
        .order_by("name")
    )
    groups = [
        ("Shipped with Strides", "shipped", [f for f in frameworks if f.trust_id is None]),
        ("The trust's own", "trust", [f for f in frameworks if f.trust_id and f.school_id is None]),
        ("Schools' own", "schools", [f for f in frameworks if f.school_id is not None]),
    ]
    return render(
        request,
        "steps/frameworks/list.html",
        {
            "groups": groups,
            "can_create": can(user, Capability.MANAGE_FRAMEWORKS),
            "breadcrumbs": [("Home", reverse("web:home")), ("Small-step frameworks", "")],
        },
    )


def _tree(framework: StepFramework) -> list[dict[str, Any]]:
    """Areas -> steps -> statements (a milestone map's strands -> milestones), in order."""
    statements = (
        Statement.objects.filter(area__framework=framework)
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch("leads_to", queryset=Statement.objects.order_by("code")),
            Prefetch("led_from", queryset=Statement.objects.order_by("code")),
        )
    )
    areas = list(
        StepArea.objects.filter(framework=framework)
        .select_related("subject")
        .prefetch_related(
            Prefetch("steps", queryset=Step.objects.order_by("number")),
            Prefetch("statements", queryset=statements),
        )
        .order_by("order")
    )
    tree = []
    for area in areas:
        by_step: dict[int | None, list[Statement]] = {}
        for statement in area.statements.all():
            by_step.setdefault(statement.step_id, []).append(statement)
        tree.append(
            {
                "area": area,
                "steps": [(step, by_step.get(step.pk, [])) for step in area.steps.all()],
                "unstepped": by_step.get(None, []),
                "live": sum(1 for s in area.statements.all() if s.removed_on is None),
                "key": sum(1 for s in area.statements.all() if s.key and s.removed_on is None),
            }
        )
    return tree


@access_rule(READ_ONE)
def framework_detail(request: SignedInRequest, step_framework_id: int) -> HttpResponse:
    user = request.user
    framework = _framework(user, step_framework_id)
    return render(
        request,
        "steps/frameworks/detail.html",
        {
            "framework": framework,
            "owner": _owner_label(framework),
            "tree": _tree(framework),
            "levels": list(framework.achievement_levels.order_by("order")),
            "may_manage": may_manage(user, framework),
            "trust_framework": framework.trust_id is not None and framework.school_id is None,
            "breadcrumbs": _crumbs((framework.name, "")),
        },
    )


@access_rule(READ)
def import_template(request: SignedInRequest) -> HttpResponse:
    """A spreadsheet template (CSV) for ``?shape=`` linear, milestones or matrix, with a few rows
    of the shipped example of that shape."""
    shape = request.GET.get("shape", Shape.LINEAR)
    if shape not in TEMPLATE_FILES:
        shape = Shape.LINEAR
    response = HttpResponse(to_csv(template_rows(shape)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILES[Shape(shape)]}"'
    return response


# --- a new framework ---------------------------------------------------------------------------


@access_rule(MANAGE)
def framework_create(request: SignedInRequest) -> HttpResponse:
    user = request.user
    trust = user_trust(user)
    form = StepFrameworkForm(request.POST if request.method == "POST" else None, user=user, trust=trust)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        school = form.owner_school()
        try:
            framework = create_framework(
                user,
                code=data["code"],
                name=data["name"],
                shape=data["shape"],
                trust=school.trust if school is not None else trust,
                school=school,
                description=data["description"],
                partial_credit=data["partial_credit"],
                step_complete_percent=data["step_complete_percent"],
            )
        except StepsError as error:
            add_service_error(form, error)
        except IntegrityError:  # someone took the code between the check and the insert
            form.add_error(
                "code", f"The trust already has a small-step framework with the code {data['code']!r}."
            )
        else:
            if framework.scored:
                messages.success(request, f"{framework.name} is made. Add its statements from a spreadsheet.")
                return redirect("steps:framework_import", step_framework_id=framework.pk)
            messages.success(request, f"{framework.name} is made with the engagement model's five areas.")
            return _detail(framework)
    return render(
        request,
        "steps/frameworks/create.html",
        {
            "form": form,
            "manages_schools": schools_with(user, Capability.MANAGE_FRAMEWORKS).exists(),
            "breadcrumbs": _crumbs(("New framework", "")),
        },
    )


# --- statements from a spreadsheet -------------------------------------------------------------


def _existing_codes(framework: StepFramework) -> list[tuple[str, str]]:
    return list(Statement.objects.filter(area__framework=framework).values_list("area__code", "code"))


def _payload(request: SignedInRequest, framework: StepFramework, name: str, result: SheetResult) -> str:
    return signing.dumps(
        {
            "user": request.user.pk,
            "framework": framework.pk,
            "file": name,
            "rows": [
                [
                    r.row,
                    r.area,
                    r.area_name,
                    r.step,
                    r.step_name,
                    r.code,
                    r.text,
                    str(r.weight),
                    r.key,
                    r.leads_to,
                ]
                for r in result.rows
            ],
        },
        salt=SHEET_SALT,
        compress=True,
    )


def _rows_of(payload: dict[str, Any]) -> list[StatementRow]:
    from decimal import Decimal

    return [
        StatementRow(
            row=row,
            area=area,
            area_name=area_name,
            step=step,
            step_name=step_name,
            code=code,
            text=text,
            weight=Decimal(weight),
            key=bool(key),
            leads_to=list(leads_to),
        )
        for row, area, area_name, step, step_name, code, text, weight, key, leads_to in payload["rows"]
    ]


@access_rule(MANAGE_ONE)
def framework_import(request: SignedInRequest, step_framework_id: int) -> HttpResponse:
    """Statements from a spreadsheet: upload, a preview of every statement (or every refused row
    with its row, column and value, writing nothing), then import: all the rows or none."""
    user = request.user
    framework = _managed(user, step_framework_id)
    if not framework.scored:
        messages.error(request, f"{framework.name} is the engagement model: it has no statements to import.")
        return _detail(framework)
    context: dict[str, Any] = {
        "framework": framework,
        "headers": TEMPLATE_HEADER,
        "template_url": reverse("steps:framework_template") + f"?shape={framework.shape}",
        "breadcrumbs": _crumbs(
            (framework.name, reverse("steps:framework_detail", kwargs={"step_framework_id": framework.pk})),
            ("Import statements", ""),
        ),
    }
    if request.method == "POST" and "payload" in request.POST:
        return _confirm_import(request, framework, context)
    posted = request.method == "POST"
    form = StatementsSheetForm(request.POST, request.FILES) if posted else StatementsSheetForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = read_statements(b"".join(upload.chunks()), framework.shape, _existing_codes(framework))
        except SheetError as error:
            form.add_error("file", f"{upload.name}: {error}")
        else:
            if result.ok:
                context.update(
                    {
                        "result": result,
                        "file_name": upload.name,
                        "payload": _payload(request, framework, upload.name, result),
                    }
                )
                return render(request, "steps/frameworks/import_preview.html", context)
            count = len(result.errors)
            form.add_error(
                None,
                f"{upload.name}: {count} problem{'s' if count != 1 else ''} in the rows listed below. "
                "Nothing was imported: fix them and upload the file again.",
            )
            context["row_errors"] = result.errors
    context["form"] = form
    return render(request, "steps/frameworks/import.html", context)


def _confirm_import(
    request: SignedInRequest, framework: StepFramework, context: dict[str, Any]
) -> HttpResponse:
    user = request.user
    try:
        payload = signing.loads(request.POST["payload"], salt=SHEET_SALT, max_age=SHEET_PREVIEW_MAX_AGE)
    except signing.BadSignature:
        payload = None
    if not payload or payload.get("user") != user.pk or payload.get("framework") != framework.pk:
        messages.error(request, "This preview has expired or was not yours. Upload the spreadsheet again.")
        return redirect("steps:framework_import", step_framework_id=framework.pk)
    refusals: list[str] = []
    try:
        added = build_structure(user, framework, _rows_of(payload))
    except StepsError as error:
        refusals.append(str(error))
    except IntegrityError:  # a statement with one of these codes was added since the preview
        refusals.append("Another import added some of these codes since the preview.")
    else:
        source = payload.get("file", "the spreadsheet")
        messages.success(request, f"{added} statement{'s' if added != 1 else ''} imported from {source}.")
        return _detail(framework)
    refusals.append(f"Nothing was imported from {payload.get('file', 'the spreadsheet')}: upload it again.")
    context.update({"form": StatementsSheetForm(), "refusals": refusals})
    return render(request, "steps/frameworks/import.html", context)


# --- changing a framework ----------------------------------------------------------------------


@access_rule(MANAGE_ONE)
def framework_settings(request: SignedInRequest, step_framework_id: int) -> HttpResponse:
    user = request.user
    framework = _managed(user, step_framework_id)
    if not framework.scored:
        messages.error(request, f"{framework.name} is never scored: it has no % of a step to work out.")
        return _detail(framework)
    initial = {
        "partial_credit": framework.partial_credit,
        "step_complete_percent": framework.step_complete_percent,
    }
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change_settings(
                user,
                framework,
                partial_credit=form.cleaned_data["partial_credit"],
                step_complete_percent=form.cleaned_data["step_complete_percent"],
            )
        except StepsError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{framework.name}: settings saved. Every measure now uses them.")
            return _detail(framework)
    return render(
        request,
        "steps/frameworks/settings.html",
        {
            "framework": framework,
            "form": form,
            "breadcrumbs": _crumbs(
                (
                    framework.name,
                    reverse("steps:framework_detail", kwargs={"step_framework_id": framework.pk}),
                ),
                ("Settings", ""),
            ),
        },
    )


@access_rule(MANAGE_ONE)
def framework_share(request: SignedInRequest, step_framework_id: int) -> HttpResponse:
    """Offer a trust framework to the trust's schools (``shared=1``) or withdraw it (``shared=0``).
    A GET goes back to the framework's page, where the button is."""
    user = request.user
    framework = _managed(user, step_framework_id)
    if request.method != "POST":
        return _detail(framework)
    shared = request.POST.get("shared", "1") != "0"
    try:
        share_framework(user, framework, shared)
    except StepsError as error:
        messages.error(request, str(error))
    else:
        if shared:
            messages.success(request, f"{framework.name} is shared: the trust's schools may use it.")
        else:
            messages.success(request, f"{framework.name} is no longer offered to the trust's schools.")
    return _detail(framework)


def _statement(framework: StepFramework, statement_id: int) -> Statement:
    return get_or_404(
        Statement.objects.filter(area__framework=framework).select_related("area", "step"), pk=statement_id
    )


@access_rule(MANAGE_ONE)
def statement_edit(request: SignedInRequest, step_framework_id: int, statement_id: int) -> HttpResponse:
    """A statement's words and their history; new words keep the old ones."""
    user = request.user
    framework = _managed(user, step_framework_id)
    statement = _statement(framework, statement_id)
    form = RewordForm(request.POST if request.method == "POST" else None, initial={"text": statement.text})
    if request.method == "POST" and form.is_valid():
        try:
            reword_statement(user, statement, form.cleaned_data["text"])
        except StepsError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{statement.code} is reworded; its earlier words are kept.")
            return _detail(framework, f"statement-{statement.pk}")
    return render(
        request,
        "steps/frameworks/statement.html",
        {
            "framework": framework,
            "statement": statement,
            "wordings": list(statement.wordings.select_related("changed_by").order_by("-version")),
            "form": form,
            "breadcrumbs": _crumbs(
                (
                    framework.name,
                    reverse("steps:framework_detail", kwargs={"step_framework_id": framework.pk}),
                ),
                (statement.code, ""),
            ),
        },
    )


@access_rule(MANAGE_ONE)
def statement_remove(request: SignedInRequest, step_framework_id: int, statement_id: int) -> HttpResponse:
    """Take a statement out from today: its records stay and count for the days before. A GET
    goes to the statement's page, where the button is."""
    user = request.user
    framework = _managed(user, step_framework_id)
    statement = _statement(framework, statement_id)
    if request.method != "POST":
        return redirect("steps:statement_edit", step_framework_id=framework.pk, statement_id=statement.pk)
    try:
        remove_statement(user, statement)
    except StepsError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{statement.code} is removed from today; its records stay and count for the days before.",
        )
    return _detail(framework, f"statement-{statement.pk}")


@access_rule(MANAGE_ONE)
def area_subject(request: SignedInRequest, step_framework_id: int, area_id: int) -> HttpResponse:
    """The subject an area of a linear framework stands for in data drops."""
    user = request.user
    framework = _managed(user, step_framework_id)
    area = get_or_404(StepArea.objects.filter(framework=framework).select_related("subject"), pk=area_id)
    if framework.shape != Shape.LINEAR:
        messages.error(
            request,
            f"Only the areas of a linear framework stand for a subject; {framework.name} is a "
            f"{framework.get_shape_display().lower()}.",
        )
        return _detail(framework)
    trust = framework.trust or user_trust(user)
    subjects = subjects_for(trust, framework.school) if framework.school is not None else subjects_for(trust)
    data = request.POST if request.method == "POST" else None
    form = AreaSubjectForm(data, initial={"subject": area.subject_id}, subjects=subjects)
    if request.method == "POST" and form.is_valid():
        subject = form.cleaned_data["subject"]
        try:
            set_area_subject(user, area, subject)
        except StepsError as error:
            add_service_error(form, error)
        else:
            said = f"stands for {subject.name}" if subject is not None else "stands for no subject"
            messages.success(request, f"{area.name} {said} in data drops.")
            return _detail(framework, f"area-{area.pk}")
    return render(
        request,
        "steps/frameworks/area_subject.html",
        {
            "framework": framework,
            "area": area,
            "form": form,
            "breadcrumbs": _crumbs(
                (
                    framework.name,
                    reverse("steps:framework_detail", kwargs={"step_framework_id": framework.pk}),
                ),
                (area.name, ""),
            ),
        },
    )
