"""Data-drop spreadsheets in the product: a drop's spreadsheet page (templates per school, the
upload, exports), the check of an upload (a preview, row by row), the import, and the exports.

A drop is looked up among the drops of the user's trust; a school among the drop's schools where
the user may record or import; an upload among the user's own (:func:`visible_batches`). Anything
else answers 404, exactly like something that does not exist.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Viewer
from strides.access.gate import get_or_404, schools_with, scope_for
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.closed_notices import closed_notice
from strides.assessment.grid_queries import reopeners
from strides.assessment.models import DataDrop, DropImportBatch, DropSchool
from strides.assessment.sheets import batches
from strides.assessment.sheets.batches import EXTENSIONS, visible_batches
from strides.assessment.sheets.export import csv_lines, export_rows, write_xlsx
from strides.assessment.sheets.importer import DropImportReport
from strides.assessment.sheets.template import TemplateError, build_template
from strides.frameworks.models import Subject
from strides.frameworks.queries import subjects_owed
from strides.imports.batch_pages import (
    BatchWording,
    announce_import,
    preview_context,
    progress_context,
    progress_response,
    status_tag,
    tag_recent,
)
from strides.organisations.models import School

INDEX_RULE = AccessRule(
    Capability.RECORD_ASSESSMENT, description="drops of the user's trust with a school where they record"
)
PAGE_RULE = AccessRule(
    Capability.RECORD_ASSESSMENT,
    object_scoped=True,
    description="a drop of the user's trust: templates where they record, uploads where they import",
)
TEMPLATE_RULE = AccessRule(
    Capability.RECORD_ASSESSMENT,
    object_scoped=True,
    description="a school of the drop where the user records or imports; pupils they may see",
)
BATCH_RULE = AccessRule(
    Capability.IMPORT_ASSESSMENT,
    object_scoped=True,
    description="the user's own uploads, while they may still import",
)
EXPORT_RULE = AccessRule(
    Capability.VIEW_PUPILS,
    object_scoped=True,
    description="a drop of the user's trust; judgements of pupils they see at schools where they may",
)
SECTIONS = {"refused": "Refused", "created": "New", "updated": "Changed", "unchanged": "Unchanged"}
STAGES = {"checking": "Checking the file", "writing": "Importing the levels"}
WORDING = BatchWording(
    things="levels",
    thing="level",
    counted="judgement",
    written="saved",
    ignored_because="not a UPN, a subject of this drop or a subject's notes",
    nothing_to_import="every level in the file is already recorded.",
    field_heading="Column",
)


# --- lookups through the gate --------------------------------------------------------------------


def trust_drops(user: Viewer) -> QuerySet[DataDrop]:
    return DataDrop.objects.filter(trust_id__in=scope_for(user).trust_ids).select_related("academic_year")


def _drop(request: HttpRequest, drop_slug: str) -> DataDrop:
    return get_or_404(trust_drops(request.user), slug=drop_slug)


def _school_ids(user: Viewer, *capabilities: Capability) -> set[int]:
    ids: set[int] = set()
    for capability in capabilities:
        ids |= set(schools_with(user, capability).values_list("pk", flat=True))
    return ids


def template_parts(user: Viewer, drop: DataDrop) -> list[DropSchool]:
    """The drop's schools where the user records or imports. Each part carries ``notice``: empty
    while it is open, else who submitted or locked it, when, and who can reopen it
    (:func:`closed_notice`); such a part is offered no template and no upload (issue 8)."""
    ids = _school_ids(user, Capability.RECORD_ASSESSMENT, Capability.IMPORT_ASSESSMENT)
    parts = list(
        DropSchool.objects.filter(drop=drop, school_id__in=ids)
        .select_related("school", "changed_by")
        .order_by("school__name")
    )
    names = reopeners(drop) if any(not p.teachers_may_edit for p in parts) else []
    for part in parts:
        part.drop = drop
        part.notice = closed_notice(part, names)
    return parts


def owed_by_parts(drop: DataDrop, parts: list[DropSchool]) -> tuple[list[Subject], bool]:
    """The subjects of ``drop`` owed by the schools of ``parts`` (``subjects_owed``, the one rule:
    a primary owes no secondary subject), each part given its own as ``part.subjects``; and
    whether every school owes the same. The list is the union, in the drop's order."""
    owed = subjects_owed(drop, [p.school for p in parts])
    union: dict[int, Subject] = {}
    for part in parts:
        part.subjects = owed[part.school_id]
        union.update((s.pk, s) for s in part.subjects)
    subjects = sorted(union.values(), key=lambda s: (s.order, s.name, s.pk))
    same = len({tuple(s.pk for s in p.subjects) for p in parts}) <= 1
    return subjects, same


def _breadcrumbs(drop: DataDrop, *tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    crumbs = [
        ("Home", reverse("web:home")),
        ("Data drops", reverse("assessment:drop_list")),
        (drop.name, reverse("assessment:drop_detail", kwargs={"drop_slug": drop.slug})),
    ]
    return crumbs + list(tail)


# --- the pages -----------------------------------------------------------------------------------


@access_rule(INDEX_RULE)
def index(request: HttpRequest) -> HttpResponse:
    """Drops with a school where the user records: each drop's spreadsheet page."""
    ids = _school_ids(request.user, Capability.RECORD_ASSESSMENT, Capability.IMPORT_ASSESSMENT)
    drops = list(
        trust_drops(request.user)
        .filter(school_parts__school_id__in=ids)
        .distinct()
        .order_by("-assessed_on", "name")
    )
    return render(
        request,
        "assessment/sheets/index.html",
        {"drops": drops, "breadcrumbs": [("Home", reverse("web:home")), ("Drop spreadsheets", None)]},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="The drop template filled in, or your own spreadsheet with a UPN column and a column "
        "per subject (.xlsx or .csv).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(EXTENSIONS)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.STRIDES_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest file Strides imports is "
                f"{filesizeformat(limit)}. Split it by school and import each part."
            )
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError("Choose an .xlsx, .xls or .ods workbook, or a .csv file.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


@access_rule(PAGE_RULE)
def upload(request: HttpRequest, drop_slug: str) -> HttpResponse:
    """A drop's spreadsheet page: templates, the upload (for importers) and the exports."""
    drop = _drop(request, drop_slug)
    user = request.user
    import_ids = _school_ids(user, Capability.IMPORT_ASSESSMENT)
    parts = template_parts(user, drop)
    if not parts:  # none of the drop's schools is one of theirs: as if there were no such drop
        raise Http404("Not found")
    importing = [p for p in parts if p.school_id in import_ids]
    may_import = any(p.teachers_may_edit for p in importing)
    form = UploadForm()
    if request.method == "POST":
        if not may_import:
            refusal = (
                " ".join(p.notice for p in importing)
                or f"You cannot import levels into a school of {drop.name}."
            )
            messages.error(request, refusal)
            return redirect("assessment:sheet_upload", drop_slug=drop.slug)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            file = form.cleaned_data["file"]
            batch = batches.create_batch(user, drop, file.name, b"".join(file.chunks()))
            batches.start_check(batch)
            return redirect("assessment:sheet_preview", drop_slug=drop.slug, drop_batch_id=batch.pk)
    recent = tag_recent(visible_batches(user).filter(drop=drop).defer("content", "report", "versions")[:10])
    subjects, same_everywhere = owed_by_parts(drop, parts)
    importing_subjects, same_for_import = owed_by_parts(drop, importing)
    may_export = bool(_school_ids(user, Capability.VIEW_PUPILS, Capability.MANAGE_DROPS))
    return render(
        request,
        "assessment/sheets/upload.html",
        {
            "drop": drop,
            "parts": parts,
            "may_import": may_import,
            "all_closed": bool(importing) and not may_import,
            "may_export": may_export,
            "form": form,
            "recent": recent,
            "subjects": subjects,
            "same_everywhere": same_everywhere,
            "importing_subjects": importing_subjects,
            "same_for_import": same_for_import,
            "breadcrumbs": _breadcrumbs(drop, ("Spreadsheets", None)),
        },
    )


@access_rule(TEMPLATE_RULE)
def template(request: HttpRequest, drop_slug: str, urn: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    part = get_or_404(
        DropSchool.objects.filter(
            drop=drop, school_id__in=[p.school_id for p in template_parts(request.user, drop)]
        ),
        school__urn=urn,
    )
    school: School = part.school
    if not part.teachers_may_edit:  # nothing could be imported from it: say so once, no file
        part.drop = drop
        messages.error(request, closed_notice(part))
        return redirect("assessment:sheet_upload", drop_slug=drop.slug)
    try:
        content = build_template(drop, school, request.user)
    except TemplateError as problem:  # the school left the drop between the two queries
        messages.error(request, str(problem))
        return redirect("assessment:sheet_upload", drop_slug=drop.slug)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{drop.slug}-{school.urn}.xlsx"'
    return response


def _batch(request: HttpRequest, drop_slug: str, drop_batch_id: int, *defer: str) -> DropImportBatch:
    return get_or_404(visible_batches(request.user).defer(*defer), pk=drop_batch_id, drop__slug=drop_slug)


@access_rule(BATCH_RULE)
def batch(request: HttpRequest, drop_slug: str, drop_batch_id: int) -> HttpResponse:
    item = _batch(request, drop_slug, drop_batch_id, "content", "versions")
    drop = item.drop
    upload_url = reverse("assessment:sheet_upload", kwargs={"drop_slug": drop.slug})
    context: dict[str, Any] = {
        "batch": item,
        "drop": drop,
        "tag": status_tag(item.status),
        "wording": WORDING,
        "target": drop.name,
        "upload_url": upload_url,
        "commit_url": reverse(
            "assessment:sheet_commit", kwargs={"drop_slug": drop.slug, "drop_batch_id": item.pk}
        ),
        "breadcrumbs": _breadcrumbs(drop, ("Spreadsheets", upload_url), (item.filename, None)),
    }
    if item.in_progress:
        context.update(_progress(item, drop_slug))
    else:
        context.update(preview_context(request, DropImportReport.from_json(item.report or {}), SECTIONS))
    return render(request, "assessment/sheets/batch.html", context)


def _progress(item: DropImportBatch, drop_slug: str) -> dict[str, Any]:
    kwargs = {"drop_slug": drop_slug, "drop_batch_id": item.pk}
    return progress_context(
        item,
        STAGES,
        progress_url=reverse("assessment:sheet_progress", kwargs=kwargs),
        preview_url=reverse("assessment:sheet_preview", kwargs=kwargs),
    )


@access_rule(BATCH_RULE)
def progress(request: HttpRequest, drop_slug: str, drop_batch_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; when the work is done, htmx is sent to the preview."""
    item = _batch(request, drop_slug, drop_batch_id, "content", "report", "versions")
    return progress_response(request, item, _progress(item, drop_slug))


@access_rule(BATCH_RULE)
@require_POST
def commit(request: HttpRequest, drop_slug: str, drop_batch_id: int) -> HttpResponse:
    item = _batch(request, drop_slug, drop_batch_id)
    announce_import(
        request,
        item,
        batches.start_import(item),
        target=item.drop.name,
        read_report=lambda done: DropImportReport.from_json(done.report),
        refused="Nothing was imported: judgements changed since the check, or some rows are now refused. "
        "The rows are listed below.",
    )
    return redirect("assessment:sheet_preview", drop_slug=drop_slug, drop_batch_id=item.pk)


@access_rule(EXPORT_RULE)
def export_csv(request: HttpRequest, drop_slug: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    response = StreamingHttpResponse(
        csv_lines(export_rows(drop, request.user)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{drop.slug}.csv"'
    return response


@access_rule(EXPORT_RULE)
def export_xlsx(request: HttpRequest, drop_slug: str) -> HttpResponse:
    drop = _drop(request, drop_slug)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(export_rows(drop, request.user), spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{drop.slug}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
