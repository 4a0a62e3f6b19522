"""Steps of the benchmarks that need Django, each run by ``bench/run.py`` in a process of its own
(against the throwaway database in ``DATABASE_URL``):

    python bench/tasks.py school                 a trust with one empty school; prints its URN
    python bench/tasks.py sheet OUT.xlsx N       a spreadsheet of N valid invented pupils
    python bench/tasks.py raw-insert FILE URN    the floor: the same rows by bulk_create alone

Every step prints one line of JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")

# The columns of the import template (docs/importing-pupils.md) that an MIS export carries.
SHEET_COLUMNS = (
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Middle Names",
    "Preferred Forename",
    "Date of Birth",
    "Sex",
    "NC Year Actual",
    "Ethnicity",
    "First Language",
    "EAL",
    "SEN Provision",
    "Primary Need",
    "Secondary Need",
    "FSM",
    "FSM Ever 6",
    "Looked After",
    "Previously Looked After",
    "Child in Need",
    "Admission Date",
)
BENCH_URN = "999001"


def _setup() -> None:
    import django

    django.setup()


def make_school() -> dict[str, Any]:
    from strides.organisations import services
    from strides.organisations.models import Trust

    trust = Trust.objects.create(name="Benchmark Trust", slug="benchmark")
    school = services.create_school(
        None,
        trust,
        name="Benchmark Academy",
        urn=BENCH_URN,
        la_code="801",
        establishment_number="4001",
        school_type="secondary",
        phase="secondary",
    )
    return {"urn": school.urn}


def _yes_no(value: bool) -> str:
    return "Y" if value else "N"


def make_sheet(out: str, count: int) -> dict[str, Any]:
    """``count`` pupils of the large demo trust as one MIS-style export (XLSX)."""
    from openpyxl import Workbook

    from strides.demo.generator import generate
    from strides.organisations.models import AcademicYear

    plan = generate(7, "large", AcademicYear.start_year_for(dt.date.today()))
    if count > len(plan.pupils):
        raise SystemExit(f"the large demo has only {len(plan.pupils)} pupils")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Pupils")
    sheet.append(SHEET_COLUMNS)
    for pupil in plan.pupils[:count]:
        c = pupil.current
        sheet.append(
            (
                pupil.upn,
                pupil.legal_surname,
                pupil.legal_forename,
                pupil.middle_names,
                pupil.preferred_forename,
                pupil.date_of_birth,
                pupil.sex,
                "R" if c["nc_year"] == 0 else c["nc_year"],
                c["ethnicity"],
                c["first_language"],
                _yes_no(c["eal"]),
                c["sen_provision"],
                c["primary_need"],
                c["secondary_need"],
                _yes_no(c["fsm"]),
                _yes_no(c["fsm_ever6"]),
                _yes_no(c["looked_after"]),
                _yes_no(c["previously_looked_after"]),
                _yes_no(c["child_in_need"]),
                pupil.enrolment_start,
            )
        )
    workbook.save(out)
    return {"rows": count, "bytes": Path(out).stat().st_size}


def raw_insert(path: str, urn: str) -> dict[str, Any]:
    """The floor: read the same sheet and bulk_create Pupil, CharacteristicsPeriod and Enrolment
    rows in one transaction, with no validation, no matching, no history and no audit."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from strides.organisations.models import School
    from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil

    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    column = {name: index for index, name in enumerate(rows[0])}

    def cell(row: list[Any], name: str) -> Any:
        value = row[column[name]]
        return value.strip() if isinstance(value, str) else value

    def day(value: Any) -> dt.date:
        return value.date() if isinstance(value, dt.datetime) else value

    school = School.objects.get(urn=urn)
    pupils, periods, enrolments = [], [], []
    for row in rows[1:]:
        pupil = Pupil(
            upn=cell(row, "UPN"),
            legal_surname=cell(row, "Legal Surname"),
            legal_forename=cell(row, "Legal Forename"),
            middle_names=cell(row, "Middle Names"),
            preferred_forename=cell(row, "Preferred Forename"),
            date_of_birth=day(cell(row, "Date of Birth")),
            sex=cell(row, "Sex"),
        )
        start = day(cell(row, "Admission Date"))
        nc_year = cell(row, "NC Year Actual")
        periods.append(
            CharacteristicsPeriod(
                pupil=pupil,
                valid_from=start,
                nc_year=0 if nc_year == "R" else int(nc_year),
                ethnicity=cell(row, "Ethnicity"),
                first_language=cell(row, "First Language"),
                eal=cell(row, "EAL") == "Y",
                sen_provision=cell(row, "SEN Provision"),
                primary_need=cell(row, "Primary Need"),
                secondary_need=cell(row, "Secondary Need"),
                fsm=cell(row, "FSM") == "Y",
                fsm_ever6=cell(row, "FSM Ever 6") == "Y",
                looked_after=cell(row, "Looked After") == "Y",
                previously_looked_after=cell(row, "Previously Looked After") == "Y",
                child_in_need=cell(row, "Child in Need") == "Y",
            )
        )
        enrolments.append(Enrolment(pupil=pupil, school=school, start_date=start))
        pupils.append(pupil)
    read = time.perf_counter()
    with transaction.atomic():
        Pupil.objects.bulk_create(pupils, batch_size=2000)
        for period, enrolment, pupil in zip(periods, enrolments, pupils, strict=True):
            period.pupil_id = enrolment.pupil_id = pupil.pk
        CharacteristicsPeriod.objects.bulk_create(periods, batch_size=2000)
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    done = time.perf_counter()
    return {"created": len(pupils), "read_seconds": read - started, "insert_seconds": done - read}


def main(argv: list[str]) -> None:
    _setup()
    command, *args = argv
    if command == "school":
        result = make_school()
    elif command == "sheet":
        result = make_sheet(args[0], int(args[1]))
    elif command == "raw-insert":
        result = raw_insert(args[0], args[1])
    else:
        raise SystemExit(f"unknown step {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
