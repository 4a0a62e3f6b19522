"""What a crosswalk version changes in the trust's drops (ADR 6): the drops whose stored common
points differ from what the crosswalk in force for them gives, counted by school, and the rows of
one drop's difference. Pages: ``strides.assessment.crosswalk_views`` (one drop and its Apply) and,
through the ``crosswalk_drops`` template library, the frameworks app's crosswalk pages
(``strides.frameworks.crosswalks_views``), which may not import assessment (ADR 13).

Judgements are read for counts only, through :func:`strides.access.aggregates.judgements_in_aggregate_reach`:
a crosswalk manager holds MANAGE_CROSSWALK for the whole trust, whose every school they count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery

from strides.access.actor import Viewer
from strides.access.aggregates import judgements_in_aggregate_reach
from strides.assessment.models import DataDrop
from strides.assessment.services import PointChange
from strides.frameworks.models import CommonScale, Crosswalk, CrosswalkEntry
from strides.frameworks.page_helpers import crosswalk_trusts
from strides.frameworks.queries import subjects_for
from strides.organisations.models import School


def pending_by_drop(user: Viewer, scale: CommonScale, drops: QuerySet[DataDrop]) -> dict[int, dict[int, int]]:
    """drop id -> school id -> judgements whose stored point differs from what the crosswalk in
    force for the drop gives: the same test as ``crosswalk_differences``, in one query."""
    in_force = (
        Crosswalk.objects.filter(scale=scale, effective_from__lte=OuterRef("drop__assessed_on"))
        .order_by("-effective_from", "-version")
        .values("pk")[:1]
    )
    entries = CrosswalkEntry.objects.filter(crosswalk_id=OuterRef("force"), level_id=OuterRef("level_id"))
    rows = (
        judgements_in_aggregate_reach(user)
        .filter(drop__in=drops)
        .annotate(force=Subquery(in_force))
        .filter(force__isnull=False)
        .exclude(crosswalk_id=F("force"))
        .annotate(
            same_point=Exists(entries.filter(point_id=OuterRef("point_id"))),
            mapped=Exists(entries),
        )
        # a level the crosswalk does not map keeps no point: no difference either way
        .exclude(same_point=True)
        .exclude(point__isnull=True, mapped=False)
        .values("drop_id", "school_id")
        .annotate(n=Count("pk"))
        .values_list("drop_id", "school_id", "n")
    )
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for drop_id, school_id, n in rows:
        found[drop_id][school_id] = n
    return found


@dataclass
class PendingDrop:
    drop: DataDrop
    crosswalk: Crosswalk | None
    by_school: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_school)


def pending_drops(user: Viewer, scale: CommonScale, crosswalk: Crosswalk | None = None) -> list[PendingDrop]:
    """The trust's drops with points to update, for a crosswalk manager (optionally only those the
    given version is in force for)."""
    drops = DataDrop.objects.filter(trust__in=crosswalk_trusts(user), trust_id=scale.trust_id)
    found = pending_by_drop(user, scale, drops)
    if not found:
        return []
    versions = list(scale.crosswalks.order_by("-effective_from", "-version"))
    names = dict(
        School.objects.filter(pk__in={s for d in found.values() for s in d}).values_list("pk", "name")
    )
    result = []
    for drop in drops.filter(pk__in=found).order_by("-assessed_on", "name"):
        force = next((v for v in versions if v.effective_from <= drop.assessed_on), None)
        if crosswalk is not None and force != crosswalk:
            continue
        by_school = sorted((names.get(s, "?"), n) for s, n in found[drop.pk].items())
        result.append(PendingDrop(drop, force, by_school))
    return result


@dataclass
class DifferenceRow:
    subject: str
    level: str
    before: str
    after: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Difference:
    """One drop's difference, counted by school: the schools by name, their totals and the rows
    (subject, level, point before and after)."""

    schools: list[str]
    school_totals: list[int]
    rows: list[DifferenceRow]


def difference_by_school(
    user: Viewer, drop: DataDrop, crosswalk: Crosswalk | None, changes: Sequence[PointChange]
) -> Difference:
    """The changes ``crosswalk_differences`` found in ``drop``, counted by the school holding each
    judgement (counts only: no pupil, no person)."""
    school_of = (
        dict(
            judgements_in_aggregate_reach(user)
            .filter(drop=drop)
            .exclude(crosswalk=crosswalk)
            .values_list("pk", "school_id")
        )
        if changes
        else {}
    )
    counted = [c for c in changes if c.judgement_id in school_of]
    school_ids = sorted({school_of[c.judgement_id] for c in counted})
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    schools = sorted(school_ids, key=lambda s: names.get(s, ""))
    counts: dict[tuple[str, str, str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for change in counted:
        key = (change.subject, change.level, change.point_before or "none", change.point_after or "none")
        counts[key][school_of[change.judgement_id]] += 1
    subject_names = {
        s.code: s.name for s in subjects_for(drop.trust_id, include_archived=True, every_school=True)
    }
    rows = [
        DifferenceRow(subject_names.get(key[0], key[0]), key[1], key[2], key[3], [by[s] for s in schools])
        for key, by in sorted(counts.items())
    ]
    return Difference(
        [names[s] for s in schools], [sum(r.counts[i] for r in rows) for i in range(len(schools))], rows
    )
