"""Reads behind the class grid: a class's pupils x a drop's subjects, each cell with its current
level, its version (for the lost-update check) and the pupil's value in the previous drop.

Callers pass a group and drop already looked up through the scoping gate (``grid_views``); the
pupils are narrowed again here through ``visible_pupils``. The whole grid is a fixed number of
queries however many pupils the class has.

What a teacher may type in a cell is a :class:`Vocabulary`: the one rule of
:mod:`strides.frameworks.level_codes` (the same as the spreadsheet import's and the API's) for the
pupil's framework, their band year (for a Year 3 pupil on the national-curriculum bands "E",
"EXS" or "Expected" mean "Y3 EXS"; a pupil working below their year group keeps the band of their
previous judgement; "3E" or "y2g" name a year's band whatever it is), so a practised teacher records
a cell in one or two keys. A level of another framework is refused, naming it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from strides.access.actor import Viewer
from strides.access.aggregates import memberships_in_aggregate_reach
from strides.access.gate import schools_with, visible_classes, visible_enrolments, visible_pupils
from strides.access.judgements import visible_judgement_history, visible_judgements
from strides.access.readers import visible_characteristics
from strides.accounts.models import User
from strides.accounts.roles import ROLE_CAPABILITIES, Capability
from strides.assessment.models import DataDrop, DropSchool
from strides.assessment.queries import PreviousJudgement, expected_enrolments, previous_judgements
from strides.classes.models import TeachingGroup
from strides.frameworks.configuration import code_book, framework_chooser, subjects_by_code
from strides.frameworks.level_codes import CodeBook, Resolution, jump_warning, pupil_band_year
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.queries import (
    DEFAULT_FRAMEWORK_CODE,
    FrameworkChooser,
    subjects_owed,
    subjects_owed_at,
)
from strides.pupils.models import Pupil
from strides.pupils.queries import current_enrolments

# --- what a cell accepts ---------------------------------------------------------------------


@dataclass
class Vocabulary:
    """What one cell accepts: the code book's rule (:meth:`CodeBook.resolve`) for the pupil's
    framework in the subject at the school, shorthand for the bands of year ``band``."""

    book: CodeBook
    school_id: int
    subject_id: int
    framework: Framework
    band: int | None
    chosen: frozenset[int] = frozenset()

    @property
    def key(self) -> str:
        """Cells with the same framework and band year share their shorthand in grid.js."""
        return f"{self.framework.pk}:{'' if self.band is None else self.band}"

    @property
    def levels(self) -> list[Level]:
        return self.book.levels_of(self.framework)

    @property
    def shorthand(self) -> dict[str, Level]:
        codes = self.book.frameworks.get(self.framework.pk)
        return codes.shorthand(self.band) if codes else {}

    def resolution(self, text: str) -> Resolution | None:
        return self.book.resolve(
            text,
            school_id=self.school_id,
            subject_id=self.subject_id,
            framework=self.framework,
            band=self.band,
            chosen=self.chosen,
        )

    def resolve(self, text: str) -> Level | None:
        found = self.resolution(text)
        return found.level if found else None

    def invalid_message(self, text: str) -> str:
        """Why a cell refused ``text``: the code book's words (:meth:`CodeBook.not_a_level`), the
        same as the spreadsheet import's and the API's."""
        if not text.split():
            return (
                "Type a level code: emptying a cell keeps its judgement "
                "(Shift+Delete withdraws one entered by mistake)."
            )
        return self.book.not_a_level(
            text, self.framework, self.band, school_id=self.school_id, subject_id=self.subject_id
        )


def cell_rule(
    book: CodeBook,
    chooser: FrameworkChooser,
    school_id: int,
    drop: DataDrop,
    pupil_id: int,
    subject_id: int,
    nc_year: int | None,
    previous: PreviousJudgement | None,
) -> Vocabulary | None:
    """The vocabulary of one pupil x subject: their framework (None when the school may not use
    it for the subject: nothing can be recorded) and their band year
    (:func:`~strides.frameworks.level_codes.pupil_band_year`)."""
    framework = chooser.framework_for(pupil_id, subject_id, nc_year)
    if framework is None or not book.usable(framework.pk, school_id, subject_id):
        return None
    band = pupil_band_year(nc_year, previous, drop)
    chosen: Collection[int] = chooser.chosen.get(subject_id, ())
    return Vocabulary(book, school_id, subject_id, framework, band, frozenset(chosen))


# --- pupils of a class on the drop's date ----------------------------------------------------


def nc_year_on(user: Viewer, day: dt.date) -> Subquery:
    """Annotation on Pupil: the NC year of the latest characteristics period begun by ``day``
    (the one in force then; an ended record keeps its last year), as the user reads it."""
    periods = visible_characteristics(user).filter(pupil_id=OuterRef("pk"), valid_from__lte=day)
    return Subquery(periods.order_by("-valid_from").values("nc_year")[:1])


def class_pupils(user: Viewer, group: TeachingGroup | int, day: dt.date) -> QuerySet[Pupil]:
    """The class's pupils the user sees through the gate, each with ``nc_year_then``."""
    return (
        visible_pupils(user)
        .filter(group_memberships__group=group)
        .annotate(nc_year_then=nc_year_on(user, day))
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
    band: int | None = None
    code: str = ""
    version: int = 0
    previous_code: str = ""
    previous_when: str = ""
    warning: str = ""  # the jump from the previous drop, when it is large (codes.jump_warning)
    editable: bool = True
    withdrawn: bool = False  # its judgement was withdrawn (empty; typing a level reinstates it)
    held_by: str = ""  # the other school whose judgement this is (read-only here: ADR 11)
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
    vocabularies: dict[str, Vocabulary]  # by Vocabulary.key
    left_out: int  # pupils of the class in year groups the drop does not collect
    book: CodeBook | None = None
    others: dict[str, list[int]] | None = None  # subject code -> other frameworks, in order

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
        """For grid.js (a JSON block, not a script), the same rule as the server's: each framework
        the cells may take a code from (its spellings and levels), each band year's shorthand, and
        for each subject the other frameworks in the order a code is looked for in them."""
        frameworks: dict[str, Any] = {}
        wanted = {v.framework.pk for v in self.vocabularies.values()}
        wanted |= {pk for order in (self.others or {}).values() for pk in order}
        book = self.book
        for pk in sorted(wanted):
            codes = book.frameworks[pk] if book else None
            if codes is None:
                continue
            frameworks[str(pk)] = {
                "name": codes.framework.name,
                "codes": [lv.code for lv in codes.levels],
                "spellings": {spelling: lv.code for spelling, lv in codes.spellings.items()},
            }
        shorthand = {
            key: {spelling: lv.code for spelling, lv in vocabulary.shorthand.items()}
            for key, vocabulary in self.vocabularies.items()
        }
        others = {subject: [str(pk) for pk in order] for subject, order in (self.others or {}).items()}
        return {"frameworks": frameworks, "shorthand": shorthand, "others": others}


def closed_reason(part: DropSchool) -> str:
    """The message a closed drop gives (the same words ``services.still_open`` raises)."""
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


def build_grid(user: Viewer, drop: DataDrop, group: TeachingGroup, part: DropSchool) -> ClassGrid:
    day = drop.assessed_on
    subjects = subjects_owed_at(drop, group.school)  # the drop's subjects this school owes
    # on the school's roll on the drop's date, as queries.expected_enrolments counts them
    on_roll_here = visible_enrolments(user, day).filter(
        current_enrolments(day), school_id=group.school_id, pupil_id=OuterRef("pk")
    )
    pupils = list(class_pupils(user, group, day).annotate(on_roll=Exists(on_roll_here)))
    in_drop = [p for p in pupils if not drop.nc_years or p.nc_year_then in drop.nc_years]
    ids = [p.pk for p in in_drop]
    on_roll = {p.pk for p in in_drop if p.on_roll}
    # the trust's frameworks and the school's choices, kept by the process under the configuration
    # stamp read with the part (grid_views._grid_objects)
    token = getattr(part, "configuration_token", None)
    # for all the drop's subjects, as the saves ask (services/grid_cells.py): one chooser kept for both
    collected = subjects_by_code(token, ("drop-subjects", drop.pk), drop.subjects.all)
    chooser = framework_chooser(token, group.school_id, collected.values(), day)
    book = code_book(token, drop.trust_id)
    # The school's own, withdrawn ones too (history): an empty cell still carries its version, for
    # the lost-update check. Another school's (a pupil on two rolls) only as the user may read it,
    # read-only (ADR 11). One query.
    readable = visible_judgements(user)
    elsewhere = readable.filter(drop=drop, pupil_id__in=ids).exclude(school_id=group.school_id)
    current: dict[tuple[int, int], tuple[str, int, int | None, bool]] = {}
    held: dict[tuple[int, int], tuple[str, int | None, str]] = {}
    for pupil_id, subject_id, code, version, value, withdrawn, school_id, school in (
        visible_judgement_history(user)
        .filter(drop=drop, pupil_id__in=ids)
        .filter(Q(school_id=group.school_id) | Q(pk__in=elsewhere.values("pk")))
        .values_list(
            "pupil_id", "subject_id", "level__code", "version", "point__value", "withdrawn_at", "school_id",
            "school__name",
        )
    ):  # fmt: skip
        if school_id != group.school_id:
            held[(pupil_id, subject_id)] = (code, value, school)
        else:
            current[(pupil_id, subject_id)] = (
                ("", version, None, True) if withdrawn else (code, version, value, False)
            )
    previous = previous_judgements(drop, ids, [s.pk for s in subjects], readable)

    vocabularies: dict[str, Vocabulary] = {}
    rows = []
    for r, pupil in enumerate(in_drop):
        cells = []
        notes: dict[str, list[str]] = {}
        for c, subject in enumerate(subjects):
            before = previous.get((pupil.pk, subject.pk))
            vocabulary = cell_rule(
                book, chooser, group.school_id, drop, pupil.pk, subject.pk, pupil.nc_year_then, before
            )
            framework = vocabulary.framework if vocabulary else None
            if vocabulary is not None:
                vocabularies.setdefault(vocabulary.key, vocabulary)
            if framework is not None and framework.code != DEFAULT_FRAMEWORK_CODE:
                notes.setdefault(framework.name, []).append(subject.name)
            code, version, value, withdrawn = current.get((pupil.pk, subject.pk), ("", 0, None, False))
            held_code, held_value, held_by = held.get((pupil.pk, subject.pk), ("", None, ""))
            if held_by:
                code, value = held_code, held_value
            cells.append(
                GridCell(
                    row=r,
                    col=c,
                    pupil=pupil,
                    subject=subject,
                    framework=framework,
                    vocabulary_key=vocabulary.key if vocabulary else "",
                    band=vocabulary.band if vocabulary else pupil.nc_year_then,
                    code=code,
                    version=version,
                    previous_code=before.code if before else "",
                    previous_when=before.when if before else "",
                    warning=jump_warning(before.code, before.value, value) if before and code else "",
                    editable=framework is not None and pupil.pk in on_roll and not held_by,
                    withdrawn=withdrawn,
                    held_by=held_by,
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
    others = {
        subject.code: [
            codes.framework.pk
            for codes in book.others(group.school_id, subject.pk, chooser.chosen.get(subject.pk, ()))
        ]
        for subject in subjects
    }
    return ClassGrid(
        drop=drop,
        group=group,
        part=part,
        subjects=subjects,
        rows=rows,
        vocabularies=vocabularies,
        left_out=len(pupils) - len(in_drop),
        book=book,
        others=others,
    )


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


def grid_classes(user: Viewer, drop: DataDrop) -> list[SchoolClasses]:
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
    # each school's owed subjects (queries.subjects_owed): its phase's and its own
    owed = {pk: {s.pk for s in owing} for pk, owing in subjects_owed(drop, [p.school for p in parts]).items()}
    school_ids = [p.school_id for p in parts]
    groups = list(
        visible_classes(user)
        .filter(school_id__in=school_ids, academic_year_id=drop.academic_year_id)
        .annotate(mine=Count("staff_links", filter=Q(staff_links__user_id=user.pk), distinct=True))
        .order_by("nc_year", "name")
    )
    expected = set(
        expected_enrolments(user, drop, school_ids).order_by().values_list("school_id", "pupil_id").distinct()
    )
    members: dict[int, list[int]] = {g.pk: [] for g in groups}
    in_classes = memberships_in_aggregate_reach(user).filter(group_id__in=list(members))
    for group_id, pupil_id in in_classes.values_list("group_id", "pupil_id"):
        members[group_id].append(pupil_id)
    judged: dict[int, set[int]] = defaultdict(set)  # pupil -> subjects judged in the drop
    for pupil_id, subject_id in (
        visible_judgements(user)
        .filter(
            drop=drop,
            pupil_id__in=in_classes.values("pupil_id"),
        )
        .values_list("pupil_id", "subject_id")
    ):
        judged[pupil_id].add(subject_id)
    by_school: dict[int, list[ClassProgress]] = {p.school_id: [] for p in parts}
    for g in groups:
        in_drop = [p for p in members[g.pk] if (g.school_id, p) in expected]
        by_school[g.school_id].append(
            ClassProgress(
                group=g,
                pupils=len(in_drop),
                recorded=sum(len(judged[p] & owed[g.school_id]) for p in in_drop),
                expected=len(in_drop) * len(owed[g.school_id]),
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


def drops_for_user(user: Viewer) -> tuple[list[DropForUser], list[DropForUser]]:
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
