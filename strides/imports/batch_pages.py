"""What the pages of an uploaded batch share, whatever it imports (pupils in
:mod:`strides.imports.views`, drop levels in :mod:`strides.assessment.sheets_views`): the status
tags, the preview of a check's report section by section, the progress bar that htmx polls, and
the message after an import. Each kind's page extends ``imports/upload_batch.html``, worded by a
:class:`BatchWording`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from strides.imports.models import UploadBatch
from strides.imports.records import Report

PAGE_SIZE = 100
Status = UploadBatch.Status
STATUS_TAGS = {
    Status.READY: "good",
    Status.IMPORTED: "good",
    Status.REFUSED: "bad",
    Status.FAILED: "bad",
    Status.EXPIRED: "bad",
    Status.CHECKING: "warn",
    Status.IMPORTING: "warn",
}
# the sections of a report, the ones with rows first (refused rows before anything else)
SECTION_ORDER = ("refused", "updated", "created", "unchanged")
PROGRESS_TEMPLATE = "imports/_batch_progress.html"
FAILED_MESSAGE = "Nothing was imported: something went wrong, and the error has been logged."


@dataclass(frozen=True)
class BatchWording:
    """How one kind of import speaks of what it imports, on the shared batch page."""

    things: str  # what is imported, in the plural: "The pupils are being imported"
    thing: str  # and in the singular: "before any pupil is imported"
    counted: str  # what the report counts: "3 pupils", "3 judgements"
    written: str  # "nothing will be written"
    ignored_because: str  # why the ignored columns are ignored
    nothing_to_import: str  # said of a clean file that changes nothing
    field_heading: str  # what a refused row's field is called: "Field", "Column"


def status_tag(status: str) -> str:
    return STATUS_TAGS.get(status, "")


def tag_recent(batches: Iterable[UploadBatch]) -> list[UploadBatch]:
    """The user's recent uploads, each with its status tag for the list."""
    recent = list(batches)
    for item in recent:
        item.tag = status_tag(item.status)
    return recent


def preview_context(request: HttpRequest, report: Report, sections: dict[str, str]) -> dict[str, Any]:
    """The report of a check (or an import) as the page shows it: the count of each section, the
    section asked for (``?show=``; by default the first with rows), a page of its rows, and the
    problems with the file as a whole."""
    counts = {
        "refused": report.refused_rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    show = request.GET.get("show", "")
    if show not in sections:
        show = next((name for name in SECTION_ORDER if counts[name]), "created")
    items: list[Any] = report.errors if show == "refused" else [r for r in report.rows if r.outcome == show]
    return {
        "report": report,
        "counts": counts,
        "sections": [(name, label, counts[name]) for name, label in sections.items()],
        "show": show,
        "show_label": sections[show],
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "file_errors": [e for e in report.errors if e.row is None or e.field == "file"],
        "to_import": report.created + report.updated,
        "to_write": report.to_write,
    }


def progress_context(
    batch: UploadBatch, stages: dict[str, str], *, progress_url: str, preview_url: str
) -> dict[str, Any]:
    """The progress bar of a batch worked on in the background (``stages`` names each stage)."""
    total, done = batch.progress_total, min(batch.progress_done, batch.progress_total)
    return {
        "batch": batch,
        "stage": stages.get(batch.progress_stage, "Waiting to start"),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else None,
        "progress_url": progress_url,
        "preview_url": preview_url,
    }


def progress_response(request: HttpRequest, batch: UploadBatch, context: dict[str, Any]) -> HttpResponse:
    """The progress bar, polled by htmx; when the work is done, htmx is sent to the preview (and
    a request that is not htmx's goes there at once)."""
    url = context["preview_url"]
    if not request.headers.get("HX-Request"):
        return redirect(url)
    if not batch.in_progress:
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return render(request, PROGRESS_TEMPLATE, context)


def announce_import(
    request: HttpRequest,
    batch: UploadBatch,
    started: bool,
    *,
    target: str,
    read_report: Callable[[UploadBatch], Report],
    refused: str,
) -> None:
    """The message after the Import button: what was imported into ``target``, ``refused`` when
    rows were refused at the import, or why the batch could not be imported at all."""
    if not started:
        messages.error(
            request, f"This file cannot be imported: its status is '{batch.get_status_display().lower()}'."
        )
    elif batch.status == Status.IMPORTED:
        report = read_report(batch)
        messages.success(
            request,
            f"Imported into {target}: {report.created} new, {report.updated} changed, "
            f"{report.unchanged} unchanged.",
        )
    elif batch.status == Status.REFUSED:
        messages.error(request, refused)
    elif batch.status == Status.FAILED:
        messages.error(request, FAILED_MESSAGE)
