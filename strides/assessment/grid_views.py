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

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.gate import can, get_or_404, scope_for, visible_classes
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.assessment.grid_html import cell_html
from strides.assessment.grid_queries import (
    build_grid,
    cell_vocabulary,
    class_pupils,
    closed_by,
    closed_reason,
    drops_for_user,
    grid_classes,
    reopeners,
)
from strides.assessment.models import DataDrop, DropSchool
from strides.assessment.services import AssessmentError, DropClosed, StaleJudgement, record_judgement
from strides.classes.models import TeachingGroup
from strides.frameworks.codes import jump_warning
from strides.frameworks.models import ScalePoint
from strides.web.navigation import school_crumbs

RECORD = AccessRule(Capability.RECORD_ASSESSMENT, object_scoped=True)


def _drop_in_reach(user: Any, drop_slug: str) -> DataDrop:
    """A drop of one of the user's trusts; any other answers 404 like a missing one."""
    trusts = scope_for(user).trust_ids
    return get_or_404(
        DataDrop.objects.filter(trust_id__in=trusts).select_related("academic_year"), slug=drop_slug
    )


def _parts_in_reach(user: Any, drop_slug: str) -> QuerySet[DropSchool]:
    """Schools' parts of the drop called ``drop_slug``, if it is a drop of the user's trusts."""
    return DropSchool.objects.filter(drop__slug=drop_slug, drop__trust_id__in=scope_for(user).trust_ids)


def _grid_objects(user: Any, drop_slug: str, group_id: int) -> tuple[DataDrop, TeachingGroup, DropSchool]:
    """The drop, the class and the school's part of the drop, or 404: the class must be visible
    through the gate, the user must record judgements at its school, the school must be in the
    drop and the class must belong to the drop's academic year. Two queries."""
    group = get_or_404(visible_classes(user).select_related("school", "academic_year"), pk=group_id)
    if not can(user, Capability.RECORD_ASSESSMENT, group.school):
        raise Http404("Not found")
    part = get_or_404(
        _parts_in_reach(user, drop_slug).select_related("drop", "drop__academic_year", "changed_by"),
        school=group.school,
        drop__academic_year_id=group.academic_year_id,
    )
    part.school = group.school
    return part.drop, group, part


def _save_objects(user: Any, drop_slug: str, group_id: int) -> DropSchool:
    """The school's part of the drop (with the drop and the school) for a save into class
    ``group_id``, under the same rules as :func:`_grid_objects`, in one query: the class is
    checked through the gate inside it, since a save needs only its id and school."""
    classes = visible_classes(user).filter(
        pk=group_id, school_id=OuterRef("school_id"), academic_year_id=OuterRef("drop__academic_year_id")
    )
    parts = _parts_in_reach(user, drop_slug).filter(Exists(classes)).select_related("drop", "school")
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
        "breadcrumbs": [
            *school_crumbs(user, group.school),
            (group.name, reverse("classes:class_detail", kwargs={"group_id": group.pk})),
            (drop.name, reverse("assessment:grid_index", kwargs={"drop_slug": drop.slug})),
            ("Grid", ""),
        ],
    }
    return render(request, "assessment/grid.html", context)


def _answer(status: str, message: str, http_status: int = 200, **extra: Any) -> JsonResponse:
    return JsonResponse({"status": status, "message": message, **extra}, status=http_status)


@access_rule(RECORD)
@require_POST
def grid_save(request: HttpRequest, drop_slug: str, group_id: int) -> HttpResponse:
    """Save one cell. Answers JSON with ``status``: saved, invalid (422), stale (409, with both
    values), closed (423) or refused (403).

    A fixed number of queries (pinned by a test): the part of the drop with the class checked
    through the gate, the pupil in the class, the subject, the pupil's framework, the trust's
    frameworks and levels (``codes.CodeBook``) and their previous judgement, then
    ``record_judgement``'s own (one to check, then lock, compare and write), then the new point's
    value when there is a previous one to compare it with (the jump warning)."""
    user = request.user
    part = _save_objects(user, drop_slug, group_id)
    drop, school = part.drop, part.school
    pupil = get_or_404(class_pupils(user, group_id, drop.assessed_on), pk=request.POST.get("pupil"))
    subject = drop.subjects.filter(code=request.POST.get("subject", "")).first()
    if subject is None:
        raise Http404("Not found")
    label = f"{pupil.display_name}, {subject.name}"
    if not part.teachers_may_edit:
        return _answer("closed", closed_reason(part), 423)
    try:
        version = int(request.POST.get("version", ""))
        if version < 0:
            raise ValueError
    except ValueError:
        return _answer(
            "invalid",
            f"{label}: the version {request.POST.get('version', '')!r} is not a whole number. "
            "Reload the page.",
            400,
        )
    vocabulary, before = cell_vocabulary(school.pk, drop, pupil, subject)
    text = request.POST.get("value", "")
    found = vocabulary.resolution(text) if vocabulary else None
    level = found.level if found else None
    if level is None:
        message = (
            vocabulary.invalid_message(text)
            if vocabulary
            else f"{label}: no framework is set for {subject.name} at {school}."
        )
        return _answer("invalid", message, 422)
    try:
        judgement = record_judgement(
            user, pupil, subject, drop, school, level, expected_version=version, reason="grid"
        )
    except StaleJudgement as stale:
        theirs = None
        if stale.current is not None:
            theirs = {
                "code": stale.current.level.code,
                "version": stale.current.version,
                "by": str(stale.current.recorded_by or "someone"),
                "at": stale.current.recorded_at.isoformat(),
            }
        return _answer("stale", str(stale), 409, theirs=theirs, mine=level.code)
    except DropClosed as closed:
        return _answer("closed", str(closed), 423)
    except PermissionError as refused:
        return _answer("refused", str(refused), 403)
    except AssessmentError as error:
        return _answer("invalid", str(error), 422)
    warnings = []
    if found.from_other_framework and vocabulary is not None:
        warnings.append(
            f"{level.code} is from {found.framework.name}, not {vocabulary.framework.name}, "
            f"{pupil.display_name}'s framework for {subject.name}."
        )
    if before is not None and before.value is not None and judgement.point_id is not None:
        value = ScalePoint.objects.filter(pk=judgement.point_id).values_list("value", flat=True).first()
        if jump := jump_warning(before.code, before.value, value):
            warnings.append(jump)
    return _answer(
        "saved",
        f"Saved {judgement.level.code}",
        code=judgement.level.code,
        label=judgement.level.label,
        version=judgement.version,
        # not refused: said in the cell and to screen readers, for the teacher to check
        warning=" ".join(warnings),
    )
