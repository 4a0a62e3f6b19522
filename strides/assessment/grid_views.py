"""The class grid: a teacher records a drop for their class like a spreadsheet.

- ``grid_home``: the drops where the user records judgements (the nav link lands here).
- ``grid_index``: "my classes for this drop", with n of N recorded for each.
- ``grid``: the class x subjects grid. grid.js makes it a spreadsheet and saves each cell.
- ``grid_save``: one cell's save (POST, JSON answer). The level is resolved here, on the pupil's
  framework, whatever grid.js thought; the write is ``record_judgement`` with the version the
  cell was loaded with, so a save over someone else's newer edit is refused with both values.

The class comes through ``visible_classes`` and its pupils through ``visible_pupils``: another
school's class, another teacher's class or a pupil not in the class answers 404 like a missing one.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.actor import Actor, Viewer
from strides.access.gate import can, get_or_404, scope_for, visible_classes
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.grid_html import cell_html
from strides.assessment.grid_queries import (
    build_grid,
    closed_by,
    closed_reason,
    drops_for_user,
    grid_classes,
    reopeners,
)
from strides.assessment.models import DataDrop, DropSchool
from strides.assessment.services.grid_cells import MAX_BATCH, Answer, SaveContext, save_cell, withdraw_cell
from strides.classes.models import TeachingGroup
from strides.frameworks.configuration import stamp_subquery
from strides.navigation import school_crumbs

RECORD = AccessRule(Capability.RECORD_ASSESSMENT, object_scoped=True)


def _drop_in_reach(user: Viewer, drop_slug: str) -> DataDrop:
    """A drop of one of the user's trusts; any other answers 404 like a missing one."""
    trusts = scope_for(user).trust_ids
    return get_or_404(
        DataDrop.objects.filter(trust_id__in=trusts).select_related("academic_year"), slug=drop_slug
    )


def _parts_in_reach(user: Viewer, drop_slug: str) -> QuerySet[DropSchool]:
    """Schools' parts of the drop called ``drop_slug``, if it is a drop of the user's trusts."""
    return DropSchool.objects.filter(drop__slug=drop_slug, drop__trust_id__in=scope_for(user).trust_ids)


def _grid_objects(user: Viewer, drop_slug: str, group_id: int) -> tuple[DataDrop, TeachingGroup, DropSchool]:
    """The drop, the class and the school's part of the drop, or 404: the class must be visible
    through the gate, the user must record judgements at its school, the school must be in the
    drop and the class must belong to the drop's academic year. Two queries."""
    group = get_or_404(visible_classes(user).select_related("school", "academic_year"), pk=group_id)
    if not can(user, Capability.RECORD_ASSESSMENT, group.school):
        raise Http404("Not found")
    part = get_or_404(
        _parts_in_reach(user, drop_slug)
        .select_related("drop", "drop__academic_year", "changed_by")
        .annotate(configuration_token=stamp_subquery()),
        school=group.school,
        drop__academic_year_id=group.academic_year_id,
    )
    part.school = group.school
    return part.drop, group, part


def _save_objects(user: Actor, drop_slug: str, group_id: int) -> DropSchool:
    """The school's part of the drop (with the drop and the school) for a save into class
    ``group_id``, under the same rules as :func:`_grid_objects`, in one query: the class is
    checked through the gate inside it, since a save needs only its id and school."""
    classes = visible_classes(user).filter(
        pk=group_id, school_id=OuterRef("school_id"), academic_year_id=OuterRef("drop__academic_year_id")
    )
    parts = (
        _parts_in_reach(user, drop_slug)
        .filter(Exists(classes))
        .select_related("drop", "school")
        .annotate(configuration_token=stamp_subquery())  # SaveContext keeps the trust's frameworks under it
    )
    part = get_or_404(parts)
    if not can(user, Capability.RECORD_ASSESSMENT, part.school):
        raise Http404("Not found")
    return part


@access_rule(AccessRule(Capability.RECORD_ASSESSMENT))
def grid_home(request: HttpRequest) -> HttpResponse:
    current, past = drops_for_user(request.user)
    context = {
        "current": current,
        "past": past,
        "breadcrumbs": [("Home", reverse("web:home")), ("Record judgements", "")],
    }
    return render(request, "assessment/grid_home.html", context)


@access_rule(RECORD)
def grid_index(request: HttpRequest, drop_slug: str) -> HttpResponse:
    drop = _drop_in_reach(request.user, drop_slug)
    schools = grid_classes(request.user, drop)
    context = {
        "drop": drop,
        "schools": schools,
        "breadcrumbs": [
            ("Home", reverse("web:home")),
            ("Record judgements", reverse("assessment:grid_home")),
            (drop.name, ""),
        ],
    }
    return render(request, "assessment/grid_index.html", context)


@access_rule(RECORD)
def grid(request: HttpRequest, drop_slug: str, group_id: int) -> HttpResponse:
    user = request.user
    drop, group, part = _grid_objects(user, drop_slug, group_id)
    class_grid = build_grid(user, drop, group, part)
    read_only = not part.teachers_may_edit
    for row in class_grid.rows:
        for cell in row.cells:
            cell.html = cell_html(cell, row.nc_year, read_only)
    context = {
        "grid": class_grid,
        "drop": drop,
        "group": group,
        "part": part,
        "closed_reason": closed_reason(part),
        # a closed grid says who closed it and who can reopen it, instead of how to type
        "closed_by": closed_by(part),
        "reopeners": reopeners(drop) if read_only else [],
        # once the school has submitted, only the trust (who may reopen) withdraws a judgement
        "can_withdraw": not read_only or can(user, Capability.MANAGE_DROPS, group.school),
        "breadcrumbs": [
            *school_crumbs(user, group.school),
            (group.name, reverse("classes:class_detail", kwargs={"group_id": group.pk})),
            (drop.name, reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug})),
            ("Grid", ""),
        ],
    }
    return render(request, "assessment/grid.html", context)


def _json(result: Answer) -> JsonResponse:
    return JsonResponse(result.body, status=result.http_status)


@access_rule(RECORD)
@require_POST
def grid_save(request: HttpRequest, drop_slug: str, group_id: int) -> HttpResponse:
    """Save one cell. Answers JSON with ``status``: saved, invalid (422), stale (409, with both
    values), closed (423) or refused (403).

    A fixed number of queries (pinned by a test): the part of the drop with the class checked
    through the gate, the pupil in the class, the subject, the pupil's framework, the trust's
    frameworks and levels (``codes.CodeBook``) and their previous judgement, then
    ``record_judgement``'s own (one to check, then lock, compare and write), then the scale's
    values when there is a previous value to compare the new one with (the jump warning)."""
    part = _save_objects(request.user, drop_slug, group_id)
    post = request.POST
    context = SaveContext(request.user, part, group_id, [_id(post.get("pupil"))], [post.get("subject", "")])
    result = save_cell(
        context, post.get("pupil"), post.get("subject"), post.get("value", ""), post.get("version", "")
    )
    if result.body["status"] == "missing":
        raise Http404("Not found")
    return _json(result)


def _batch_cells(request: HttpRequest) -> list[dict[str, Any]] | JsonResponse:
    """The cells of a batch (a JSON object ``{"cells": [...]}``), or the 400 saying what is
    wrong with the request as a whole."""
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(
            {"status": "invalid", "message": "The request is not JSON: reload the page."}, status=400
        )
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not cells:
        return JsonResponse(
            {"status": "invalid", "message": 'Send {"cells": [...]}: a list of at least one cell.'},
            status=400,
        )
    if len(cells) > MAX_BATCH:
        return JsonResponse(
            {
                "status": "invalid",
                "message": f"A batch holds at most {MAX_BATCH} cells; this one has {len(cells)}. "
                "Send the rest in another.",
            },
            status=400,
        )
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            return JsonResponse(
                {
                    "status": "invalid",
                    "message": f"Cell {index}: {cell!r} is not a cell (pupil, subject, value, version).",
                },
                status=400,
            )
    return cells


@access_rule(RECORD)
@require_POST
def grid_save_batch(request: HttpRequest, drop_slug: str, group_id: int) -> HttpResponse:
    """Save the cells of a batch in the order given, each on its own with its own lost-update
    check, and answer each cell's outcome in the same order (``{"results": [...]}``, each as
    ``grid_save`` answers one cell, with its ``pupil`` and ``subject``). A cell of another class
    or out of reach answers ``missing``, as a missing one. The batch answers 200 whatever its
    cells' outcomes; 400 only when the request itself is wrong (not JSON, no cells, too many).
    A fixed number of queries for the batch plus ``record_judgement``'s own for each cell."""
    part = _save_objects(request.user, drop_slug, group_id)
    cells = _batch_cells(request)
    if isinstance(cells, JsonResponse):
        return cells
    context = SaveContext(
        request.user,
        part,
        group_id,
        {_id(c.get("pupil")) for c in cells},
        {str(c.get("subject")) for c in cells},
    )
    results = []
    for cell in cells:
        result = save_cell(
            context, cell.get("pupil"), cell.get("subject"), cell.get("value"), cell.get("version")
        )
        results.append({"pupil": cell.get("pupil"), "subject": cell.get("subject"), **result.body})
    return JsonResponse({"results": results})


@access_rule(RECORD)
@require_POST
def grid_withdraw(request: HttpRequest, drop_slug: str, group_id: int) -> HttpResponse:
    """Withdraw one cell's judgement, recorded by mistake: ``pupil``, ``subject``, ``version``
    (the one the cell shows) and ``reason``. Answers ``withdrawn`` with the new version (typing a
    level in the cell again reinstates it), or stale (409), closed (423: after submission only the
    trust may), refused (403) or invalid (422: no reason)."""
    part = _save_objects(request.user, drop_slug, group_id)
    post = request.POST
    context = SaveContext(request.user, part, group_id, [_id(post.get("pupil"))], [post.get("subject", "")])
    result = withdraw_cell(
        context, post.get("pupil"), post.get("subject"), post.get("version"), post.get("reason")
    )
    if result.body["status"] == "missing":
        raise Http404("Not found")
    return _json(result)


def _id(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
