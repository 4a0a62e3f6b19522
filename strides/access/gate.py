"""The one scoping gate: what each user may see and do.

Every view, API endpoint, export and background job asks this module for the schools, pupils and
classes a user may see (``visible_*``) and whether they hold a capability at a school (``can``).
Something out of scope is answered exactly like something missing: :func:`get_or_404`.
See docs/adr/0002-one-scoping-gate.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, IntegerField, Model, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.http import Http404

from strides.access.actor import Viewer
from strides.accounts.roles import ROLE_CAPABILITIES, ROLE_REACH, Capability, Reach

if TYPE_CHECKING:
    from strides.organisations.models import School

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What one user can reach, worked out once per request from their memberships."""

    user_id: int | None
    trust_ids: frozenset[int] = frozenset()
    # schools whose named pupils the user sees in full (trust, assigned and school reaches)
    pupil_school_ids: frozenset[int] = frozenset()
    trust_wide_pupils: bool = False
    # schools whose aggregates the user sees (includes all of the above)
    aggregate_school_ids: frozenset[int] = frozenset()
    trust_wide_aggregates: bool = False
    class_reach_school_ids: frozenset[int] = frozenset()  # teacher / TA: own classes only
    placing_school_ids: frozenset[int] = frozenset()
    parent: bool = False
    roles: frozenset[str] = frozenset()
    # capability -> schools where it is held; None in the set means trust-wide
    capabilities: dict[str, frozenset[int | None]] = field(default_factory=dict)
    # the gate's querysets built for this scope, by function and day (:func:`kept_per_scope`)
    # (not an init field, so ``dataclasses.replace`` gives a narrowed scope an empty one of its own)
    querysets: dict[tuple, QuerySet] = field(default_factory=dict, init=False, compare=False, repr=False)

    @functools.cached_property
    def key(self) -> tuple:
        """Every value the gate's querysets are built from, hashable: two scopes with the same
        key get the same SQL (:func:`kept_per_scope` keeps it per process under this key)."""
        return (
            self.user_id,
            self.trust_ids,
            self.pupil_school_ids,
            self.trust_wide_pupils,
            self.aggregate_school_ids,
            self.trust_wide_aggregates,
            self.class_reach_school_ids,
            self.placing_school_ids,
            self.parent,
            self.roles,
            frozenset(self.capabilities.items()),
        )

    @property
    def sees_named_pupils(self) -> bool:
        return bool(
            self.trust_wide_pupils
            or self.pupil_school_ids
            or self.class_reach_school_ids
            or self.placing_school_ids
            or self.parent
        )


EMPTY_SCOPE = Scope(user_id=None)


_OFFICER = "~officer"  # not a role (roles.py): marks the officer rows of _build_scope's one query


def _build_scope(user: Viewer) -> Scope:
    from strides.accounts.models import Membership
    from strides.organisations.models import School, SchoolOfficer

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    # the user's roles and the schools they are assigned to as an officer, in one query (every
    # signed-in request reads them: a grid save is a dozen statements, so one more counts)
    officer_rows = (
        SchoolOfficer.objects.filter(user=user)
        .annotate(as_role=Value(_OFFICER, CharField()), as_trust=Value(None, IntegerField()))
        .values_list("as_role", "as_trust", "school_id")
    )
    rows = Membership.objects.filter(user=user).values_list("role", "trust_id", "school_id")
    memberships: list[tuple[str, int, int]] = []
    assigned: set[int] = set()
    for row in rows.union(officer_rows, all=True):
        if row[0] == _OFFICER:
            assigned.add(row[2])
        else:
            memberships.append(row)  # the school is None for a trust-wide role, as before
    trust_ids: set[int] = set()
    pupil_schools: set[int] = set()
    aggregate_schools: set[int] = set()
    class_schools: set[int] = set()
    placing: set[int] = set()
    trust_wide_pupils = trust_wide_aggregates = parent = False
    capabilities: dict[str, set[int | None]] = {}
    for role, trust_id, school_id in memberships:
        reach = ROLE_REACH[role]
        trust_ids.add(trust_id)
        where: set[int | None]
        if reach is Reach.TRUST:
            trust_wide_pupils = trust_wide_aggregates = True
            where = {None}
        elif reach is Reach.ASSIGNED:
            pupil_schools |= assigned
            aggregate_schools |= assigned
            where = set(assigned)
        elif reach is Reach.SCHOOL:
            pupil_schools.add(school_id)
            aggregate_schools.add(school_id)
            where = {school_id}
        elif reach is Reach.CLASSES:
            class_schools.add(school_id)
            where = {school_id}
        elif reach is Reach.PLACED:
            placing.add(school_id)
            where = {school_id}
        elif reach is Reach.CHILDREN:
            parent = True
            where = set()
        else:  # aggregates only
            if school_id is None:
                trust_wide_aggregates = True
                where = {None}
            else:
                aggregate_schools.add(school_id)
                where = {school_id}
        for capability in ROLE_CAPABILITIES[role]:
            capabilities.setdefault(capability, set()).update(where)
    if trust_wide_aggregates and trust_ids:
        aggregate_schools |= set(School.objects.filter(trust_id__in=trust_ids).values_list("id", flat=True))
    return Scope(
        user_id=user.pk,
        trust_ids=frozenset(trust_ids),
        pupil_school_ids=frozenset(pupil_schools),
        trust_wide_pupils=trust_wide_pupils,
        aggregate_school_ids=frozenset(aggregate_schools),
        trust_wide_aggregates=trust_wide_aggregates,
        class_reach_school_ids=frozenset(class_schools),
        placing_school_ids=frozenset(placing),
        parent=parent,
        roles=frozenset(role for role, _, _ in memberships),
        capabilities={cap: frozenset(schools) for cap, schools in capabilities.items()},
    )


def scope_for(user: Viewer) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    cached = getattr(user, "_strides_scope", None)
    if cached is None:
        cached = _build_scope(user)
        if getattr(user, "is_authenticated", False):
            # cached on the request's user object: the scope lives exactly as long as the request
            setattr(user, "_strides_scope", cached)  # noqa: B010
    return cached


def as_staff(user: Viewer) -> Viewer:
    """The user acting only as school or trust staff: their reach without what they see as a
    parent or carer or through their school's placements. Writes that staff make (recording a
    judgement) ask the gate through this, so a head who is also a parent cannot record for their
    own child at their school once the child is no longer that school's business. The user
    itself when they have no such reach."""
    from dataclasses import replace
    from types import SimpleNamespace

    scope = scope_for(user)
    if not scope.parent and not scope.placing_school_ids:
        return user
    narrowed = replace(scope, parent=False, placing_school_ids=frozenset())
    return SimpleNamespace(pk=user.pk, is_authenticated=True, is_active=True, _strides_scope=narrowed)  # type: ignore[return-value]


def forget_scope(user: Viewer) -> None:
    """Drop the cached scope after the user's memberships change."""
    if hasattr(user, "_strides_scope"):
        del user._strides_scope


# --- capabilities ---------------------------------------------------------------------------


def can(user: Viewer, capability: Capability | str, school: School | int | None = None) -> bool:
    """Whether the user holds ``capability`` at ``school`` (or anywhere, when no school is given)."""
    scope = scope_for(user)
    schools = scope.capabilities.get(str(capability))
    if not schools:
        return False
    if school is None:
        return True
    school_id = school if isinstance(school, int) else school.pk
    if school_id in schools:
        return True
    return None in schools and _school_in_trusts(school_id, scope.trust_ids)


def _school_in_trusts(school_id: int, trust_ids: frozenset[int]) -> bool:
    from strides.organisations.models import School

    return School.objects.filter(pk=school_id, trust_id__in=trust_ids).exists()


def schools_with(user: Viewer, capability: Capability | str) -> QuerySet[School]:
    """The trust schools at which the user holds ``capability``."""
    from strides.organisations.models import School

    scope = scope_for(user)
    schools = scope.capabilities.get(str(capability), frozenset())
    if not schools:
        return School.objects.none()
    if None in schools:
        return School.objects.filter(trust_id__in=scope.trust_ids)
    return School.objects.filter(pk__in=schools)


# --- visibility -----------------------------------------------------------------------------


def visible_schools(user: Viewer) -> QuerySet[School]:
    """Trust schools the user can open (aggregates or more). Placing contacts see their own school."""
    from strides.organisations.models import School

    scope = scope_for(user)
    if scope.trust_wide_aggregates:
        return School.objects.filter(trust_id__in=scope.trust_ids)
    ids = scope.aggregate_school_ids | scope.class_reach_school_ids
    return School.objects.filter(pk__in=ids)


def leaver_window(on: dt.date | None = None) -> dt.date:
    """The first leaving date school staff still see: a pupil who left a school before it is no
    longer that school's business (``STRIDES_LEAVER_VISIBILITY_DAYS``, default 365)."""
    days = getattr(settings, "STRIDES_LEAVER_VISIBILITY_DAYS", 365)
    return (on or dt.date.today()) - dt.timedelta(days=days)


def _staff_reach_enrolments(scope: Scope, day: dt.date) -> Q:
    """Enrolment filter for school and assigned-officer reach: enrolments at those schools that
    have not ended (current or still to start) or ended within the leaver window."""
    return Q(school_id__in=scope.pupil_school_ids) & (
        Q(end_date__isnull=True) | Q(end_date__gte=leaver_window(day))
    )


def _placed_now(scope: Scope, day: dt.date) -> Q:
    # only while placed: a placement that has ended closes the door
    return Q(placing_school_id__in=scope.placing_school_ids, start_date__lte=day) & (
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


QS = TypeVar("QS", bound=QuerySet)
QS_co = TypeVar("QS_co", bound=QuerySet, covariant=True)


class GateReader(Protocol[QS_co]):
    """A gate function: the user (and the day, today when not given) -> a queryset."""

    def __call__(self, user: Viewer, on: dt.date | None = None) -> QS_co: ...


# The gate's querysets kept per process (:func:`kept_per_scope`), most recently used last.
_KEPT: OrderedDict[tuple, QuerySet] = OrderedDict()
_KEPT_LOCK = threading.Lock()
KEPT_MAX = 2048  # scopes x days x functions; a queryset is a few KB of Python objects


def forget_kept_querysets() -> None:
    """Empty the process's kept querysets (tests that change how the SQL is built)."""
    with _KEPT_LOCK:
        _KEPT.clear()


def kept_per_scope(build: Callable[[Viewer, dt.date], QS]) -> GateReader[QS]:
    """Build a gate queryset once per scope and day, and hand each caller a copy of it.

    A queryset of the gate depends only on the user's scope's values (worked out afresh on
    every request from their memberships: :func:`scope_for`), the day and the leaver window,
    and is lazy: it is SQL still to be run, never rows. Building one is Python work (Django
    resolves every nested subquery), so it is kept on the request's scope and, across requests,
    in this process under the scope's :attr:`Scope.key` (ADR 15): the next request of the same
    user with the same memberships, on the same day, reuses it; a changed membership is a new
    key, so a role taken away takes effect on the next request as before. The copy (``.all()``)
    is cheap, runs its SQL afresh when used (rows changed meanwhile are seen), and cannot change
    the kept one."""
    name = f"{build.__module__}.{build.__qualname__}"

    @functools.wraps(build)
    def kept(user: Viewer, on: dt.date | None = None) -> QS:
        scope = scope_for(user)
        day = on or dt.date.today()
        # the leaver window is read from settings as the queryset is built (a test may change it)
        request_key = (name, day, getattr(settings, "STRIDES_LEAVER_VISIBILITY_DAYS", 365))
        found: QS | None = scope.querysets.get(request_key)  # type: ignore[assignment]  # kept by this function
        if found is None:
            if scope is EMPTY_SCOPE:  # shared by everyone signed out: keep nothing
                return build(user, day).all()
            process_key = (*request_key, scope.key)
            with _KEPT_LOCK:
                found = _KEPT.get(process_key)  # type: ignore[assignment]
                if found is not None:
                    _KEPT.move_to_end(process_key)
            if found is None:
                found = build(user, day)
                with _KEPT_LOCK:
                    _KEPT[process_key] = found
                    while len(_KEPT) > KEPT_MAX:
                        _KEPT.popitem(last=False)
            scope.querysets[request_key] = found
        return found.all()

    return kept


def frozen(subquery: QuerySet) -> RawSQL | QuerySet:
    """An uncorrelated subquery of the gate as its SQL, compiled now: a ``pk__in`` condition
    over it costs the queries that embed it a string, not another resolve and compile of the
    subquery's tree (a grid save embeds the visible pupils three times). Only for subqueries
    with no ``OuterRef``; one that can match nothing is left as it is (Django drops it)."""
    try:
        # without the model's default ordering, as Django leaves it out of an ``__in`` subquery:
        # the SQL the database runs is the same as before it was kept compiled
        sql, params = subquery.order_by().query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    except EmptyResultSet:
        return subquery
    return RawSQL(sql, params)  # noqa: S611 - compiled by Django from the gate's queryset; values stay parameters


@kept_per_scope
def visible_pupils(user: Viewer, on: dt.date | None = None) -> QuerySet:
    """Named pupils the user may see. Aggregate-only roles get none, ever. School staff see the
    pupils of their schools and, for ``STRIDES_LEAVER_VISIBILITY_DAYS``, those who left."""
    from strides.accounts.models import ParentLink
    from strides.pupils.models import Enrolment, Pupil

    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return Pupil.objects.none()
    day = on or dt.date.today()
    # Uncorrelated ``pk IN (SELECT pupil_id ...)`` subqueries: the database runs each once and
    # hashes it, where a correlated EXISTS per pupil was ~1,000x slower on a 40,000-pupil trust.
    enrolments = Enrolment.objects.values("pupil_id")
    conditions = Q(pk__in=[])
    if scope.trust_wide_pupils:
        conditions |= Q(pk__in=frozen(enrolments.filter(school__trust_id__in=scope.trust_ids)))
    if scope.pupil_school_ids:
        conditions |= Q(pk__in=frozen(enrolments.filter(_staff_reach_enrolments(scope, day))))
    if scope.class_reach_school_ids:
        conditions |= Q(pk__in=frozen(_own_class_pupil_ids(scope, day)))
    if scope.placing_school_ids:
        conditions |= Q(pk__in=frozen(enrolments.filter(_placed_now(scope, day))))
    if scope.parent and scope.user_id is not None:
        conditions |= Q(pk__in=frozen(ParentLink.objects.filter(user_id=scope.user_id).values("pupil_id")))
    return Pupil.objects.filter(conditions)


@kept_per_scope
def visible_enrolments(user: Viewer, on: dt.date | None = None) -> QuerySet:
    """The enrolments of visible pupils that the user may read: every enrolment for trust-wide
    roles and parents (of their own children); otherwise only those at the schools through which
    the user sees the pupil, so a school never learns where a leaver went next."""
    from strides.accounts.models import ParentLink
    from strides.pupils.models import Enrolment

    scope = scope_for(user)
    if not scope.sees_named_pupils:
        return Enrolment.objects.none()
    day = on or dt.date.today()
    conditions = Q(pk__in=[])
    if scope.trust_wide_pupils:
        conditions |= Q(school__trust_id__in=scope.trust_ids)
    if scope.pupil_school_ids:
        conditions |= _staff_reach_enrolments(scope, day)
    if scope.class_reach_school_ids:
        conditions |= Q(
            school_id__in=scope.class_reach_school_ids, pupil_id__in=frozen(_own_class_pupil_ids(scope, day))
        )
    if scope.placing_school_ids:
        conditions |= _placed_now(scope, day)
    if scope.parent and scope.user_id is not None:
        conditions |= Q(
            pupil_id__in=frozen(ParentLink.objects.filter(user_id=scope.user_id).values("pupil_id"))
        )
    return Enrolment.objects.filter(conditions)


def sees_whole_records(user: Viewer) -> bool:
    """Trust-wide roles read every pupil's whole record; others read the part their schools hold."""
    return scope_for(user).trust_wide_pupils


def _own_class_pupil_ids(scope: Scope, day: dt.date) -> QuerySet:
    from strides.classes.models import GroupMembership

    if scope.user_id is None:  # nobody signed in teaches no class
        return GroupMembership.objects.none().values("pupil_id")
    return GroupMembership.objects.filter(
        group__staff_links__user_id=scope.user_id,
        group__academic_year__starts_on__lte=day,
        group__academic_year__ends_on__gte=day,
        group__school_id__in=scope.class_reach_school_ids,
    ).values("pupil_id")


@kept_per_scope
def visible_classes(user: Viewer, on: dt.date | None = None) -> QuerySet:
    """Teaching groups the user may open: all of a school's for school reach, else their own."""
    from strides.classes.models import TeachingGroup

    scope = scope_for(user)
    conditions = Q(pk__in=[])
    if scope.trust_wide_pupils:
        conditions |= Q(school__trust_id__in=scope.trust_ids)
    if scope.pupil_school_ids:
        conditions |= Q(school_id__in=scope.pupil_school_ids)
    if scope.class_reach_school_ids:
        conditions |= Q(staff_links__user_id=scope.user_id, school_id__in=scope.class_reach_school_ids)
    return TeachingGroup.objects.filter(conditions).distinct()


def get_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """The object from a scoped queryset; out of scope and missing both answer 404."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
