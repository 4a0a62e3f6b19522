"""A school's data-drop template (XLSX).

The first sheet lists the pupils the drop expects at the school (those the user may see), with
their UPN, names, NC year and class, one column per subject holding this drop's level if one is
recorded, and the previous drop's levels on the right for reference. Every subject cell offers a
drop-down of the codes of that pupil's framework for the subject (lists on a hidden sheet); a
code typed differently ("pk4") is only warned about, since the import forgives case and spacing.
The second sheet says how to fill it in and lists every allowed code with its meaning.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from strides.access.actor import Viewer
from strides.access.command_line import trust_characteristics, trust_memberships, trust_pupils
from strides.access.gate import visible_pupils
from strides.access.readers import visible_characteristics, visible_memberships
from strides.assessment.closed_notices import closed_notice
from strides.assessment.models import DataDrop, DropSchool, Judgement
from strides.assessment.queries import expected_pupil_ids
from strides.assessment.services.drop_rules import judgements_in_reach
from strides.assessment.sheets.cells import xlsx_cell
from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.queries import FrameworkChooser, subjects_owed_at
from strides.organisations.models import School
from strides.pupils.census_codes import NC_YEAR_LABELS

SHEET = "Judgements"
LISTS = "Lists"
HEADER_ROW = 3
DETAIL_HEADERS = ("UPN", "Surname", "Forename", "NC year", "Class")


class TemplateError(ValueError):
    """The template cannot be made; the message is for the user."""


@dataclass
class TemplatePupil:
    pk: int
    upn: str
    surname: str
    forename: str
    nc_year: int | None
    class_name: str


def previous_drop(drop: DataDrop, school_id: int) -> DataDrop | None:
    """The school's last drop before this one: its levels are shown beside the new cells."""
    return (
        DataDrop.objects.filter(
            trust_id=drop.trust_id, assessed_on__lt=drop.assessed_on, school_parts__school_id=school_id
        )
        .order_by("-assessed_on", "-pk")
        .first()
    )


def template_pupils(drop: DataDrop, school: School, user: Viewer | None = None) -> list[TemplatePupil]:
    """The pupils the drop expects at the school (among those the user may see), class by class."""
    ids = expected_pupil_ids(drop, school.pk, user)
    if user is not None:
        pupils, periods, memberships = (
            visible_pupils(user),
            visible_characteristics(user),
            visible_memberships(user),
        )
    else:  # the command line
        trust_id = drop.trust_id
        pupils, periods = trust_pupils(trust_id), trust_characteristics(trust_id)
        memberships = trust_memberships(trust_id)
    pupils = pupils.filter(pk__in=ids)
    rows = list(
        pupils.values_list(
            "pk", "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename"
        )
    )
    found = [r[0] for r in rows]
    day = drop.assessed_on
    years = dict(
        periods.filter(pupil_id__in=found, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values_list("pupil_id", "nc_year")
    )
    classes: dict[int, str] = {}
    in_classes = memberships.filter(
        pupil_id__in=found, group__school=school, group__academic_year=drop.academic_year
    ).values_list("pupil_id", "group__name", "group__subject")
    for pupil_id, name, _subject in sorted(in_classes, key=lambda m: (m[2] != "", m[1])):
        classes.setdefault(pupil_id, name)  # a form class (no subject) before teaching sets
    result = [
        TemplatePupil(
            pk, upn, p_surname or surname, p_forename or forename, years.get(pk), classes.get(pk, "")
        )
        for pk, upn, surname, forename, p_surname, p_forename in rows
    ]
    result.sort(key=lambda p: (p.class_name == "", p.class_name, p.surname.lower(), p.forename.lower(), p.pk))
    return result


def _codes(
    drop: DataDrop, pupil_ids: list[int], subject_ids: Iterable[int], readable: QuerySet[Judgement]
) -> dict[tuple[int, int], str]:
    return {
        (pupil_id, subject_id): code
        for pupil_id, subject_id, code in readable.filter(
            drop=drop, pupil_id__in=pupil_ids, subject_id__in=list(subject_ids)
        ).values_list("pupil_id", "subject_id", "level__code")
    }


def spans(rows: list[int]) -> list[tuple[int, int]]:
    """Row numbers as runs, for compact ranges: [4, 5, 6, 9] -> [(4, 6), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


def build_template(drop: DataDrop, school: School, user: Viewer | None = None) -> bytes:
    """The template as XLSX bytes. Refused (TemplateError) for a school whose part of the drop is
    submitted or locked: nothing could be imported from it, so the refusal says who closed it and
    who can reopen it (:func:`~strides.assessment.closed_notices.closed_notice`)."""
    part = (
        DropSchool.objects.filter(drop=drop, school=school)
        .select_related("changed_by")
        .order_by("pk")
        .first()
    )
    if part is None:
        raise TemplateError(f"{school} is not part of {drop}.")
    if not part.teachers_may_edit:
        part.drop, part.school = drop, school
        raise TemplateError(closed_notice(part))
    subjects: list[Subject] = subjects_owed_at(drop, school)  # its phase's and its own
    pupils = template_pupils(drop, school, user)
    ids = [p.pk for p in pupils]
    readable = judgements_in_reach(user, drop)  # as the user may read them (ADR 11)
    current = _codes(drop, ids, (s.pk for s in subjects), readable)
    before = previous_drop(drop, school.pk)
    previous = _codes(before, ids, (s.pk for s in subjects), readable) if before else {}
    chooser = FrameworkChooser(school.pk, subjects, drop.assessed_on)

    frameworks: dict[int, Framework] = {}
    cells_by_framework: dict[tuple[int, int], list[int]] = defaultdict(list)  # (subject column, fw) -> rows
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append([f"{drop.title}: {school.name}, URN {school.urn}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            f"Levels as at {drop.assessed_on:%d/%m/%Y}, due by {drop.deadline:%d/%m/%Y}. "
            "Choose a level in each subject column; see the Instructions sheet."
        ]
    )
    headers = [*DETAIL_HEADERS, *(s.name for s in subjects)]
    if before is not None:
        headers += [f"Previous: {s.name} ({before.name})" for s in subjects]
    sheet.append(headers)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    first_subject = len(DETAIL_HEADERS) + 1
    for row_number, pupil in enumerate(pupils, start=HEADER_ROW + 1):
        year = NC_YEAR_LABELS.get(pupil.nc_year, pupil.nc_year) if pupil.nc_year is not None else ""
        values: list[Any] = [pupil.upn, pupil.surname, pupil.forename, year, pupil.class_name]
        values += [current.get((pupil.pk, s.pk), "") for s in subjects]
        if before is not None:
            values += [previous.get((pupil.pk, s.pk), "") for s in subjects]
        sheet.append([xlsx_cell(v) for v in values])
        for offset, subject in enumerate(subjects):
            framework = chooser.framework_for(pupil.pk, subject.pk, pupil.nc_year)
            if framework is not None:
                frameworks[framework.pk] = framework
                cells_by_framework[(first_subject + offset, framework.pk)].append(row_number)

    lists = workbook.create_sheet(LISTS)
    levels: dict[int, list[Level]] = defaultdict(list)
    for level in Level.objects.filter(framework_id__in=list(frameworks)).order_by("framework_id", "order"):
        levels[level.framework_id].append(level)
    list_ranges: dict[int, str] = {}
    for index, framework_id in enumerate(sorted(frameworks), start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=xlsx_cell(frameworks[framework_id].name))
        codes = levels.get(framework_id, [])
        for row, level in enumerate(codes, start=2):
            lists.cell(row=row, column=index, value=xlsx_cell(level.code))
        list_ranges[framework_id] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(codes) + 1}"
    lists.sheet_state = "hidden"

    for (column, framework_id), rows in sorted(cells_by_framework.items()):
        letter = get_column_letter(column)
        name = frameworks[framework_id].name
        validation = DataValidation(
            type="list",
            formula1=list_ranges[framework_id],
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Not a listed level",
            error=f"Choose a level of {name} from the list. Strides forgives case and spaces on import.",
            showInputMessage=False,
        )
        validation.sqref = " ".join(f"{letter}{a}:{letter}{b}" for a, b in spans(rows))
        sheet.add_data_validation(validation)

    widths = [16, 18, 18, 9, 10, *([12] * len(subjects)), *([18] * (len(subjects) if before else 0))]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=first_subject)
    _instructions(
        workbook, drop, school, subjects, [frameworks[f] for f in sorted(frameworks)], levels, before
    )
    workbook.move_sheet(LISTS, offset=1)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _instructions(
    workbook: Workbook,
    drop: DataDrop,
    school: School,
    subjects: list[Subject],
    frameworks: list[Framework],
    levels: dict[int, list[Level]],
    before: DataDrop | None,
) -> None:
    sheet = workbook.create_sheet("Instructions")
    names = ", ".join(s.name for s in subjects)
    steps = [
        f"1. On the '{SHEET}' sheet, give each pupil a level in each subject ({names}).",
        "2. Pick the level from the drop-down list in the cell: it lists the codes of the pupil's "
        "own framework.",
        "   Typing works too; case and spaces are forgiven (pk4, PK 4 and PK4 are the same level).",
        "3. Leave a cell empty when there is no judgement yet: an empty cell changes nothing.",
        "   To withdraw a judgement entered by mistake (the wrong pupil or subject), type WITHDRAW in "
        "its cell; say why in a column headed with the subject and 'note' (e.g. 'Reading note').",
        "4. Do not change the UPN column: pupils are matched by UPN. Other columns are for reference.",
        f"5. Import the file in Strides (the drop's 'Import a spreadsheet' page) or with "
        f"'strides import-drop FILE --drop {drop.slug}'.",
        "   You see what would change before anything is saved. If any row is refused, nothing is "
        "saved: correct the rows listed and import the file again.",
        f"Levels describe pupils as at {drop.assessed_on:%d/%m/%Y}; the drop is due by "
        f"{drop.deadline:%d/%m/%Y}.",
    ]
    if before is not None:
        steps.append(f"The 'Previous' columns show each pupil's level in {before.name}, for reference.")
    lines = [(f"How to fill in the {drop.name} template for {school.name}", True), ("", False)]
    lines += [(step, False) for step in steps]
    lines += [("", False), ("Levels you can use", True)]
    for line, bold in lines:
        sheet.append([xlsx_cell(line)])
        if bold:
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12 if line else 11)
    sheet.append(["Framework", "Code", "Meaning"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for framework in frameworks:
        for level in levels.get(framework.pk, []):
            sheet.append([xlsx_cell(framework.name), xlsx_cell(level.code), xlsx_cell(level.label)])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 60
