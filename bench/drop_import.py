"""Benchmark: importing a whole trust's data drop from XLSX (``strides import-drop``), against the
floor measured in the same run.

    python -m bench.drop_import [--quick]            this benchmark alone, printed as Markdown
    python -m bench.run --only drops                 the same inside the benchmark report

The demo trust (``strides demo-data --scale large``, about 40,000 pupils) gives the pupils; a
drop for every school is made with ``create_drop``. A spreadsheet of every pupil the drop expects
x reading, writing and maths (valid codes of each pupil's framework, some typed in lower case)
is imported by the real command into a fresh copy of that database. The **floor** reads the same
file with python-calamine (the fastest XLSX reader available to Python) and ``bulk_create``s the
same judgement rows in one transaction: no matching by UPN through the gate, no framework
choice, no checks, no revisions, no audit. The import runs at two sizes (half and all the pupils)
to see whether memory stays flat as the file grows.

Every measured process runs with ``STRIDES_DEBUG=0``, as a real installation does: with Django's
debug mode on, every query's SQL is also kept in memory, which is neither the import nor the floor.

Steps that need Django run in a process of their own:

    python -m bench.drop_import step setup               a drop for every school; prints slug and pupils
    python -m bench.drop_import step sheet OUT.xlsx N    the spreadsheet of the drop's first N pupils
    python -m bench.drop_import step floor FILE SLUG     the floor
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Bench, Section, bench_alone, log

REPO = Path(__file__).resolve().parent.parent
SUBJECTS = ("reading", "writing", "maths")
HEADER = ("UPN", "Surname", "Forename", "NC year", "Reading", "Writing", "Maths")


@dataclass(frozen=True)
class DropSizes:
    demo_scale: str
    import_repeats: int
    floor_repeats: int
    startup_repeats: int


FULL = DropSizes(demo_scale="large", import_repeats=3, floor_repeats=3, startup_repeats=3)
QUICK = DropSizes(demo_scale="small", import_repeats=1, floor_repeats=1, startup_repeats=1)


def _no_debug(args: list[str]) -> list[str]:
    # `env` execs the command, so the measured process (and its peak memory) is Python itself
    return ["env", "STRIDES_DEBUG=0", *args]


def _fmt(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def section(bench: Bench) -> Section:
    """The benchmark inside ``bench/run.py`` (``bench`` is its ``Bench``: work directory,
    measured processes, sizes)."""
    sizes = QUICK if bench.sizes.demo_scale != "large" else FULL
    this = [bench.python, "-m", "bench.drop_import"]
    template = bench.fresh_database("drops-template")
    bench.log(f"drops: demo-data --scale {sizes.demo_scale} ...")
    bench.measure(_no_debug(bench.strides("demo-data", "--seed", "1", "--scale", sizes.demo_scale)), template)
    setup = bench.measure(_no_debug([*this, "step", "setup"]), template).json()
    slug, pupils = setup["slug"], setup["pupils"]
    half = pupils // 2
    sheets: dict[int, Path] = {}
    made: dict[int, dict] = {}
    for count in (half, pupils):
        sheets[count] = bench.workdir / f"drop-{count}.xlsx"
        step = [*this, "step", "sheet", str(sheets[count]), str(count)]
        made[count] = bench.measure(_no_debug(step), template).json()

    def imports(count: int, repeats: int) -> list[Any]:
        runs = []
        for attempt in range(repeats):
            bench.log(f"drops: import-drop {count} pupils x 3 ({attempt + 1}/{repeats}) ...")
            database = bench.copy_database(template, "drop-import")
            args = bench.strides("import-drop", str(sheets[count]), "--drop", slug, "--json")
            run = bench.measure(_no_debug(args), database)
            report = run.json()
            if report.get("created") != made[count]["judgements"] or report.get("errors"):
                raise RuntimeError(f"the import did not create every judgement: {json.dumps(report)[:2000]}")
            runs.append(run)
        return runs

    def floors(count: int, repeats: int) -> tuple[list[Any], list[dict]]:
        runs, reports = [], []
        for attempt in range(repeats):
            bench.log(f"drops: floor {count} pupils x 3 ({attempt + 1}/{repeats}) ...")
            database = bench.copy_database(template, "drop-floor")
            run = bench.measure(_no_debug([*this, "step", "floor", str(sheets[count]), slug]), database)
            report = run.json()
            if report.get("created") != made[count]["judgements"]:
                raise RuntimeError(f"the floor did not create every judgement: {report}")
            runs.append(run)
            reports.append(report)
        return runs, reports

    full_imports = imports(pupils, sizes.import_repeats)
    full_floors, floor_reports = floors(pupils, sizes.floor_repeats)
    half_imports = imports(half, 1)
    half_floors, _ = floors(half, 1)
    version = _no_debug(bench.strides("version"))
    startup = [bench.measure(version, template) for _ in range(sizes.startup_repeats)]

    judgements = made[pupils]["judgements"]
    import_time = statistics.median(r.seconds for r in full_imports)
    floor_time = statistics.median(r.seconds for r in full_floors)
    startup_time = statistics.median(r.seconds for r in startup)
    ratio = import_time / floor_time
    net_floor = floor_time - startup_time
    net_ratio = "(not measurable)"
    if net_floor > 0.2:
        net_ratio = f"**{(import_time - startup_time) / net_floor:.2f}x**"
    import_runs = ", ".join(_fmt(r.seconds) for r in full_imports)
    floor_runs = ", ".join(_fmt(r.seconds) for r in full_floors)
    half_judgements, half_time = made[half]["judgements"], _fmt(half_imports[0].seconds)
    import_rss = max(r.peak_rss_mb for r in full_imports)
    floor_rss = max(r.peak_rss_mb for r in full_floors)
    half_rss = half_imports[0].peak_rss_mb
    half_floor_rss = half_floors[0].peak_rss_mb
    per_10k = (import_rss - half_rss) / max(pupils - half, 1) * 10_000
    floor_per_10k = (floor_rss - half_floor_rss) / max(pupils - half, 1) * 10_000
    read = statistics.median(r["read_seconds"] for r in floor_reports)
    insert = statistics.median(r["insert_seconds"] for r in floor_reports)
    markdown = f"""`strides import-drop FILE --drop SLUG --json` of a spreadsheet of every pupil the drop
expects in the `--scale {sizes.demo_scale}` demo trust ({pupils:,} pupils x reading, writing, maths =
{judgements:,} judgements; {made[pupils]["bytes"] / 1024:.0f} KB XLSX, the codes of each pupil's own
framework, one in five typed in lower case) into a new drop for every school, on a fresh copy of the
database each time. The floor reads the same file with python-calamine and `bulk_create`s the same
{judgements:,} `Judgement` rows in one transaction: no UPN matching through the gate, no framework
choice, no checks, no revisions, no audit. Medians of {sizes.import_repeats} imports and
{sizes.floor_repeats} floors; every process with `STRIDES_DEBUG=0` (no query log).

| measure | `strides import-drop --json` | floor (calamine + `bulk_create`) |
|---|---|---|
| wall time (median) | **{_fmt(import_time)}** | **{_fmt(floor_time)}** |
| judgements per second | {judgements / import_time:,.0f} | {judgements / floor_time:,.0f} |
| peak memory (RSS) | {import_rss:.0f} MB | {floor_rss:.0f} MB |
| all runs | {import_runs} | {floor_runs} |

- **Ratio import / floor: {ratio:.2f}x** (whole processes; goal at most 2x), {net_ratio}
  after taking away the start-up both pay ({_fmt(startup_time)}: `strides version`).
- Inside the floor: reading the sheet and building the objects {_fmt(read)}, the `bulk_create`
  {_fmt(insert)}.
- The import writes twice the rows the floor does: every judgement gets its first revision
  (`JudgementRevision`, ADR 7), and each school's part of the drop an audit summary.

Memory as the file grows (one import and one floor of each size):

| pupils in the file | judgements | import peak RSS | import time | floor peak RSS |
|---|---|---|---|---|
| {half:,} | {half_judgements:,} | {half_rss:.0f} MB | {half_time} | {half_floor_rss:.0f} MB |
| {pupils:,} | {judgements:,} | {import_rss:.0f} MB | {_fmt(import_time)} | {floor_rss:.0f} MB |

The import's peak grows by **{per_10k:.1f} MB per 10,000 more pupils** (the floor's by
{floor_per_10k:.1f} MB): rows are read, checked and written {5000:,} judgements at a time, so what
grows is the file itself and the small keys kept to find a pupil given twice.
"""
    return Section(
        f"Importing a data drop ({judgements:,} judgements) from XLSX",
        markdown,
        {
            "drop_import_seconds": import_time,
            "drop_floor_seconds": floor_time,
            "drop_import_ratio": ratio,
            "drop_import_peak_rss_mb": import_rss,
            "drop_import_half_peak_rss_mb": half_rss,
        },
    )


def run(quick: bool) -> list[tuple[str, str]]:
    """This benchmark on its own: [(title, markdown)]."""
    with bench_alone(quick, "drops") as bench:
        result = section(bench)
    for key, value in result.figures.items():
        log(f"  {key} = {value:.2f}")
    return [(result.title, result.markdown)]


# --- steps run in their own process (need Django) ------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()


def step_setup() -> dict[str, Any]:
    """A termly drop for every school of the demo trust, as at today."""
    from strides.assessment.queries import expected_pupil_ids
    from strides.assessment.services import create_drop
    from strides.organisations.models import AcademicYear, School, Trust

    trust = Trust.objects.order_by("pk").first()
    today = dt.date.today()
    year = AcademicYear.objects.filter(trust=trust, starts_on__lte=today, ends_on__gte=today).first()
    schools = list(School.objects.filter(trust=trust))
    drop = create_drop(
        None,
        trust,
        year,
        name="Benchmark drop",
        term="autumn",
        opens_on=today - dt.timedelta(days=7),
        deadline=today + dt.timedelta(days=7),
        assessed_on=today,
        schools=schools,
        slug="benchmark-drop",
    )
    pupils = len({pk for school in schools for pk in expected_pupil_ids(drop, school.pk)})
    return {"slug": drop.slug, "pupils": pupils, "schools": len(schools)}


def step_sheet(out: str, count: int) -> dict[str, Any]:
    """The drop's first ``count`` expected pupils x three subjects, with a valid code of each
    pupil's framework; one code in five typed in lower case, as people do."""
    from openpyxl import Workbook

    from strides.assessment.models import DataDrop
    from strides.assessment.queries import expected_pupil_ids
    from strides.frameworks.models import Level, Subject
    from strides.frameworks.queries import FrameworkChooser
    from strides.pupils.models import CharacteristicsPeriod, Pupil

    drop = DataDrop.objects.get(slug="benchmark-drop")
    subjects = [Subject.objects.get(code=code) for code in SUBJECTS]
    levels: dict[int, list[str]] = {}
    ordered = Level.objects.order_by("framework_id", "order")
    for framework_id, code in ordered.values_list("framework_id", "code"):
        levels.setdefault(framework_id, []).append(code)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Drop")
    sheet.append(["Benchmark drop: every school"])
    sheet.append(HEADER)
    written = judgements = 0
    expected = {
        school_id: expected_pupil_ids(drop, school_id)
        for school_id in drop.schools.order_by("pk").values_list("pk", flat=True)
    }
    # A dual-registered pupil is expected at two schools, each with its own framework choice:
    # which school's levels the importer reads for them is not this benchmark's subject, so they
    # are left out (a level of the other school's framework would be refused).
    on_two_rolls = {pk for pk, n in Counter(pk for ids in expected.values() for pk in ids).items() if n > 1}
    for school_id, school_ids in expected.items():
        if written >= count:
            break
        ids = [pk for pk in school_ids if pk not in on_two_rolls][: count - written]
        chooser = FrameworkChooser(school_id, subjects, drop.assessed_on)
        years = dict(
            CharacteristicsPeriod.objects.filter(pupil_id__in=ids, valid_to__isnull=True).values_list(
                "pupil_id", "nc_year"
            )
        )
        for pk, upn, surname, forename in Pupil.objects.filter(pk__in=ids).values_list(
            "pk", "upn", "legal_surname", "legal_forename"
        ):
            year = years.get(pk)
            row: list[Any] = [upn, surname, forename, year]
            for offset, subject in enumerate(subjects):
                framework = chooser.framework_for(pk, subject.pk, year)
                codes = levels[framework.pk]
                wanted = f"Y{min(max(year or 1, 1), 11)} {('WTS', 'EXS', 'GDS')[(pk + offset) % 3]}"
                code = wanted if wanted in codes else codes[(pk + offset) % len(codes)]
                row.append(code.lower() if (pk + offset) % 5 == 0 else code)
                judgements += 1
            sheet.append(row)
            written += 1
    workbook.save(out)
    return {"pupils": written, "judgements": judgements, "bytes": Path(out).stat().st_size}


def step_floor(path: str, slug: str) -> dict[str, Any]:
    """The floor: read the sheet with calamine and bulk_create the judgements in one transaction."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from strides.assessment.models import DataDrop, Judgement
    from strides.frameworks.models import Level, Subject
    from strides.frameworks.services import crosswalk_in_force, point_map
    from strides.pupils.models import Enrolment

    started = time.perf_counter()
    drop = DataDrop.objects.select_related("trust__common_scale").get(slug=slug)
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    header = [str(c).strip() for c in rows[1]]
    columns = [(header.index(code.title()), Subject.objects.get(code=code).pk) for code in SUBJECTS]
    school_of = dict(
        Enrolment.objects.filter(school__in=drop.schools.all(), end_date__isnull=True).values_list(
            "pupil__upn", "school_id"
        )
    )
    pupil_of = dict(
        Enrolment.objects.filter(school__in=drop.schools.all(), end_date__isnull=True).values_list(
            "pupil__upn", "pupil_id"
        )
    )
    level_of = {code.upper(): pk for pk, code in Level.objects.values_list("pk", "code")}
    crosswalk = crosswalk_in_force(drop.trust.common_scale, drop.assessed_on)
    points = point_map(crosswalk)
    judgements = []
    for row in rows[2:]:
        upn = row[0]
        for index, subject_id in columns:
            level_id = level_of[str(row[index]).upper()]
            judgements.append(
                Judgement(
                    pupil_id=pupil_of[upn],
                    subject_id=subject_id,
                    drop=drop,
                    school_id=school_of[upn],
                    level_id=level_id,
                    point_id=points.get(level_id),
                    crosswalk=crosswalk,
                )
            )
    read = time.perf_counter()
    with transaction.atomic():
        Judgement.objects.bulk_create(judgements, batch_size=2000)
    done = time.perf_counter()
    return {"created": len(judgements), "read_seconds": read - started, "insert_seconds": done - read}


def main(argv: list[str]) -> int:
    if argv[:1] == ["step"]:
        _setup_django()
        name, *args = argv[1:]
        if name == "setup":
            result = step_setup()
        elif name == "sheet":
            result = step_sheet(args[0], int(args[1]))
        elif name == "floor":
            result = step_floor(args[0], args[1])
        else:
            raise SystemExit(f"unknown step {name!r}")
        print(json.dumps(result))
        return 0
    for title, markdown in run(quick="--quick" in argv):
        print(f"## {title}\n\n{markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
