"""What each user may see of the analytics. Every dashboard page and analytics endpoint gets its
rows through :class:`AnalyticsView`, which asks only the scoping gate (``strides.access.gate``).

Two kinds of rows, for two kinds of question:

- :meth:`AnalyticsView.observations`: the rows the user may *aggregate* over. Schools whose
  aggregates they see (``Scope.aggregate_school_ids``: a head's school, an EAP's assigned schools,
  every school for trust-wide roles and directors, a governor's school), plus, for teachers, the
  rows of their own classes' pupils (a teacher's school dashboard is their classes'). Parents,
  placing-school contacts and teaching assistants (no ``VIEW_AGGREGATES``) get none.
- :meth:`AnalyticsView.pupil_observations`: the rows of pupils the user sees *by name* (a head's
  pupils and leavers for the leaver window, a teacher's class, a parent's child, the pupils a
  placing school has placed, while placed), by the one rule for reading judgements
  (``strides.access.judgements.judgement_reach``, ADR 11): staff read their own school's
  judgements as they stand; another school's (a newcomer's prior attainment, a dual
  registration's other school, everything a parent or placing school sees) only once that
  school's part of the drop is submitted or locked (:data:`RELEASED`: a save in an open or
  reopened drop is a draft until then), and only of drops dated while the pupil was with the
  user. Governors and directors get none, ever.

``suppress_small_groups`` is True for users who see aggregates of a school without seeing its
pupils by name (governors, directors): every table they get goes through :meth:`suppress`, which
applies ``strides.analytics.suppress`` with ``STRIDES_SMALL_GROUP_THRESHOLD``. They must never
receive a pupil id: aggregate tables carry none, and the pupil-level tables are not theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cached_property

import polars as pl
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from strides.access.actor import Viewer
from strides.access.gate import can, scope_for, visible_enrolments, visible_schools
from strides.access.judgements import RELEASED as JUDGEMENTS_RELEASED
from strides.access.judgements import judgement_reach
from strides.accounts.roles import Capability
from strides.analytics import annual_progress, benchmark_table, empty_observations, rolling_pool, suppress
from strides.analytics.own_pool import empty_composition
from strides.analytics.similar import empty_benchmark
from strides.assessment.models import DataDrop, DropSchool, DropStatus
from strides.dashboards import frames
from strides.organisations.models import School

_PAIRS = {"pupil_id": pl.Int64, "school_id": pl.Int64}
_RELEASED_PAIRS = {"drop_id": pl.Int64, "school_id": pl.Int64}

# A school's part of a drop that people outside the school may see (signed off by its head, or
# locked by the trust; anything else is still a draft): the one rule's (strides.access.judgements)
RELEASED = tuple(DropStatus(status) for status in JUDGEMENTS_RELEASED)


def today() -> dt.date:
    """The day a drop's deadline is compared with (a function, so tests can set the day)."""
    return timezone.localdate()


class AnalyticsView:
    """One user's window on the analytics of their trust. Cheap to make: the scope is the
    gate's, cached on the user; everything else is read when first asked for."""

    def __init__(self, user: Viewer, trust_id: int | None = None) -> None:
        self.user = user
        self.scope = scope_for(user)
        trusts = sorted(self.scope.trust_ids)
        if trust_id is not None:
            self.trust_id: int | None = trust_id if trust_id in self.scope.trust_ids else None
        else:
            self.trust_id = trusts[0] if trusts else None

    # --- who sees what ------------------------------------------------------------------------

    @property
    def sees_aggregates(self) -> bool:
        return self.trust_id is not None and can(self.user, Capability.VIEW_AGGREGATES)

    @property
    def sees_named_pupils(self) -> bool:
        return self.trust_id is not None and self.scope.sees_named_pupils

    @cached_property
    def dashboard_school_ids(self) -> frozenset[int]:
        """The trust's schools whose dashboards the user may open: those whose aggregates they
        see and, for teachers, the schools of their classes (where the figures are their own
        pupils'). One query."""
        wanted = self.scope.aggregate_school_ids | self.scope.class_reach_school_ids
        if not self.sees_aggregates or not wanted:
            return frozenset()
        return frozenset(
            visible_schools(self.user)
            .filter(pk__in=wanted, trust_id=self.trust_id)
            .values_list("pk", flat=True)
        )

    @property
    def aggregate_school_ids(self) -> frozenset[int]:
        """The trust's schools whose aggregates (every pupil's rows) the user sees."""
        return self.dashboard_school_ids & self.scope.aggregate_school_ids

    @property
    def class_school_ids(self) -> frozenset[int]:
        """Schools where the user sees only their own classes' pupils (teachers, TAs)."""
        return self.scope.class_reach_school_ids - self.aggregate_school_ids

    def names_pupils_at(self, school_id: int) -> bool:
        """Whether the user sees every pupil of the school by name."""
        return self.scope.trust_wide_pupils or school_id in self.scope.pupil_school_ids

    def suppresses(self, school_id: int) -> bool:
        """Whether figures about the school must be suppressed for this user."""
        return school_id in self.aggregate_school_ids and not self.names_pupils_at(school_id)

    @property
    def suppress_small_groups(self) -> bool:
        """True for users who see aggregates but no named pupils at some of their schools:
        governors, directors."""
        return any(self.suppresses(school_id) for school_id in self.aggregate_school_ids)

    # --- schools and drops ------------------------------------------------------------------------

    def schools(self) -> QuerySet[School]:
        """The schools whose dashboards the user may open (:attr:`dashboard_school_ids`), by name."""
        return School.objects.filter(pk__in=self.dashboard_school_ids).order_by("name")

    def school(self, urn: str) -> School:
        """A school whose dashboard the user may open, by URN; 404 otherwise, exactly like
        missing. What they see there is :meth:`observations` for it: a teacher's, their classes'."""
        school = self.schools().filter(urn=str(urn).strip()).first()
        if school is None:
            raise Http404("Not found")
        return school

    def drops(self) -> QuerySet[DataDrop]:
        """The trust's drops, oldest first (the calendar is the trust's reference data)."""
        if self.trust_id is None:
            return DataDrop.objects.none()
        return DataDrop.objects.filter(trust_id=self.trust_id).order_by("assessed_on", "pk")

    def drop(self, slug: str) -> DataDrop | None:
        return self.drops().filter(slug=str(slug).strip()).first()

    def collecting_drop_ids(self, drops: Iterable[DataDrop], school_ids: Iterable[int]) -> frozenset[int]:
        """The drops of ``drops`` still being collected at ``school_ids`` (the schools a page
        shows): the deadline has not passed (the deadline day itself is still open) and one of
        those schools taking part has not submitted its part, or the trust has not locked it. A
        drop none of them takes part in is not theirs to wait for. One query, none when every
        deadline has passed."""
        day = today()
        open_ids = [drop.pk for drop in drops if drop.deadline >= day]
        schools = sorted(set(school_ids))
        if not open_ids or not schools:
            return frozenset()
        waiting = (
            DropSchool.objects.filter(drop_id__in=open_ids, school_id__in=schools)
            .exclude(status__in=RELEASED)
            .order_by()  # not by school name: no join
            .values_list("drop_id", flat=True)
            .distinct()
        )
        return frozenset(waiting)

    @staticmethod
    def latest_drop_id(obs: pl.DataFrame) -> int | None:
        """The latest drop (by date, then id) with a row in ``obs``: a page's default drop."""
        if obs.is_empty():
            return None
        return int(obs.sort(["drop_date", "drop_id"]).get_column("drop_id")[-1])

    # --- rows --------------------------------------------------------------------------------------

    def observations(
        self, *, school_ids: Iterable[int] | None = None, version: str | None = None
    ) -> pl.DataFrame:
        """Rows the user may aggregate over (see the module docstring), optionally only those made
        at ``school_ids``. Out-of-scope schools are simply not there. ``version``: the trust's data
        version if the caller has just read it (``frames.observations``)."""
        if not self.sees_aggregates:
            return empty_observations()
        wanted = None if school_ids is None else set(school_ids)
        aggregate = self.aggregate_school_ids if wanted is None else self.aggregate_school_ids & wanted
        classes = self.class_school_ids if wanted is None else self.class_school_ids & wanted
        parts = []
        if aggregate:
            parts.append(frames.observations(self.trust_id, school_ids=aggregate, version=version))
        if classes:
            parts.append(self.pupil_observations(school_ids=classes, version=version))
        if not parts:
            return empty_observations()
        return parts[0] if len(parts) == 1 else pl.concat(parts)

    def pupil_observations(
        self,
        *,
        school_ids: Iterable[int] | None = None,
        pupil_ids: Iterable[int] | None = None,
        version: str | None = None,
    ) -> pl.DataFrame:
        """Rows of the pupils the user sees by name, by the one rule for reading judgements
        (``strides.access.judgements``, ADR 11): their own school's as they stand, another
        school's (prior attainment, a dual registration, what a parent or placing school is
        shared) once released and of drops dated while the pupil was with them; optionally only
        rows made at ``school_ids`` and / or of ``pupil_ids``. ``version``: as for
        :meth:`observations`."""
        if not self.sees_named_pupils:
            return empty_observations()
        schools = None if school_ids is None else set(school_ids)
        pupils = None if pupil_ids is None else set(pupil_ids)
        reach = judgement_reach(self.user, pupil_ids=pupils)
        if reach.everything:
            return frames.observations(self.trust_id, school_ids=schools, pupil_ids=pupils, version=version)
        if reach.empty:
            return empty_observations()
        obs = frames.observations(
            self.trust_id, school_ids=schools, pupil_ids=set(reach.until), version=version
        )
        if obs.is_empty():
            return obs
        own = pl.DataFrame(sorted(reach.own), schema=_PAIRS, orient="row").with_columns(
            pl.lit(True).alias("_own")
        )
        marked = obs.join(own, on=["pupil_id", "school_id"], how="left")
        others = marked.filter(pl.col("_own").is_null())
        if others.is_empty():
            return obs.join(own.drop("_own"), on=["pupil_id", "school_id"], how="semi")
        released = DropSchool.objects.filter(
            school_id__in=sorted(set(others.get_column("school_id"))),
            drop__trust_id=self.trust_id,
            status__in=RELEASED,
        ).values_list("drop_id", "school_id")
        released_pairs = pl.DataFrame(list(released), schema=_RELEASED_PAIRS, orient="row").with_columns(
            pl.lit(True).alias("_released")
        )
        until = pl.DataFrame(
            list(reach.until.items()), schema={"pupil_id": pl.Int64, "_until": pl.Date}, orient="row"
        )
        kept = (
            marked.join(released_pairs, on=["drop_id", "school_id"], how="left")
            .join(until, on="pupil_id", how="left")
            .filter(
                pl.col("_own").is_not_null()
                | (
                    pl.col("_released").is_not_null()
                    & (pl.col("_until").is_null() | (pl.col("drop_date") <= pl.col("_until")))
                )
            )
        )
        return kept.select(obs.columns)

    def sees_only_from_outside(self, pupil_id: int) -> bool:
        """Whether the user sees the pupil only as a parent or placing-school contact (so only
        released judgements: a page can say "shared" rather than "recorded"). Two queries."""
        if self.scope.trust_wide_pupils or not (self.scope.parent or self.scope.placing_school_ids):
            return False
        readable = visible_enrolments(self.user).filter(pupil_id=pupil_id, school__trust_id=self.trust_id)
        pairs = pl.DataFrame(
            list(readable.order_by().values_list("pupil_id", "school_id").distinct()),
            schema=_PAIRS,
            orient="row",
        )
        return not pairs.is_empty() and self._outside_pairs(pairs).height == pairs.height

    def _outside_pairs(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """The (pupil, school) pairs of ``pairs`` the user sees only from outside the school: as
        a parent or a placing-school contact, not as its staff or the pupil's teacher. One query
        when the user also teaches classes somewhere (to tell their pupils apart), else none."""
        if not (self.scope.parent or self.scope.placing_school_ids):
            return pairs.clear()
        outside = pairs.filter(~pl.col("school_id").is_in(sorted(self.scope.pupil_school_ids)))
        teaching = self.scope.class_reach_school_ids & set(outside.get_column("school_id"))
        if teaching:
            from strides.access.readers import visible_memberships

            taught = (
                visible_memberships(self.user)
                .filter(group__school_id__in=teaching, pupil_id__in=outside.get_column("pupil_id").to_list())
                .values_list("pupil_id", "group__school_id")
            )
            taught_pairs = pl.DataFrame(list(taught.distinct()), schema=_PAIRS, orient="row")
            outside = outside.join(taught_pairs, on=["pupil_id", "school_id"], how="anti")
        return outside

    def benchmark(self, end_year: int | None = None) -> pl.DataFrame:
        """What similar-learner percentiles compare with (trust-wide by design: a percentile
        reveals no other pupil's data): the rolling pool ends with ``end_year``, the academic year
        of the drop being viewed (default the latest with data)."""
        if self.trust_id is None:
            return empty_benchmark()
        return frames.similar_pool(self.trust_id, end_year=end_year)

    def similar(self, end_year: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
        """:meth:`benchmark` and its composition by school (how many of each cell's pupils each
        school has: empty for an external benchmark), for value added that says when a school is
        compared mostly with itself (``strides.dashboards.own_pool``). Cached with the pool."""
        if self.trust_id is None:
            return empty_benchmark(), empty_composition()
        return frames.pool_tables(self.trust_id, end_year=end_year)

    def pool_source(self) -> frames.PoolSource | None:
        return None if self.trust_id is None else frames.pool_source(self.trust_id)

    def trust_pool(self) -> pl.DataFrame:
        """The trust's own similar-learner pool (the latest three academic years with data), in the
        shape of an external benchmark table, whether or not an uploaded one is in use: what a trust
        analyst downloads to compare, or to share as a benchmark. Counts of pupils per start point,
        phase, need and points gained: trust-wide, like every percentile."""
        if self.trust_id is None:
            return empty_benchmark()
        obs = frames.observations(self.trust_id)
        if obs.is_empty():
            return empty_benchmark()
        end_year = int(obs.get_column("academic_year").max())
        return benchmark_table(rolling_pool(annual_progress(obs), end_year=end_year, years=frames.POOL_YEARS))

    # --- small numbers -------------------------------------------------------------------------------

    @property
    def threshold(self) -> int:
        return settings.STRIDES_SMALL_GROUP_THRESHOLD

    def suppress(
        self,
        table: pl.DataFrame,
        *,
        partition: Sequence[str] = (),
        value_columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """``table`` with a ``suppressed`` column: small groups (and the groups that would give
        them away by subtraction within ``partition``) hidden for users who must not see them,
        nothing hidden for everyone else. For a user who must see every school suppressed (the
        usual case) the whole table is suppressed with ``partition`` as given, so schools that add
        up to a trust total protect one another. A user who sees some schools' pupils by name and
        only aggregates of others has a ``school_id`` table judged school by school; any other
        table is suppressed whole."""
        if not self.suppress_small_groups:
            return table.with_columns(pl.lit(False).alias("suppressed"))
        mixed = not all(self.suppresses(s) for s in self.aggregate_school_ids)
        if mixed and "school_id" in table.columns:
            hidden = [s for s in self.aggregate_school_ids if self.suppresses(s)]
            needs = pl.col("school_id").is_in(hidden)
            numbered = table.with_columns(pl.int_range(pl.len()).alias("_order"))
            shown = numbered.filter(~needs).with_columns(pl.lit(False).alias("suppressed"))
            kept = suppress(
                numbered.filter(needs),
                threshold=self.threshold,
                partition=list(dict.fromkeys(["school_id", *partition])),
                value_columns=value_columns,
            )
            merged = pl.concat([shown, kept.select(shown.columns)], how="vertical_relaxed")
            return merged.sort("_order").drop("_order")
        return suppress(table, threshold=self.threshold, partition=partition, value_columns=value_columns)
