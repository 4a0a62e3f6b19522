"""Bespoke frameworks: typed in level by level, or from a spreadsheet (upload, a preview of
every level or every refused row with its row, column and value, then create), and the
spreadsheet's template. Writes through ``strides.frameworks.services.create_framework``.

Access rules and shared lookups: ``strides.frameworks.page_helpers``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.rules import access_rule
from strides.frameworks.forms import LEVEL_ROWS_STEP, MAX_LEVEL_ROWS, FrameworkForm, LevelFormSet, SheetForm
from strides.frameworks.models import Framework, ScalePoint
from strides.frameworks.page_helpers import MANAGE, crumbs, scale_points, user_trust
from strides.frameworks.services import FrameworkError, create_framework
from strides.frameworks.sheets import TEMPLATE_HEADER, SheetError, parse_levels
from strides.organisations.models import Trust

SHEET_SALT = "strides.frameworks.sheet-preview"
SHEET_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed


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
    scale, points = scale_points(trust, user)
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
            "breadcrumbs": crumbs(("New framework", "")),
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
    scale, points = scale_points(trust, user)
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
                            "breadcrumbs": crumbs(
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
    context.update({"form": form, "breadcrumbs": crumbs(("From a spreadsheet", ""))})
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
    context.update({"form": form, "breadcrumbs": crumbs(("From a spreadsheet", ""))})
    return render(request, "frameworks/import.html", context)


@access_rule(MANAGE)
def import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the header row a framework spreadsheet needs."""
    response = HttpResponse(",".join(TEMPLATE_HEADER) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="framework-levels-template.csv"'
    return response
