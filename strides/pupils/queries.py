"""Reads of pupil data. Callers pass a queryset already narrowed by the scoping gate, or the
user, for the reads that decide how much of one pupil's record that user may see."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil, StagedSenChange
from strides.pupils.upn import normalise

if TYPE_CHECKING:
    from strides.access.actor import Viewer

# The one answer to a UPN that names a pupil the user may not see: it says neither who they are
# nor where, only what to do.
UPN_NOT_HERE = (
    "This UPN cannot be imported here. If the pupil is joining from another school in the trust, "
    "ask the trust data team to transfer them."
)


def characteristics_as_at(pupil: Pupil, day: dt.date) -> CharacteristicsPeriod | None:
    """What was true of the pupil on ``day`` (None before their first record). ``pupil`` came
    through the gate, and the gate shows all of a visible pupil's characteristics periods."""
    return (
        pupil.characteristics.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .first()
    )


def current_characteristics(pupil: Pupil) -> CharacteristicsPeriod | None:
    """The pupil's open characteristics period (``pupil`` came through the gate)."""
    return pupil.characteristics.filter(valid_to__isnull=True).first()


def current_enrolments(day: dt.date) -> Q:
    """A filter on Enrolment: on roll on ``day`` (begun by then, not ended before). On Pupil, the
    same is :func:`on_roll`."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def on_roll(school_id: int, day: dt.date | None = None) -> Q:
    """A filter on Pupil: enrolled at the school on ``day``."""
    day = day or dt.date.today()
    return Q(
        enrolments__school_id=school_id,
        enrolments__start_date__lte=day,
    ) & (Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=day))


def pupils_on_roll(pupils: QuerySet[Pupil], school_id: int, day: dt.date | None = None) -> QuerySet[Pupil]:
    return pupils.filter(on_roll(school_id, day)).distinct()


# A query is cut to this many words: a name and an initial or two, never a paragraph.
MAX_SEARCH_WORDS = 4
_NAME_FIELDS = ("legal_forename", "legal_surname", "preferred_forename", "preferred_surname")
_INITIAL_FIELDS = (*_NAME_FIELDS, "middle_names")
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class SearchTerm:
    """One word of a name search: ``initial`` is a single letter beside other words ("Smith J",
    "J Smith", "J S"), which matches the start of a name, not any letter inside one."""

    text: str
    initial: bool = False


def search_terms(text: str) -> list[SearchTerm]:
    """The words of a name search as people type them: "Smith J", "Smith, J", "J. Smith", "Jo
    Smith". Commas, semicolons and full stops only separate words; at most MAX_SEARCH_WORDS."""
    words = [w.strip(".") for w in _SPLIT.split(text or "")]
    words = [w for w in words if w][:MAX_SEARCH_WORDS]
    several = len(words) > 1
    return [SearchTerm(w, initial=several and len(w) == 1 and w.isalpha()) for w in words]


def _term_filter(term: SearchTerm) -> Q:
    if term.initial:
        return _any_of(_INITIAL_FIELDS, "istartswith", term.text)
    return _any_of(_NAME_FIELDS, "icontains", term.text)


def _any_of(fields: Sequence[str], lookup: str, value: str) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__{lookup}": value})
    return condition


def search(pupils: QuerySet[Pupil], text: str) -> QuerySet[Pupil]:
    """Name or UPN search within an already scoped queryset, in one query. Each word must match a
    name (legal or preferred), in any order; a lone letter beside other words is an initial."""
    text = (text or "").strip()
    if not text:
        return pupils.none()
    upn = normalise(text)
    if len(upn) == 13 and upn[0].isalpha() and upn[1:12].isdigit():
        return pupils.filter(Q(upn=upn) | Q(former_upns__upn=upn)).distinct()
    terms = search_terms(text)
    if not terms:
        return pupils.none()
    for term in terms:
        pupils = pupils.filter(_term_filter(term))
    return pupils


def _chunks(items: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- who keeps a pupil's record -----------------------------------------------------------------


# --- how much of a record a user sees -----------------------------------------------------------


def left_on(user: Viewer, pupil_ids: Iterable[int], day: dt.date | None = None) -> dict[int, dt.date]:
    """Of ``pupil_ids`` (pupils the user can see), those who have left every school through which
    the user sees them, each with their last day on roll there. The user may read their record
    only as it stood then: nothing recorded after they left. Trust-wide roles, and parents of
    their own children, see whole records, so none of theirs is here."""
    from strides.access.gate import scope_for, sees_whole_records, visible_enrolments
    from strides.access.readers import visible_parent_links

    ids = list(pupil_ids)
    if not ids or sees_whole_records(user):
        return {}
    day = day or dt.date.today()
    whole: set[int] = set()
    last_day: dict[int, dt.date] = {}
    still_here: set[int] = set()
    for chunk in _chunks(ids):
        if scope_for(user).parent:
            own = visible_parent_links(user).filter(user=user, pupil_id__in=chunk)
            whole.update(own.values_list("pupil_id", flat=True))
        rows = visible_enrolments(user, day).filter(pupil_id__in=chunk).values_list("pupil_id", "end_date")
        for pupil_id, end_date in rows:
            if end_date is None or end_date >= day:
                still_here.add(pupil_id)
            elif pupil_id not in last_day or end_date > last_day[pupil_id]:
                last_day[pupil_id] = end_date
    return {
        pupil_id: end
        for pupil_id, end in last_day.items()
        if pupil_id not in still_here and pupil_id not in whole
    }


@dataclass(frozen=True)
class RecordView:
    """The part of one pupil's record a user may read.

    ``enrolments``: the enrolments they may read, most recent first. ``school_ids``: schools whose
    classes they may read (None: every school). ``until``: the pupil's last day at the user's
    schools, when they have left them (None: the record up to today and beyond).
    """

    enrolments: list[Enrolment]
    school_ids: frozenset[int] | None
    until: dt.date | None

    def periods(self, periods: Iterable[CharacteristicsPeriod]) -> list[CharacteristicsPeriod]:
        """The characteristics periods the user may read: those that began by ``until``. The last
        of them is shown open-ended, so its end does not tell when the next change came."""
        if self.until is None:
            return list(periods)
        shown = [p for p in periods if p.valid_from <= self.until]
        for period in shown:
            if period.valid_to is not None and period.valid_to > self.until:
                period.valid_to = None
        return shown


def record_view(
    user: Viewer, pupil: Pupil, day: dt.date | None = None, enrolments: Sequence[Enrolment] | None = None
) -> RecordView:
    """How much of ``pupil``'s record ``user`` may read (the pupil came through the gate).
    ``enrolments``: the pupil's enrolments from ``visible_enrolments(user)``, when the caller has
    them already."""
    from strides.access.gate import sees_whole_records, visible_enrolments

    day = day or dt.date.today()
    if enrolments is None:
        enrolments = (
            visible_enrolments(user, day)
            .filter(pupil=pupil)
            .select_related("school", "placing_school")
            .order_by("-start_date", "-pk")
        )
    enrolments = list(enrolments)
    if sees_whole_records(user) or _is_parent_of(user, pupil):
        return RecordView(enrolments=enrolments, school_ids=None, until=None)
    # as left_on, from the enrolments in hand
    still_here = any(e.end_date is None or e.end_date >= day for e in enrolments)
    ends = [e.end_date for e in enrolments if e.end_date is not None]
    until = None if still_here or not ends else max(ends)
    return RecordView(enrolments, frozenset(e.school_id for e in enrolments), until)


STAFF, PLACING, PARENT = "staff", "placing", "parent"


def audience(user: Viewer, pupil: Pupil) -> str:
    """Who ``user`` is to ``pupil`` (a pupil the gate shows them), for the wording of a page:
    ``"parent"`` when they see the pupil only as the pupil's parent or carer, ``"placing"`` only
    through a placement their school made, else ``"staff"`` (a school's or the trust's own staff).
    A head who is also a parent sees their own child at another school as a parent."""
    from strides.access.gate import as_staff, scope_for, visible_pupils

    scope = scope_for(user)
    own_staff = scope.trust_wide_pupils or scope.pupil_school_ids or scope.class_reach_school_ids
    if not scope.parent and not scope.placing_school_ids:
        return STAFF
    if own_staff and visible_pupils(as_staff(user)).filter(pk=pupil.pk).exists():
        return STAFF
    if scope.parent and _is_parent_of(user, pupil):
        return PARENT
    return PLACING


def _is_parent_of(user: Viewer, pupil: Pupil) -> bool:
    from strides.access.gate import scope_for
    from strides.access.readers import visible_parent_links

    return scope_for(user).parent and visible_parent_links(user).filter(user=user, pupil=pupil).exists()


def limit_to_reach(user: Viewer, rows: Sequence[Pupil], day: dt.date | None = None) -> Sequence[Pupil]:
    """List rows prepared with today's details (``now``, ``schools_now``, as
    :func:`strides.pupils.roll.attach_current` sets them), cut to what ``user`` may read: only
    schools whose enrolment they may read and, for a pupil who left their schools, the record as
    it stood on the last day there (``left_school`` set). Three queries at most, for any page."""
    from strides.access.gate import sees_whole_records, visible_enrolments
    from strides.access.readers import visible_characteristics

    if not rows or sees_whole_records(user):
        return rows
    day = day or dt.date.today()
    ids = [pupil.pk for pupil in rows]
    readable = set(
        visible_enrolments(user, day).filter(pupil_id__in=ids).values_list("pupil_id", "school_id")
    )
    left = left_on(user, ids, day)
    periods: dict[int, list[CharacteristicsPeriod]] = {}
    for period in visible_characteristics(user, day).filter(pupil_id__in=left).order_by("valid_from"):
        periods.setdefault(period.pupil_id, []).append(period)
    for pupil in rows:
        pupil.schools_now = [s for s in getattr(pupil, "schools_now", []) if (pupil.pk, s.pk) in readable]
        if pupil.pk in left:
            shown = RecordView([], None, left[pupil.pk]).periods(periods.get(pupil.pk, []))
            pupil.now = shown[-1] if shown else None
            pupil.left_school = True
    return rows


# --- SEN changes staged for the SENCO -------------------------------------------------------------


def staged_sen_changes(user: Viewer) -> QuerySet[StagedSenChange]:
    """The staged SEN changes ``user`` may see and decide: at schools where they hold EDIT_SEN
    (the SENCO, the head, the trust admin), for pupils the gate shows them."""
    from strides.access.readers import visible_sen_changes

    return visible_sen_changes(user)


def pending_sen_count(user: Viewer) -> int:
    """How many staged SEN changes wait for ``user`` (0, without a query, for anyone else)."""
    from strides.access.gate import can
    from strides.accounts.roles import Capability

    if not can(user, Capability.EDIT_SEN):
        return 0
    return staged_sen_changes(user).filter(status=StagedSenChange.Status.PENDING).count()
