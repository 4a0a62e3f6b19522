"""The pupil import in the product: upload, preview (a dry run, row by row), import.

Every batch is looked up among the user's own batches at schools where they may still import
(:func:`visible_batches`); anything else answers 404, exactly like a batch that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Viewer
from strides.access.gate import get_or_404
from strides.access.readers import visible_uploads
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.imports import batches
from strides.imports.batch_pages import (
    BatchWording,
    announce_import,
    preview_context,
    progress_context,
    progress_response,
    status_tag,
    tag_recent,
)
from strides.imports.fields import CHANGE_LABELS, TEMPLATE_HEADERS, describe_sen, describe_value
from strides.imports.forms import UploadForm
from strides.imports.models import ImportBatch

UPLOAD_RULE = AccessRule(Capability.IMPORT_PUPILS, description="schools where the user may import pupils")
BATCH_RULE = AccessRule(
    Capability.IMPORT_PUPILS,
    object_scoped=True,
    description="the user's own uploads, at schools where they may still import",
)
SEN_SHOWN = 500  # staged SEN changes listed on the page; the rest counted
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
IMPORT_STAGES = {**STAGES, "writing": "Writing the pupils"}
WORDING = BatchWording(
    things="pupils",
    thing="pupil",
    counted="pupil",
    written="written",
    ignored_because="not pupil fields Strides keeps",
    nothing_to_import="every pupil in the file is already up to date.",
    field_heading="Field",
)


def visible_batches(user: Viewer) -> QuerySet[ImportBatch]:
    """The user's own pupil uploads, at schools where they may still import (the gate's reader)."""
    return visible_uploads(user, ImportBatch).select_related("school")


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
    recent = tag_recent(visible_batches(request.user).defer("content", "report")[:10])
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
        "tag": status_tag(item.status),
        "wording": WORDING,
        "target": item.school.name,
        "upload_url": reverse("imports:upload"),
        "commit_url": reverse("imports:commit", kwargs={"batch_id": item.pk}),
        "breadcrumbs": [
            ("Home", reverse("web:home")),
            ("Import pupils", reverse("imports:upload")),
            (item.filename, None),
        ],
    }
    if item.in_progress:
        context.update(_progress(item))
    else:
        report = item.import_report()
        context.update(preview_context(request, report, SECTIONS))
        context["sen_staged"] = [
            {
                **change,
                "before_text": describe_sen(change["before"]),
                "proposed_text": describe_sen(change["proposed"]),
            }
            for change in report.sen_staged[:SEN_SHOWN]
        ]
        context["sen_staged_more"] = max(0, len(report.sen_staged) - SEN_SHOWN)
        if context["show"] == "updated":
            for row in context["page"].object_list:
                row.change_list = [
                    (CHANGE_LABELS.get(name, name), describe_value(name, old), describe_value(name, new))
                    for name, (old, new) in row.changes.items()
                ]
    return render(request, "imports/batch.html", context)


def _progress(item: ImportBatch) -> dict[str, Any]:
    return progress_context(
        item,
        IMPORT_STAGES if item.status == ImportBatch.Status.IMPORTING else STAGES,
        progress_url=reverse("imports:progress", kwargs={"batch_id": item.pk}),
        preview_url=reverse("imports:batch", kwargs={"batch_id": item.pk}),
    )


@access_rule(BATCH_RULE)
def progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; when the work is done, htmx is sent to the preview."""
    item = get_or_404(visible_batches(request.user).defer("content", "report"), pk=batch_id)
    return progress_response(request, item, _progress(item))


@access_rule(BATCH_RULE)
@require_POST
def commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    item = get_or_404(visible_batches(request.user).select_related("uploaded_by"), pk=batch_id)
    announce_import(
        request,
        item,
        batches.start_import(item),
        target=item.school.name,
        read_report=ImportBatch.import_report,
        refused="Nothing was imported: pupils in Strides changed since the check, and some rows are now "
        "refused.",
    )
    return redirect("imports:batch", batch_id=item.pk)
