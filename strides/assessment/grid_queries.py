"""Reads behind the class grid: a class's pupils x a drop's subjects, each cell with its current
level, its version (for the lost-update check) and the pupil's value in the previous drop.

Callers pass a group and drop already looked up through the scoping gate (``grid_views``); the
pupils are narrowed again here through ``visible_pupils``. The whole grid is a fixed number of
queries however many pupils the class has.

What a teacher may type in a cell is a :class:`Vocabulary`: every spelling ``level_lookup``
accepts for the pupil's framework, plus the pupil's own year group as shorthand (for a Year 3
pupil on the national-curriculum bands "E", "EXS" or "Expected" mean "Y3 EXS"), so a practised
teacher records a cell in one or two keys.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from strides.access.gate import schools_with, visible_classes, visible_pupils
from strides.accounts.models import User
from strides.accounts.roles import ROLE_CAPABILITIES, Capability
from strides.assessment.models import DataDrop, DropSchool, Judgement, drop_title
from strides.assessment.queries import expected_enrolments
from strides.classes.models import GroupMembership, TeachingGroup
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.queries import DEFAULT_FRAMEWORK_CODE, FrameworkChooser
from strides.frameworks.services import level_lookup, normalise_code
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil

MAX_SUGGESTIONS = 8
_TYPED_YEAR = re.compile(r"^(?:YEAR|Y)?(\d{1,2})(?=\D|$)")


def _year_prefix(nc_year: int) -> re.Pattern[str]:
    # "Y3EXS", "YEAR3EXS", "3EXS" -> "EXS" for Year 3; never "Y31..." or "Y13..." for Year 1/3.
    return re.compile(rf"^(?:YEAR|Y)?{nc_year}(?=\D)")


# --- what a cell accepts ---------------------------------------------------------------------


@dataclass
class Vocabulary:
    """The levels a pupil may be given in one subject and every spelling that names one."""

    framework: Framework
    levels: list[Level]
    nc_year: int | None
    spellings: dict[str, Level] = field(default_factory=dict)  # normalised spelling -> level
    shorthand: dict[str, Level] = field(default_factory=dict)  # the pupil's own year only

    @classmethod
    def build(cls, framework: Framework, levels: Sequence[Level], nc_year: int | None) -> Vocabulary:
        vocabulary = cls(framework, list(levels), nc_year, level_lookup(levels))
        vocabulary.shorthand = year_shorthand(levels, nc_year)
        return vocabulary

    def resolve(self, text: str) -> Level | None:
        key = normalise_code(text)
        if not key:
            return None
        return self.spellings.get(key) or self.shorthand.get(key)

    def year_levels(self, nc_year: int | None) -> list[Level]:
        if nc_year is None or nc_year < 1:
            return []
        prefix = _year_prefix(nc_year)
        return [level for level in self.levels if prefix.match(normalise_code(level.code))]

    def suggestions(self, text: str) -> list[str]:
        """A few levels the teacher probably meant: the year group they typed, else the pupil's
        year group, else the levels sharing the longest start with what they typed."""
        return suggest([lv.code for lv in self.levels], text, self.nc_year)

    def invalid_message(self, text: str) -> str:
        shown = " ".join(text.split())[:40]
        if not shown:
            return "Type a level code: a judgement cannot be cleared here."
        return f"{shown} is not a level of {self.framework.name}: try {', '.join(self.suggestions(text))}."


def year_shorthand(levels: Iterable[Level], nc_year: int | None) -> dict[str, Level]:
    """Spellings of the pupil's own year group's levels without the year ("EXS", "EXP",
    "EXPECTED"), and each level's first letter when no other level of that year shares it."""
    if nc_year is None or nc_year < 1:
        return {}
    prefix = _year_prefix(nc_year)
    shorthand: dict[str, Level] = {}
    initials: dict[str, list[Level]] = {}
    for level in levels:
        code = normalise_code(level.code)
        if not prefix.match(code):
            continue
        suffix = prefix.sub("", code)
        initials.setdefault(suffix[0], []).append(level)
        for spelling in (level.code, *(level.aliases or [])):
            normalised = normalise_code(spelling)
            if prefix.match(normalised):
                shorthand.setdefault(prefix.sub("", normalised), level)
    for letter, owners in initials.items():
        if len(owners) == 1:
            shorthand.setdefault(letter, owners[0])
    return shorthand


def suggest(codes: Sequence[str], text: str, nc_year: int | None) -> list[str]:
    """The same rule as ``suggest`` in grid.js, so the instant and the server's answers agree."""
    typed = normalise_code(text)

    def of_year(year: int) -> list[str]:
        prefix = _year_prefix(year)
        return [code for code in codes if prefix.match(normalise_code(code))]

    match = _TYPED_YEAR.match(typed)
    if match and (picks := of_year(int(match.group(1)))):
        return picks[:MAX_SUGGESTIONS]
    if nc_year is not None and nc_year >= 1 and (picks := of_year(nc_year)):
        return picks[:MAX_SUGGESTIONS]

    def shared(code: str) -> int:
        normalised = normalise_code(code)
        n = 0
        while n < min(len(normalised), len(typed)) and normalised[n] == typed[n]:
            n += 1
        return n

    best = max((shared(code) for code in codes), default=0)
    picks = [code for code in codes if shared(code) == best] if best else list(codes)
    return picks[:MAX_SUGGESTIONS]


def levels_by_framework(frameworks: Iterable[Framework]) -> dict[int, list[Level]]:
    ids = {f.pk for f in frameworks if f is not None}
    by_framework: dict[int, list[Level]] = {pk: [] for pk in ids}
    for level in Level.objects.filter(framework_id__in=ids).order_by("framework_id", "order"):
        by_framework[level.framework_id].append(level)
    return by_framework


# --- pupils of a class on the drop's date ----------------------------------------------------


def nc_year_on(day: dt.date) -> Subquery:
    """Annotation on Pupil: the NC year of the latest characteristics period begun by ``day``
    (the one in force then; an ended record keeps its last year)."""
    periods = CharacteristicsPeriod.objects.filter(pupil_id=OuterRef("pk"), valid_from__lte=day)
    return Subquery(periods.order_by("-valid_from").values("nc_year")[:1])


def class_pupils(user: Any, group: TeachingGroup | int, day: dt.date) -> QuerySet[Pupil]:
    """The class's pupils the user sees through the gate, each with ``nc_year_then``."""
    return (
        visible_pupils(user)
        .filter(group_memberships__group=group)
        .annotate(nc_year_then=nc_year_on(day))
        .order_by("legal_surname", "legal_forename", "pk")
    )


# --- the grid --------------------------------------------------------------------------------


@dataclass
class GridCell:
    row: int
    col: int
    pupil: Pupil
    subject: Subject
    framework: Framework | None
    vocabulary_key: str
    code: str = ""
    version: int = 0
    previous_code: str = ""
    previous_when: str = ""
    editable: bool = True
    html: str = ""  # grid_html.cell_html, filled in by the view

    @property
    def input_id(self) -> str:
        return f"cell-{self.row}-{self.col}"

    @property
    def label(self) -> str:
        return f"{self.pupil.display_name}, {self.subject.name}"


@dataclass
class GridRow:
    index: int
    pupil: Pupil
    nc_year: int | None
    on_roll: bool
    cells: list[GridCell]
    # (subject names, framework name) for frameworks other than the default, shown in the header
    framework_notes: list[tuple[str, str]]


@dataclass
class ClassGrid:
    drop: DataDrop
    group: TeachingGroup
    part: DropSchool
    subjects: list[Subject]
    rows: list[GridRow]
    vocabularies: dict[str, Vocabulary]
    left_out: int  # pupils of the class in year groups the drop does not collect

    @property
    def editable(self) -> bool:
        return self.part.teachers_may_edit

    @property
    def cells_expected(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.editable)

    @property
    def cells_recorded(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.editable and cell.code)

    def shorthand_example(self) -> list[tuple[str, str]]:
        """One-letter shorthand of the first year group that has it, for the help text:
        [("W", "Y3 WTS"), ("E", "Y3 EXS"), ("G", "Y3 GDS")]."""
        for vocabulary in self.vocabularies.values():
            letter_of = {lv.pk: key for key, lv in vocabulary.shorthand.items() if len(key) == 1}
            if letter_of:
                return [(letter_of[lv.pk], lv.code) for lv in vocabulary.levels if lv.pk in letter_of]
        return []

    def client_vocabulary(self) -> dict[str, Any]:
        """For grid.js (a JSON block, not a script): each framework's spellings, levels and each
        year group's shorthand, so a typed code is checked as it is typed."""
        frameworks: dict[str, Any] = {}
        shorthand: dict[str, dict[str, str]] = {}
        for key, vocabulary in self.vocabularies.items():
            fid = str(vocabulary.framework.pk)
            if fid not in frameworks:
                frameworks[fid] = {
                    "name": vocabulary.framework.name,
                    "codes": [lv.code for lv in vocabulary.levels],
                    "spellings": {spelling: lv.code for spelling, lv in vocabulary.spellings.items()},
                }
            shorthand[key] = {spelling: lv.code for spelling, lv in vocabulary.shorthand.items()}
        return {"frameworks": frameworks, "shorthand": shorthand}


def closed_reason(part: DropSchool) -> str:
    """The message a closed drop gives (the same words ``editable_part`` raises)."""
    if part.teachers_may_edit:
        return ""
    return (
        f"{part.school}'s {part.drop} is {part.get_status_display().lower()}: judgements can no "
        "longer be changed. Ask the trust to reopen it."
    )


def closed_by(part: DropSchool) -> str:
    """Who closed the school's part of the drop and when: "Submitted by the head (Hana Head) on
    3 December 2026." Empty while teachers may edit."""
    if part.teachers_may_edit:
        return ""
    who = f" ({part.changed_by})" if part.changed_by_id and part.changed_by else ""
    status = part.get_status_display()
    when = f"{part.changed_at.day} {part.changed_at:%B %Y}"
    return f"{status}{who} on {when}."


def reopeners(drop: DataDrop) -> list[str]:
    """The people who can reopen a drop: active holders of a role with MANAGE_DROPS in the drop's
    trust (the trust's assessment team), by name. One query."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_DROPS in caps]
    users = (
        User.objects.filter(is_active=True, memberships__trust_id=drop.trust_id, memberships__role__in=roles)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return [str(user) for user in users]


def previous_values(
    drop: DataDrop, pupil_ids: Sequence[int], subject_ids: Sequence[int]
) -> dict[tuple[int, int], tuple[str, str]]:
    """(pupil, subject) -> (level code, "Summer 2024/25") from the most recent earlier drop of
    the trust that has a judgement for it. One query for the whole class."""
    rows = (
        Judgement.objects.filter(
            pupil_id__in=pupil_ids,
            subject_id__in=subject_ids,
            drop__trust_id=drop.trust_id,
            drop__assessed_on__lt=drop.assessed_on,
        )
        .order_by("pupil_id", "subject_id", "-drop__assessed_on", "-drop_id")
        .values_list("pupil_id", "subject_id", "level__code", "drop__name", "drop__academic_year__start_year")
    )
    found: dict[tuple[int, int], tuple[str, str]] = {}
    for pupil_id, subject_id, code, name, start_year in rows:
        if (pupil_id, subject_id) not in found:
            year_label = f"{start_year}/{(start_year + 1) % 100:02d}"  # AcademicYear.label
            found[(pupil_id, subject_id)] = (code, drop_title(name, year_label))
    return found


def build_grid(user: Any, drop: DataDrop, group: TeachingGroup, part: DropSchool) -> ClassGrid:
    day = drop.assessed_on
    subjects = list(drop.subjects.order_by("order", "name"))
    # on the school's roll on the drop's date, as queries.expected_enrolments counts them
    on_roll_here = Enrolment.objects.filter(
        school_id=group.school_id, pupil_id=OuterRef("pk"), start_date__lte=day
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
    pupils = list(class_pupils(user, group, day).annotate(on_roll=Exists(on_roll_here)))
    in_drop = [p for p in pupils if not drop.nc_years or p.nc_year_then in drop.nc_years]
    ids = [p.pk for p in in_drop]
    on_roll = {p.pk for p in in_drop if p.on_roll}
    chooser = FrameworkChooser(group.school_id, subjects, day)
    chosen = {
        (p.pk, s.pk): chooser.framework_for(p.pk, s.pk, p.nc_year_then) for p in in_drop for s in subjects
    }
    levels = levels_by_framework(chosen.values())
    current = {
        (pupil_id, subject_id): (code, version)
        for pupil_id, subject_id, code, version in Judgement.objects.filter(
            drop=drop, pupil_id__in=ids
        ).values_list("pupil_id", "subject_id", "level__code", "version")
    }
    previous = previous_values(drop, ids, [s.pk for s in subjects])

    vocabularies: dict[str, Vocabulary] = {}
    rows = []
    for r, pupil in enumerate(in_drop):
        cells = []
        notes: dict[str, list[str]] = {}
        for c, subject in enumerate(subjects):
            framework = chosen[(pupil.pk, subject.pk)]
            key = f"{framework.pk}:{pupil.nc_year_then}" if framework else ""
            if framework is not None and key not in vocabularies:
                vocabularies[key] = Vocabulary.build(framework, levels[framework.pk], pupil.nc_year_then)
            if framework is not None and framework.code != DEFAULT_FRAMEWORK_CODE:
                notes.setdefault(framework.name, []).append(subject.name)
            code, version = current.get((pupil.pk, subject.pk), ("", 0))
            previous_code, previous_when = previous.get((pupil.pk, subject.pk), ("", ""))
            cells.append(
                GridCell(
                    row=r,
                    col=c,
                    pupil=pupil,
                    subject=subject,
                    framework=framework,
                    vocabulary_key=key,
                    code=code,
                    version=version,
                    previous_code=previous_code,
                    previous_when=previous_when,
                    editable=framework is not None and pupil.pk in on_roll,
                )
            )
        rows.append(
            GridRow(
                index=r,
                pupil=pupil,
                nc_year=pupil.nc_year_then,
                on_roll=pupil.pk in on_roll,
                cells=cells,
                framework_notes=[(", ".join(names), name) for name, names in notes.items()],
            )
        )
    return ClassGrid(
        drop=drop,
        group=group,
        part=part,
        subjects=subjects,
        rows=rows,
        vocabularies=vocabularies,
        left_out=len(pupils) - len(in_drop),
    )


def cell_vocabulary(school_id: int, drop: DataDrop, pupil: Pupil, subject: Subject) -> Vocabulary | None:
    """What one cell accepts: the pupil's framework for the subject on the drop's date at the
    class's school. ``pupil`` comes from :func:`class_pupils` (it carries ``nc_year_then``), as
    the grid's rows do. Three queries: the school's framework choices, the default framework and
    the chosen framework's levels."""
    nc_year = pupil.nc_year_then
    framework = FrameworkChooser(school_id, [subject], drop.assessed_on).framework_for(
        pupil.pk, subject.pk, nc_year
    )
    if framework is None:
        return None
    return Vocabulary.build(framework, list(framework.levels.order_by("order")), nc_year)


# --- which classes and drops a user records for ----------------------------------------------


@dataclass
class ClassProgress:
    group: TeachingGroup
    pupils: int  # pupils of the class the drop expects (queries.expected_enrolments)
    recorded: int
    expected: int
    mine: bool
    outside: int = 0  # pupils of the class the drop does not expect: another year group, or off roll

    @property
    def in_drop(self) -> bool:
        """False for a class whose pupils are all outside the drop (a Reception class in a drop
        of Years 1-11): listed as not in this drop, with nothing to record."""
        return bool(self.pupils) or not self.outside


@dataclass
class SchoolClasses:
    part: DropSchool
    classes: list[ClassProgress]

    @property
    def mine(self) -> list[ClassProgress]:
        return [c for c in self.classes if c.mine]

    @property
    def others(self) -> list[ClassProgress]:
        return [c for c in self.classes if not c.mine]


def grid_classes(user: Any, drop: DataDrop) -> list[SchoolClasses]:
    """The drop's schools where the user records judgements, each with the classes the user can
    open in the drop's year: their own first, then (for school-wide roles) the rest. Each class
    with n of N cells recorded, counting only the pupils the drop expects (the boards' rule);
    classes with none of them come last. Six queries whatever the number of classes."""
    recording = schools_with(user, Capability.RECORD_ASSESSMENT).values("pk")
    parts = list(
        DropSchool.objects.filter(drop=drop, school_id__in=recording)
        .select_related("school", "drop")
        .order_by("school__name")
    )
    if not parts:
        return []
    subject_ids = set(drop.subjects.values_list("pk", flat=True))
    school_ids = [p.school_id for p in parts]
    groups = list(
        visible_classes(user)
        .filter(school_id__in=school_ids, academic_year_id=drop.academic_year_id)
        .annotate(mine=Count("staff_links", filter=Q(staff_links__user_id=user.pk), distinct=True))
        .order_by("nc_year", "name")
    )
    expected = set(
        expected_enrolments(drop, school_ids).order_by().values_list("school_id", "pupil_id").distinct()
    )
    members: dict[int, list[int]] = {g.pk: [] for g in groups}
    for group_id, pupil_id in GroupMembership.objects.filter(group_id__in=list(members)).values_list(
        "group_id", "pupil_id"
    ):
        members[group_id].append(pupil_id)
    judged: dict[int, int] = defaultdict(int)  # pupil -> judgements in the drop's subjects
    for pupil_id, subject_id in Judgement.objects.filter(
        drop=drop, pupil_id__in=GroupMembership.objects.filter(group_id__in=list(members)).values("pupil_id")
    ).values_list("pupil_id", "subject_id"):
        if subject_id in subject_ids:
            judged[pupil_id] += 1
    by_school: dict[int, list[ClassProgress]] = {p.school_id: [] for p in parts}
    for g in groups:
        in_drop = [p for p in members[g.pk] if (g.school_id, p) in expected]
        by_school[g.school_id].append(
            ClassProgress(
                group=g,
                pupils=len(in_drop),
                recorded=sum(judged[p] for p in in_drop),
                expected=len(in_drop) * len(subject_ids),
                mine=bool(g.mine),
                outside=len(members[g.pk]) - len(in_drop),
            )
        )
    for progress in by_school.values():
        progress.sort(key=lambda c: not c.in_drop)  # stable: by year and name within each
    return [SchoolClasses(part, by_school[part.school_id]) for part in parts]


@dataclass
class DropForUser:
    drop: DataDrop
    parts: list[DropSchool]

    @property
    def open_parts(self) -> list[DropSchool]:
        return [p for p in self.parts if p.teachers_may_edit]


def drops_for_user(user: Any) -> tuple[list[DropForUser], list[DropForUser]]:
    """Drops with a school where the user records judgements: (still open for editing at one of
    them, closed everywhere), newest first. One query."""
    recording = schools_with(user, Capability.RECORD_ASSESSMENT).values("pk")
    parts = (
        DropSchool.objects.filter(school_id__in=recording)
        .select_related("drop", "drop__academic_year", "school")
        .order_by("-drop__assessed_on", "drop__name", "school__name")
    )
    drops: dict[int, DropForUser] = {}
    for part in parts:
        drops.setdefault(part.drop_id, DropForUser(part.drop, [])).parts.append(part)
    current: list[DropForUser] = []
    past: list[DropForUser] = []
    for entry in drops.values():
        (current if entry.open_parts else past).append(entry)
    return current, past
