"""Importing a data-drop spreadsheet: rows of UPN x subject levels into judgements.

Each row's UPN (any case, spaces forgiven; a former UPN works too) is matched among the pupils the
user may record for; each level is read by the one rule the class grid and the API use
(:class:`strides.frameworks.level_codes.CodeBook`): the pupil's own framework for the subject on the
drop's date (a level of another framework is refused, naming both), its short forms and its
shorthand for the pupil's band year. A school whose part of the drop is submitted or locked is
refused once, not row by row. Every problem is a row error naming
the row, the column, the value and what is wrong; the judgements are then recorded (or, for a
preview, only checked) by
:func:`strides.assessment.services.bulk_judgements.record_judgements`, all or nothing.

An unknown UPN and a pupil of another school get the same answer, which names no one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from strides.access.actor import Actor
from strides.assessment.models import DataDrop
from strides.assessment.queries import PreviousJudgement, previous_judgements
from strides.assessment.services.bulk_judgements import (
    WITHDRAW_WORD,
    JudgementRow,
    RowOutcome,
    record_judgements,
)
from strides.assessment.services.drop_rules import (
    DropRules,
    former_upns_in_reach,
    judgements_in_reach,
    pupils_in_reach,
)
from strides.assessment.sheets.reader import FileProblem, Layout, open_sheet
from strides.frameworks.level_codes import pupil_band_year
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.queries import FrameworkChooser, subjects_for
from strides.frameworks.services import normalise_code
from strides.imports.fields import ValueProblem, as_text, is_blank, parse_upn, text_parser
from strides.imports.records import Report, RowError, display
from strides.imports.spreadsheet import UnreadableFile

ROW_CHUNK = 2000
# a level cell saying one of these withdraws the judgement (docs/importing-drops.md)
WITHDRAW_SPELLINGS = frozenset({WITHDRAW_WORD, "WITHDRAWN"})
NOTE_LENGTH = 1000
parse_note = text_parser(NOTE_LENGTH)
Progress = Callable[[str, int, int], None]
NOT_FOUND = (
    "No pupil with this UPN is in this drop among the pupils you may record for. Check the UPN, or "
    "ask someone who records for the pupil's school."
)


@dataclass
class ChangeRow:
    """One judgement in the report: the spreadsheet row, the pupil, the subject, old -> new."""

    row: int | None
    upn: str
    name: str
    subject: str
    outcome: str
    before: str
    after: str


@dataclass
class DropImportReport(Report):
    """The outcome of one drop import (or dry run): ``rows`` are :class:`ChangeRow`, one a
    judgement."""

    drop: str = ""
    data_rows: int = 0
    withdrawn: int = 0  # also counted in ``updated``: a change shown as "EXS -> withdrawn"

    def summary(self) -> dict[str, Any]:
        counts = super().summary()
        errors = counts.pop("errors")
        return {**counts, "withdrawn": self.withdrawn, "errors": errors}

    @property
    def target(self) -> str:
        return self.drop

    @staticmethod
    def row_to_json(row: ChangeRow) -> list[Any]:
        return list(asdict(row).values())  # compact: a big file has many

    @staticmethod
    def row_from_json(data: list[Any]) -> ChangeRow:
        return ChangeRow(*data)


@dataclass
class _Pupil:
    pk: int
    upn: str
    name: str


class _Resolver:
    """Turns chunks of spreadsheet rows into judgement rows (or row errors), with a few queries a
    chunk: the pupils by UPN and former UPN, their NC years on the drop's date, their schools, and
    (only for pupils with a code their framework does not spell out, which may be shorthand) their
    previous judgements."""

    def __init__(
        self, drop: DataDrop, actor: Actor | None, rules: DropRules, layout: Layout, detail: bool
    ) -> None:
        self.drop, self.actor, self.rules, self.layout, self.detail = drop, actor, rules, layout, detail
        self.day = drop.assessed_on
        self.subjects = [c.subject for c in layout.subjects]
        self.book = rules.book
        self.resolved: dict[tuple[int, int, int | None, int | None, str], Level | None] = {}
        self.spelled: dict[tuple[int | None, str], bool] = {}
        self.upn_rows: dict[str, int] = {}
        self.names: dict[int, _Pupil] = {}

    # --- frameworks -------------------------------------------------------------------------

    def chooser(self, school_id: int) -> FrameworkChooser:
        return self.rules.chooser(school_id)  # the bulk service checks levels against the same

    def spelled_out(self, framework: Framework | None, text: str) -> bool:
        """Whether ``text`` is a spelling of the framework's own levels (no shorthand to read).
        Remembered: a drop has a handful of distinct codes and a large file many cells."""
        key = (framework.pk if framework is not None else None, text)
        if key not in self.spelled:
            if len(self.spelled) > 50_000:
                self.spelled.clear()
            codes = self.book.frameworks.get(framework.pk) if framework is not None else None
            self.spelled[key] = codes is not None and normalise_code(text) in codes.spellings
        return self.spelled[key]

    def resolve_level(
        self, school_id: int, subject: Subject, framework: Framework | None, band: int | None, text: str
    ) -> Level | None:
        """The level a cell means. A drop has a handful of distinct codes: each spelling is
        worked out once per school, subject, framework and band year."""
        key = (school_id, subject.pk, framework.pk if framework else None, band, text)
        if key not in self.resolved:
            if len(self.resolved) > 50_000:  # a file of free text: keep the memo small
                self.resolved.clear()
            found = self.book.resolve(
                text,
                school_id=school_id,
                subject_id=subject.pk,
                framework=framework,
                band=band,
                chosen=self.chooser(school_id).chosen.get(subject.pk, ()),
            )
            self.resolved[key] = found.level if found else None
        return self.resolved[key]

    # --- rows ---------------------------------------------------------------------------------

    def rows(self, chunk: list[tuple[int, list[Any]]]) -> Iterator[JudgementRow | RowError]:
        layout = self.layout
        wanted: list[tuple[int, str, list[Any]]] = []
        for row_number, cells in chunk:
            if all(is_blank(c) for c in cells):
                continue
            raw = cells[layout.upn_index] if layout.upn_index < len(cells) else None
            given = [
                index is not None and index < len(cells) and not is_blank(cells[index])
                for c in layout.subjects
                for index in (c.index, c.note_index)
            ]
            if not any(given):
                continue  # a pupil with nothing recorded yet: nothing to import
            if is_blank(raw):
                yield RowError(row_number, layout.upn_label, "", "The UPN is missing.")
                continue
            try:
                upn = parse_upn(raw)
            except ValueProblem as problem:
                yield RowError(row_number, layout.upn_label, display(raw), str(problem))
                continue
            if upn in self.upn_rows:
                yield RowError(
                    row_number, layout.upn_label, upn, f"UPN {upn} also appears on row {self.upn_rows[upn]}."
                )
                continue
            self.upn_rows[upn] = row_number
            wanted.append((row_number, upn, cells))
        pupils = self._pupils({upn for _, upn, _ in wanted})
        ids = {p.pk for p in pupils.values()}
        schools = self.rules.schools_of(ids)
        years = self.rules.nc_years(ids)
        placed: list[tuple[int, _Pupil, int, list[Any]]] = []
        for row_number, upn, cells in wanted:
            pupil = pupils.get(upn)
            if pupil is None:
                yield RowError(row_number, layout.upn_label, upn, NOT_FOUND)
                continue
            school_id = self.rules.school_for(schools.get(pupil.pk, []))
            if school_id is None:
                yield RowError(
                    row_number,
                    layout.upn_label,
                    upn,
                    f"{pupil.name} is not on the roll of a school in {self.drop.name} on "
                    f"{self.day:%d/%m/%Y}.",
                )
                continue
            if self.rules.closed_row(school_id, row_number):
                continue  # the school's part is submitted or locked: refused once, not per cell
            placed.append((row_number, pupil, school_id, cells))
        previous = self._previous(placed, years)
        for row_number, pupil, school_id, cells in placed:
            yield from self._cells(row_number, pupil, school_id, years.get(pupil.pk), cells, previous)

    def _previous(
        self, placed: list[tuple[int, _Pupil, int, list[Any]]], years: dict[int, int]
    ) -> dict[tuple[int, int], PreviousJudgement]:
        """Previous judgements of the pupils with a code their framework does not spell out (which
        may be shorthand, read against the band of the previous judgement): none for a file of
        full codes."""
        needed: set[int] = set()
        for _, pupil, school_id, cells in placed:
            for column in self.layout.subjects:
                raw = cells[column.index] if column.index < len(cells) else None
                if is_blank(raw):
                    continue
                framework = self.chooser(school_id).framework_for(
                    pupil.pk, column.subject.pk, years.get(pupil.pk)
                )
                if not self.spelled_out(framework, as_text(raw)):
                    needed.add(pupil.pk)
                    break
        if not needed:
            return {}
        readable = judgements_in_reach(self.actor, self.drop)
        return previous_judgements(self.drop, needed, [s.pk for s in self.subjects], readable)

    def _cells(
        self,
        row_number: int,
        pupil: _Pupil,
        school_id: int,
        nc_year: int | None,
        cells: list[Any],
        previous: dict[tuple[int, int], PreviousJudgement],
    ) -> Iterator[JudgementRow | RowError]:
        for column in self.layout.subjects:
            raw = cells[column.index] if column.index < len(cells) else None
            note = None
            if column.note_index is not None:
                raw_note = cells[column.note_index] if column.note_index < len(cells) else None
                try:
                    note = "" if is_blank(raw_note) else parse_note(raw_note)
                except ValueProblem as problem:
                    yield RowError(row_number, column.note_label, display(raw_note), f"The note {problem}")
                    continue
            if is_blank(raw):
                if note:
                    yield RowError(row_number, column.label, "", "A note needs a level beside it.")
                continue
            text = as_text(raw)
            subject = column.subject
            if normalise_code(text) in WITHDRAW_SPELLINGS:  # the note column, if any, says why
                yield JudgementRow(pupil.pk, subject, None, note, row_number, column.label, school_id, True)
                continue
            framework = self.chooser(school_id).framework_for(pupil.pk, subject.pk, nc_year)
            before = previous.get((pupil.pk, subject.pk))
            band = pupil_band_year(nc_year, before, self.drop)
            level = self.resolve_level(school_id, subject, framework, band, text) if len(text) <= 60 else None
            if level is None:
                message = self.book.not_a_level(
                    text, framework, band, subject.name, school_id=school_id, subject_id=subject.pk
                )
                yield RowError(row_number, column.label, display(raw), message)
                continue
            yield JudgementRow(pupil.pk, subject, level, note, row_number, column.label, school_id)

    def _pupils(self, upns: set[str]) -> dict[str, _Pupil]:
        if not upns:
            return {}
        reach = pupils_in_reach(self.actor, self.drop)
        fields = ("pk", "upn", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname")
        found: dict[str, _Pupil] = {}
        for pk, upn, forename, surname, preferred, preferred_surname in reach.filter(
            upn__in=list(upns)
        ).values_list(*fields):
            found[upn] = _Pupil(pk, upn, f"{preferred or forename} {preferred_surname or surname}")
        missing = upns - set(found)
        if missing:
            former = (
                former_upns_in_reach(self.actor, self.drop)
                .filter(upn__in=list(missing))
                .values_list(
                    "upn",
                    "pupil_id",
                    "pupil__upn",
                    "pupil__legal_forename",
                    "pupil__legal_surname",
                    "pupil__preferred_forename",
                    "pupil__preferred_surname",
                )
            )
            for old, pk, upn, forename, surname, preferred, preferred_surname in former:
                found.setdefault(
                    old, _Pupil(pk, upn, f"{preferred or forename} {preferred_surname or surname}")
                )
        self.rules.found_in_reach(p.pk for p in found.values())
        if self.detail:
            self.names.update({p.pk: p for p in found.values()})
        return found


def import_drop_file(
    data: bytes,
    *,
    drop: DataDrop,
    actor: Actor | None,
    filename: str = "",
    reason: str = "",
    dry_run: bool,
    expected_versions: dict[tuple[int, int], int] | None = None,
    detail: bool = True,
    progress: Progress | None = None,
    total_rows: int = 0,
) -> tuple[DropImportReport, dict[tuple[int, int], int]]:
    """Check (``dry_run``) or import a spreadsheet into a drop. Returns the report and, for a
    check, the version of every judgement it saw (what the commit passes back)."""
    report = DropImportReport(drop=drop.name, dry_run=dry_run)
    subjects = list(drop.subjects.order_by("order", "name"))
    try:
        known = subjects_for(drop.trust_id, include_archived=True, every_school=True)  # the trust's codes
        sheet = open_sheet(data, subjects, known)
    except UnreadableFile as exc:
        report.errors.append(RowError(None, "file", filename, str(exc)))
        return report, {}
    except FileProblem as problem:
        report.errors.append(RowError(problem.row, "file", filename, problem.message))
        return report, {}
    layout = sheet.layout
    report.ignored_columns = layout.ignored
    report.notes = layout.notes
    rules = DropRules(drop, actor)
    resolver = _Resolver(drop, actor, rules, layout, detail)
    counter = {"rows": 0}

    def judgement_rows() -> Iterator[JudgementRow | RowError]:
        while chunk := list(itertools.islice(sheet.rows, ROW_CHUNK)):
            counter["rows"] += len(chunk)
            if progress is not None:
                progress(
                    "checking" if dry_run else "writing", counter["rows"], max(total_rows, counter["rows"])
                )
            yield from resolver.rows(chunk)

    try:
        result = record_judgements(
            actor,
            drop,
            judgement_rows(),
            reason=reason or f"import {filename}".strip(),
            dry_run=dry_run,
            expected_versions=expected_versions,
            detail=detail,
            rules=rules,
        )
    except UnreadableFile as exc:  # a worksheet that breaks part-way through
        report.errors.append(RowError(None, "file", filename, str(exc)))
        return report, {}
    report.data_rows = len(set(resolver.upn_rows.values()) | {e.row for e in result.errors if e.row})
    report.errors = result.errors
    report.committed = result.committed
    report.created, report.unchanged = result.created, result.unchanged
    report.updated, report.withdrawn = result.updated + result.withdrawn, result.withdrawn
    if report.data_rows == 0 and not report.errors:
        report.errors.append(
            RowError(layout.header_row, "file", "", "There are no pupils' levels under the header row.")
        )
        report.committed = False  # nothing was there to write
    if detail:
        report.rows = _change_rows(result.outcomes, resolver, rules)
    return report, result.versions


def _change_rows(outcomes: list[RowOutcome], resolver: _Resolver, rules: DropRules) -> list[ChangeRow]:
    subjects = {c.subject.pk: c.subject.name for c in resolver.layout.subjects}
    rows = []
    for outcome in outcomes:
        pupil = resolver.names.get(outcome.pupil_id)
        withdrawn = outcome.outcome == "withdrawn"  # shown among the changes: "Y3 EXS -> withdrawn"
        rows.append(
            ChangeRow(
                outcome.row,
                pupil.upn if pupil else "",
                pupil.name if pupil else "",
                subjects.get(outcome.subject_id, ""),
                "updated" if withdrawn else outcome.outcome,
                rules.code(outcome.level_before_id),
                "withdrawn" if withdrawn else rules.code(outcome.level_after_id),
            )
        )
    return rows


def versions_to_json(versions: dict[tuple[int, int], int]) -> dict[str, int]:
    return {f"{pupil}:{subject}": version for (pupil, subject), version in versions.items()}


def versions_from_json(data: dict[str, int]) -> dict[tuple[int, int], int]:
    result = {}
    for key, version in (data or {}).items():
        pupil, _, subject = key.partition(":")
        result[(int(pupil), int(subject))] = int(version)
    return result
