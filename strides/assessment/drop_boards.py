"""Reads for the drop boards, set-based: the trust board counts every school's progress in a fixed
number of queries (``queries.completeness`` asks once per school), and a school's board counts
class by class. Callers pass schools and classes already scoped through the gate; the counts are
read within the user's aggregate reach (``strides.access.aggregates``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from strides.access.actor import Viewer
from strides.access.aggregates import judgements_in_aggregate_reach, memberships_in_aggregate_reach
from strides.access.gate import scope_for
from strides.accounts.models import Membership
from strides.accounts.roles import Role
from strides.assessment.models import DataDrop, DropSchool, DropStatus
from strides.assessment.queries import expected_enrolments
from strides.classes.models import TeachingGroup
from strides.frameworks.models import Subject
from strides.frameworks.queries import subjects_owed, subjects_owed_at
from strides.organisations.models import School

DONE = frozenset({DropStatus.SUBMITTED, DropStatus.LOCKED})


@dataclass(frozen=True)
class Progress:
    """n of N recorded: ``expected`` is pupils x subjects, ``recorded`` the judgements made."""

    pupils: int
    expected: int
    recorded: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.recorded, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.expected) if self.expected else 100


@dataclass(frozen=True)
class SchoolProgress(Progress):
    part: DropSchool
    overdue: bool

    @property
    def chase(self) -> bool:
        """Still owes the trust its submission."""
        return self.part.status not in DONE


def is_overdue(drop: DataDrop, status: str, today: dt.date) -> bool:
    return today > drop.deadline and status not in DONE


def trust_board(
    user: Viewer, drop: DataDrop, school_ids: Sequence[int], today: dt.date | None = None
) -> list[SchoolProgress]:
    """Each of ``school_ids``' progress on the drop, by school name: pupils x the subjects each
    school owes (their phase fits it, or they are its own). Four queries, whatever the number of
    schools."""
    today = today or dt.date.today()
    parts = list(
        DropSchool.objects.filter(drop=drop, school_id__in=list(school_ids))
        .select_related("school")
        .order_by("school__name")
    )
    ids = [part.school_id for part in parts]
    owed = {pk: {s.pk for s in owing} for pk, owing in subjects_owed(drop, [p.school for p in parts]).items()}
    subject_ids = set().union(*owed.values()) if owed else set()
    expected = expected_enrolments(user, drop, ids)
    pupils = dict(
        expected.values("school_id")
        .annotate(n=Count("pupil_id", distinct=True))
        .values_list("school_id", "n")
    )
    recorded: dict[int, int] = defaultdict(int)
    for school_id, subject_id, n in (
        # a join bypasses Judgement.objects: withdrawn judgements are left out here by hand
        expected.filter(
            pupil__judgements__drop=drop,
            pupil__judgements__subject_id__in=subject_ids,
            pupil__judgements__withdrawn_at__isnull=True,
        )
        .values("school_id", "pupil__judgements__subject_id")
        .annotate(n=Count("pupil__judgements", distinct=True))
        .values_list("school_id", "pupil__judgements__subject_id", "n")
    ):
        if subject_id in owed.get(school_id, ()):
            recorded[school_id] += n
    return [
        SchoolProgress(
            pupils=pupils.get(part.school_id, 0),
            expected=pupils.get(part.school_id, 0) * len(owed.get(part.school_id, ())),
            recorded=recorded.get(part.school_id, 0),
            part=part,
            overdue=is_overdue(drop, part.status, today),
        )
        for part in parts
    ]


def totals(rows: Sequence[Progress]) -> Progress:
    return Progress(
        pupils=sum(r.pupils for r in rows),
        expected=sum(r.expected for r in rows),
        recorded=sum(r.recorded for r in rows),
    )


@dataclass(frozen=True)
class HeadContact:
    name: str
    email: str


def heads_of(school_ids: Iterable[int]) -> dict[int, list[HeadContact]]:
    """The headteachers of each school, for the chase list. One query."""
    heads: dict[int, list[HeadContact]] = defaultdict(list)
    for school_id, first, last, display, username, email in (
        Membership.objects.filter(role=Role.HEADTEACHER, school_id__in=list(school_ids), user__is_active=True)
        .order_by("user__last_name", "user__first_name")
        .values_list(
            "school_id",
            "user__first_name",
            "user__last_name",
            "user__display_name",
            "user__username",
            "user__email",
        )
    ):
        name = display or f"{first} {last}".strip() or username
        heads[school_id].append(HeadContact(name, email))
    return heads


def chase_text(drop: DataDrop, rows: Sequence[SchoolProgress], heads: dict[int, list[HeadContact]]) -> str:
    """Plain text to paste into an email: the schools that have not submitted, overdue first,
    each with its progress and head, then the heads' addresses on one line for the To: box."""
    owing = sorted((r for r in rows if r.chase), key=lambda r: (not r.overdue, r.part.school.name))
    if not owing:
        return ""
    due = f"{drop.deadline:%A} {drop.deadline.day} {drop.deadline:%B %Y}"
    lines = [f"{drop.name}: due {due}.", ""]
    addresses: list[str] = []
    for row in owing:
        school = row.part.school
        state = "OVERDUE, " if row.overdue else ""
        line = (
            f"- {school.name} (URN {school.urn}): {state}{row.part.get_status_display().lower()}, "
            f"{row.recorded} of {row.expected} recorded"
        )
        contacts = heads.get(school.pk, [])
        if contacts:
            line += ". Head: " + "; ".join(
                f"{c.name} <{c.email}>" if c.email else f"{c.name} (no email address on record)"
                for c in contacts
            )
        else:
            line += ". Head: not recorded in Strides"
        lines.append(line)
        addresses += [c.email for c in contacts if c.email and c.email not in addresses]
    if addresses:
        lines += ["", "To: " + "; ".join(addresses)]
    return "\n".join(lines)


# --- one school, class by class ---------------------------------------------------------------

# A class's subject in the school's words -> the drop subjects it covers.
SUBJECT_WORDS = {"english": {"reading", "writing"}, "mathematics": {"maths"}, "math": {"maths"}}


def subjects_for_class(group: TeachingGroup, subjects: Sequence[Subject]) -> list[Subject]:
    """A form class (no subject) covers every subject of the drop; a subject class covers its own
    subject; a class in a subject the drop does not collect covers none."""
    said = group.subject.strip().lower()
    if not said:
        return list(subjects)
    codes = SUBJECT_WORDS.get(said, {said})
    return [s for s in subjects if s.code in codes or s.name.lower() in codes]


@dataclass(frozen=True)
class ClassProgress(Progress):
    group: TeachingGroup | None  # None: expected pupils in no class of the year
    subjects: tuple[str, ...]
    # pupils of the class the drop does not expect (another year group, or off roll on its date)
    outside: int = 0

    @property
    def in_drop(self) -> bool:
        """False for a class whose pupils are all outside the drop (a Reception class in a drop
        of Years 1-11): listed as not in this drop, not as "0 of 0 (100%)"."""
        return bool(self.pupils) or not self.outside


@dataclass(frozen=True)
class SchoolBoard:
    total: Progress
    classes: list[ClassProgress]


def school_board(
    user: Viewer, drop: DataDrop, school_id: int, groups: QuerySet[TeachingGroup], whole_school: bool
) -> SchoolBoard:
    """The school's progress on the drop in total and for each of ``groups`` (the classes of the
    drop's year the user may open). With ``whole_school``, a last row counts the expected pupils
    who are in none of the school's classes. Six queries."""
    subjects = subjects_owed_at(drop, School.objects.get(pk=school_id))  # its phase's and its own
    expected = expected_enrolments(user, drop, [school_id])
    expected_ids = set(expected.values_list("pupil_id", flat=True))
    judged: dict[int, set[int]] = defaultdict(set)
    for pupil_id, subject_id in (
        judgements_in_aggregate_reach(user)
        .filter(drop=drop, subject__in=subjects, pupil_id__in=expected.values("pupil_id"))
        .values_list("pupil_id", "subject_id")
    ):
        judged[pupil_id].add(subject_id)

    def progress_of(pupil_ids: set[int], subject_ids: set[int]) -> tuple[int, int, int]:
        recorded = sum(len(judged.get(p, set()) & subject_ids) for p in pupil_ids)
        return len(pupil_ids), len(pupil_ids) * len(subject_ids), recorded

    all_subject_ids = {s.pk for s in subjects}
    total = Progress(*progress_of(expected_ids, all_subject_ids))

    group_list = list(
        groups.filter(school_id=school_id, academic_year_id=drop.academic_year_id).order_by("nc_year", "name")
    )
    members: dict[int, set[int]] = defaultdict(set)
    outside: dict[int, int] = defaultdict(int)
    in_any_class: set[int] = set()
    for group_id, pupil_id in (
        memberships_in_aggregate_reach(user)
        .filter(group__school_id=school_id, group__academic_year_id=drop.academic_year_id)
        .values_list("group_id", "pupil_id")
    ):
        if pupil_id in expected_ids:
            members[group_id].add(pupil_id)
            in_any_class.add(pupil_id)
        else:
            outside[group_id] += 1
    rows = []
    for group in group_list:
        covered = subjects_for_class(group, subjects)
        if not covered:
            continue
        pupils, expected, recorded = progress_of(members.get(group.pk, set()), {s.pk for s in covered})
        rows.append(
            ClassProgress(
                pupils, expected, recorded, group, tuple(s.name for s in covered), outside[group.pk]
            )
        )
    rows.sort(key=lambda row: not row.in_drop)  # classes outside the drop last
    unplaced = expected_ids - in_any_class
    if whole_school and unplaced:
        pupils, expected, recorded = progress_of(unplaced, all_subject_ids)
        rows.append(ClassProgress(pupils, expected, recorded, None, tuple(s.name for s in subjects)))
    return SchoolBoard(total, rows)


def sees_whole_school(user: object, school_id: int) -> bool:
    """Whether the user sees every class of the school (not only their own)."""
    scope = scope_for(user)
    return scope.trust_wide_pupils or school_id in scope.pupil_school_ids
