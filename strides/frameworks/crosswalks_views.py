"""Crosswalk versions: the list, one version with what it changed, and publishing a new version.
The drops a version leaves to bring up to date come from assessment, through the template
library ``crosswalk_drops`` (``frameworks/_pending.html``); one drop's difference and its Apply
are ``strides.assessment.crosswalk_views`` (frameworks does not import assessment, ADR 13).

Access rules and shared lookups: ``strides.frameworks.page_helpers``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from strides.access.actor import Viewer
from strides.access.gate import get_or_404, scope_for
from strides.access.rules import access_rule
from strides.frameworks.forms import CrosswalkForm
from strides.frameworks.models import CommonScale, Crosswalk, CrosswalkEntry, Framework, Level, ScalePoint
from strides.frameworks.page_helpers import (
    CROSSWALK,
    READ,
    READ_ONE,
    crosswalk_trusts,
    crumbs,
    scale_points,
    user_trust,
    visible_frameworks,
)
from strides.frameworks.services import (
    FrameworkError,
    crosswalk_in_force,
    ensure_common_scale,
    point_map,
    publish_crosswalk,
)
from strides.organisations.models import Trust


def _crosswalk_maps(scale: CommonScale, user: Viewer) -> dict[int, dict[int, int]]:
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
            "breadcrumbs": crumbs(("Crosswalk versions", "")),
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
            "breadcrumbs": crumbs(
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
    scale, points = scale_points(trust, user)
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
            "breadcrumbs": crumbs(
                ("Crosswalk versions", reverse("frameworks:crosswalks")), ("New version", "")
            ),
        },
    )
