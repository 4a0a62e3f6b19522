"""SEN changes to confirm: the page where a school's SENCO or head (and the trust admin) confirm or
reject the SEN changes that imports staged (:mod:`strides.pupils.services.staged_sen`).

Every change comes through :func:`strides.pupils.queries.staged_sen_changes`: only changes at
schools where the user holds EDIT_SEN, for pupils the gate shows them. Anything else answers 404,
exactly like a change that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from strides.access.gate import get_or_404
from strides.access.rules import AccessRule, access_rule
from strides.accounts.roles import Capability
from strides.pupils import display, queries
from strides.pupils.models import SEN_FIELDS, CharacteristicsPeriod, StagedSenChange
from strides.pupils.services import staged_sen

Status = StagedSenChange.Status
# The pages name pupils and their SEN: whoever holds EDIT_SEN nowhere is told "not found" (ADR 2).
LIST_RULE = AccessRule(
    Capability.EDIT_SEN,
    pupil_data=True,
    description="changes at schools where the user holds EDIT_SEN",
)
CHANGE_RULE = AccessRule(
    Capability.EDIT_SEN,
    object_scoped=True,
    pupil_data=True,
    description="a change at a school where the user holds EDIT_SEN, for a pupil the gate shows",
)
RECENT = 20  # decided changes shown under the pending ones
DECISIONS = {"confirm": "confirmed", "reject": "rejected"}


@dataclass
class Row:
    """One change as the page shows it: the record at the import, now, and proposed."""

    change: StagedSenChange
    now: dict[str, Any]

    @property
    def stale(self) -> bool:
        """The pupil's SEN record changed since the import: the change must be checked again."""
        return self.change.is_pending and self.now != self.change.before

    @property
    def seen(self) -> str:
        return staged_sen.fingerprint(self.now)

    @property
    def before(self) -> list[display.Fact]:
        return _facts(self.change.before)

    @property
    def current(self) -> list[display.Fact]:
        return _facts(self.now)

    @property
    def proposed(self) -> list[display.Fact]:
        return _facts(self.change.proposed, against=self.now)


def _facts(values: dict[str, Any], against: dict[str, Any] | None = None) -> list[display.Fact]:
    period = CharacteristicsPeriod(**{name: values.get(name) or "" for name in SEN_FIELDS})
    if not period.sen_provision:
        period.sen_provision = "N"
    return [
        display.Fact(
            name,
            display.LABELS[name],
            display.show(period, name),
            changed=against is not None and (against.get(name) or "") != (values.get(name) or ""),
        )
        for name in SEN_FIELDS
    ]


def _rows(changes: Iterable[StagedSenChange]) -> list[Row]:
    changes = list(changes)
    now = staged_sen.current_sen_many([c.pupil_id for c in changes])
    return [Row(c, now.get(c.pupil_id) or staged_sen.no_sen()) for c in changes]


@access_rule(LIST_RULE)
def sen_changes(request: HttpRequest) -> HttpResponse:
    """The pending changes at the user's schools, school by school, and the latest decided."""
    visible = queries.staged_sen_changes(request.user).select_related(
        "pupil", "school", "staged_by", "decided_by", "batch"
    )
    waiting = visible.filter(status=Status.PENDING).order_by("school__name", "pupil__legal_surname", "pk")
    pending = _rows(waiting)
    schools: dict[int, dict[str, Any]] = {}
    for row in pending:
        school = schools.setdefault(
            row.change.school_id, {"school": row.change.school, "rows": [], "fresh": [], "stale": 0}
        )
        school["rows"].append(row)
        if row.stale:
            school["stale"] += 1
        else:
            school["fresh"].append(row)
    recent = visible.exclude(status=Status.PENDING).order_by("-decided_at", "-pk")[:RECENT]
    return render(
        request,
        "pupils/sen_changes.html",
        {
            "schools": list(schools.values()),
            "pending_count": len(pending),
            "recent": list(recent),
            "breadcrumbs": [("Home", reverse("web:home")), ("SEN changes to confirm", "")],
        },
    )


def _decision(request: HttpRequest) -> str:
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        raise Http404("Not found")  # a form of this page always says which
    return decision


@access_rule(CHANGE_RULE)
@require_POST
def decide(request: HttpRequest, sen_change_id: int) -> HttpResponse:
    """Confirm or reject one change (``decision``); ``seen``: the SEN record shown beside it."""
    change = get_or_404(queries.staged_sen_changes(request.user), pk=sen_change_id)
    decision = _decision(request)
    name = change.pupil.display_name
    try:
        if decision == "confirm":
            staged_sen.confirm(request.user, change, seen=request.POST.get("seen", ""))
        else:
            staged_sen.reject(request.user, change)
    except staged_sen.SenChangeProblem as problem:
        messages.error(request, str(problem))
    else:
        if decision == "confirm":
            messages.success(request, f"{name}'s SEN record was updated.")
        else:
            messages.success(request, f"The SEN change for {name} was rejected; the record is as it was.")
    return redirect("pupils:sen_changes")


@access_rule(LIST_RULE)
@require_POST
def decide_all(request: HttpRequest) -> HttpResponse:
    """Confirm or reject every change the page listed (``change``, each with ``seen-<id>``): only
    those, never one staged since the page was opened."""
    decision = _decision(request)
    try:
        ids = sorted({int(value) for value in request.POST.getlist("change")})
    except ValueError as exc:
        raise Http404("Not found") from exc
    changes = list(queries.staged_sen_changes(request.user).filter(pk__in=ids).select_related("pupil"))
    if len(changes) != len(ids):
        raise Http404("Not found")  # one out of scope: as if none existed
    seen = {change.pk: request.POST.get(f"seen-{change.pk}", "") for change in changes}
    outcome = staged_sen.decide_many(request.user, changes, decision, seen)
    if outcome.done:
        messages.success(
            request, f"{outcome.done} SEN change{'' if outcome.done == 1 else 's'} {DECISIONS[decision]}."
        )
    for problem in outcome.problems:
        messages.error(request, problem)
    return redirect("pupils:sen_changes")
