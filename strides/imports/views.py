"""The pupil import in the product: upload, preview (a dry run, row by row), import.

Every batch is looked up among the user's own batches at schools where they may still import
(:func:`visible_batches`); anything else answers 404, exactly like a batch that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.gate import get_or_404, schools_with
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.imports import batches
from strides.imports.fields import CHANGE_LABELS, TEMPLATE_HEADERS, describe_value
from strides.imports.forms import UploadForm
from strides.imports.models import ImportBatch
from strides.imports.records import ImportReport

UPLOAD_RULE = AccessRule(Capability.IMPORT_PUPILS, description="schools where the user may import pupils")
BATCH_RULE = AccessRule(
    Capability.IMPORT_PUPILS,
    object_scoped=True,
    description="the user's own uploads, at schools where they may still import",
)
PAGE_SIZE = 100
SECTIONS = {
    "refused": "Refused",
    "created": "New pupils",
    "updated": "Changed",
    "unchanged": "Unchanged",
}
STAGES = {
    "reading": "Reading the file",
    "checking": "Matching pupils already in Strides",
    "writing": "Working out the changes",
}
STATUS_TAGS = {
    ImportBatch.Status.READY: "good",
    ImportBatch.Status.IMPORTED: "good",
    ImportBatch.Status.REFUSED: "bad",
    ImportBatch.Status.FAILED: "bad",
    ImportBatch.Status.CHECKING: "warn",
    ImportBatch.Status.IMPORTING: "warn",
}


def visible_batches(user: Any) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(
        uploaded_by=user, school__in=schools_with(user, Capability.IMPORT_PUPILS)
    ).select_related("school")


@access_rule(UPLOAD_RULE)
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = b"".join(upload.chunks())
            batch = batches.create_batch(request.user, form.cleaned_data["school"], upload.name, content)
            batches.start_check(batch)
            return redirect("imports:batch", batch_id=batch.pk)
    else:
        form = UploadForm(user=request.user)
    recent = list(visible_batches(request.user).defer("content", "report")[:10])
    for item in recent:
        item.tag = STATUS_TAGS.get(item.status, "")
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "recent": recent,
            "headers": TEMPLATE_HEADERS,
            "breadcrumbs": [("Home", reverse("web:home")), ("Import pupils", None)],
        },
    )


@access_rule(UPLOAD_RULE)
def template(request: HttpRequest) -> HttpResponse:
    """The import template: a CSV with the canonical header row."""
    response = HttpResponse(",".join(TEMPLATE_HEADERS) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pupil-import-template.csv"'
    return response


@access_rule(BATCH_RULE)
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    item = get_or_404(visible_batches(request.user).defer("content"), pk=batch_id)
    context: dict[str, Any] = {
        "batch": item,
        "tag": STATUS_TAGS.get(item.status, ""),
        "breadcrumbs": [
            ("Home", reverse("web:home")),
            ("Import pupils", reverse("imports:upload")),
            (item.filename, None),
        ],
    }
    if item.in_progress:
        context.update(_progress(item))
    else:
        context.update(_preview(request, item.import_report()))
    return render(request, "imports/batch.html", context)


def _preview(request: HttpRequest, report: ImportReport) -> dict[str, Any]:
    counts = {
        "refused": report.refused_rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    show = request.GET.get("show", "")
    if show not in SECTIONS:
        show = next(
            (name for name in ("refused", "updated", "created", "unchanged") if counts[name]), "created"
        )
    if show == "refused":
        items: list[Any] = report.errors
    else:
        items = [row for row in report.rows if row.outcome == show]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    if show == "updated":
        for row in page.object_list:
            row.change_list = [
                (CHANGE_LABELS.get(name, name), describe_value(name, old), describe_value(name, new))
                for name, (old, new) in row.changes.items()
            ]
    sections = [(name, label, counts[name]) for name, label in SECTIONS.items()]
    return {
        "report": report,
        "counts": counts,
        "sections": sections,
        "show": show,
        "show_label": SECTIONS[show],
        "page": page,
        "file_errors": [e for e in report.errors if e.row is None],
    }


def _progress(item: ImportBatch) -> dict[str, Any]:
    total, done = item.progress_total, min(item.progress_done, item.progress_total)
    stage = STAGES.get(item.progress_stage, "Waiting to start")
    if item.status == ImportBatch.Status.IMPORTING and item.progress_stage == "writing":
        stage = "Writing the pupils"
    return {
        "batch": item,
        "stage": stage,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else None,
    }


@access_rule(BATCH_RULE)
def progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; when the work is done, htmx is sent to the preview."""
    item = get_or_404(visible_batches(request.user).defer("content", "report"), pk=batch_id)
    url = reverse("imports:batch", kwargs={"batch_id": item.pk})
    if not request.headers.get("HX-Request"):
        return redirect(url)
    if not item.in_progress:
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return render(request, "imports/_progress.html", _progress(item))


@access_rule(BATCH_RULE)
@require_POST
def commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    item = get_or_404(visible_batches(request.user).select_related("uploaded_by"), pk=batch_id)
    if not batches.start_import(item):
        messages.error(
            request, f"This file cannot be imported: its status is '{item.get_status_display().lower()}'."
        )
    elif item.status == ImportBatch.Status.IMPORTED:
        report = item.import_report()
        messages.success(
            request,
            f"Imported into {item.school.name}: {report.created} new, {report.updated} changed, "
            f"{report.unchanged} unchanged.",
        )
    elif item.status == ImportBatch.Status.REFUSED:
        messages.error(
            request,
            "Nothing was imported: pupils in Strides changed since the check, and some rows are now refused.",
        )
    elif item.status == ImportBatch.Status.FAILED:
        messages.error(request, "Nothing was imported: something went wrong, and the error has been logged.")
    return redirect("imports:batch", batch_id=item.pk)
