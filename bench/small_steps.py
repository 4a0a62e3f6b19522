"""Benchmark: small steps at a special school's scale. A 150-pupil special school with two years of
records (about 300,000 statement records: recorded weekly, as a busy school does), then

(a) the termly threshold computation: ``term_progress`` and ``run_thresholds`` of every completed
    term for the whole trust, each timed, with the peak Python memory (tracemalloc) of the largest;
(b) the measures behind one pupil's page (that pupil's records: ``area_positions`` today and
    ``progress_over`` its terms) and the school's group analysis (every pupil's term progress,
    their crossings and ``group_summary`` by class and by area), p50/p95 of warm runs; and the pages
    themselves (``/steps/pupils/<id>/``, ``/steps/schools/<urn>/analysis/``) through Django's test
    client as the head, when they answer 200.

    python -m bench.small_steps [--quick]        this benchmark alone, printed as Markdown
    python -m bench.run --only small_steps       the same inside the report

Steps (each a process of its own against DATABASE_URL, printing one line of JSON):

    python -m bench.small_steps step build PUPILS     the school, its framework and records
    python -m bench.small_steps step measure REPEATS  the figures (any database with a trust:
                                                      also the demo's, ``demo-data --scale large``)

The school, pupils, classes, framework and assignments go through the services; the records, being
the bench's volume, are written straight into the table (no audit entries), in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Bench, Section, bench_alone, log

REPO = Path(__file__).resolve().parent.parent
AREAS = ("communication", "reading", "number", "pshe", "physical")
STEPS = 8
PER_STEP = 8
CLASS_SIZE = 8
GOAL_THRESHOLDS = 10.0  # seconds, every completed term's run for the trust
GOAL_PAGE = 0.3  # seconds, a page warm


@dataclass(frozen=True)
class StepsSizes:
    pupils: int
    per_week: int  # records a pupil gets in each area each school week
    repeats: int


FULL = StepsSizes(pupils=150, per_week=4, repeats=20)
QUICK = StepsSizes(pupils=24, per_week=2, repeats=3)


def _django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strides.settings")
    import django

    django.setup()


def school_weeks(start_year: int, today: dt.date) -> list[dt.date]:
    """The Thursday of every school week from September two years ago up to yesterday."""
    from strides.organisations.services import default_half_terms

    days = []
    for year in (start_year - 2, start_year - 1, start_year):
        for _, starts, ends in default_half_terms(year):
            day = starts + dt.timedelta(days=3)
            while day <= ends and day < today:
                days.append(day)
                day += dt.timedelta(days=7)
    return days


def step_build(pupils: int, per_week: int) -> dict[str, Any]:
    _django()
    from django.db import transaction

    from strides.accounts import services as accounts
    from strides.accounts.roles import Role
    from strides.classes import services as classes
    from strides.demo.bulk import insert, reset_sequences
    from strides.frameworks.services import ensure_common_scale
    from strides.organisations import services as organisations
    from strides.organisations.models import AcademicYear
    from strides.pupils.models import Pupil
    from strides.pupils.services import PupilRecord, upsert_pupils
    from strides.pupils.upn import make_upn
    from strides.steps.models import AchievementLevel, AchievementRecord, Shape, Statement
    from strides.steps.services.frameworks import StatementRow, build_structure, create_framework
    from strides.steps.services.recording import assign_framework

    started = time.perf_counter()
    rng = random.Random(1)
    today = dt.date.today()
    this_year = AcademicYear.start_year_for(today)
    with transaction.atomic():
        trust = organisations.create_trust(None, "Small Steps Bench Trust", "steps-bench")
        years = {
            y: organisations.ensure_academic_year(None, trust, y) for y in range(this_year - 2, this_year + 1)
        }
        school = organisations.create_school(
            None, trust, name="Bench Special School", urn="997001", la_code="801",
            establishment_number="7001", school_type="special", phase="all_through",
        )  # fmt: skip
        analyst = accounts.create_user(None, "steps-analyst", validate=False)
        accounts.grant_role(None, analyst, Role.TRUST_ANALYST, trust, None)
        head = accounts.create_user(None, "steps-head", validate=False)
        accounts.grant_role(None, head, Role.HEADTEACHER, trust, school)
        ensure_common_scale(trust, analyst)
        first_day = dt.date(this_year - 2, 9, 1)
        records = [
            PupilRecord(
                upn=make_upn(801, 7001, 20, n + 1),
                legal_forename=f"Pupil{n:03d}",
                legal_surname="Bench",
                date_of_birth=dt.date(this_year - 6 - n % 12, 3, 1),
                sex="F" if n % 3 else "M",
                characteristics={"nc_year": n % 12, "sen_provision": "E", "primary_need": "SLD"},
                enrolment_start=first_day,
            )
            for n in range(pupils)
        ]
        upsert_pupils(None, school, records, effective=first_day)
        roll = list(Pupil.objects.filter(legal_surname="Bench").order_by("pk"))
        current = years[this_year]
        for index in range(0, len(roll), CLASS_SIZE):
            group = classes.create_group(None, school, current, f"Class {index // CLASS_SIZE + 1:02d}")
            classes.set_pupils(None, group, roll[index : index + CLASS_SIZE])
            teacher = accounts.create_user(
                None, f"steps-teacher-{index // CLASS_SIZE + 1:02d}", validate=False
            )
            accounts.grant_role(None, teacher, Role.TEACHER, trust, school)
            classes.assign_staff(None, group, teacher)
        framework = create_framework(
            analyst, code="bench-steps", name="Bench small steps", shape=Shape.LINEAR, trust=trust
        )
        rows = [
            StatementRow(row=0, area=area, step=step, step_name=f"Step {step}",
                         code=f"{area[:3].upper()}{step}.{i}", text=f"{area} step {step} statement {i}",
                         key=i == PER_STEP)
            for area in AREAS for step in range(1, STEPS + 1) for i in range(1, PER_STEP + 1)
        ]  # fmt: skip
        build_structure(analyst, framework, rows)
        framework.shared = True
        framework.save(update_fields=["shared"])
        for pupil in roll:
            assign_framework(head, school, pupil, framework, first_day)
        levels = {lv.code: lv.pk for lv in AchievementLevel.objects.filter(framework=framework)}
        by_area: dict[str, list[int]] = {}
        for pk, area in (
            Statement.objects.filter(area__framework=framework)
            .order_by("area__order", "step__number", "order")
            .values_list("pk", "area__code")
        ):
            by_area.setdefault(area, []).append(pk)
        weeks = school_weeks(this_year, today)
        now = dt.datetime.now(dt.UTC)
        made: list[tuple] = []
        for pupil in roll:
            for ids in by_area.values():
                pointer = rng.randrange(PER_STEP * 2)
                speed = rng.choice((0.05, 0.1, 0.15, 0.15, 0.3))  # statements secured a week
                versions: dict[int, int] = {}
                ratings: dict[int, list[int]] = {}
                for day in weeks:
                    for _ in range(per_week):
                        if pointer < len(ids) - 1 and rng.random() < speed:
                            pointer += 1
                        back = rng.randrange(min(pointer, 6) + 1)
                        index = min(pointer - back, len(ids) - 1)
                        statement = ids[index]
                        version = versions[statement] = versions.get(statement, 0) + 1
                        code = "S" if back else rng.choice(("E", "D", "D"))
                        aspects = ratings.setdefault(index, [1, 1, 1, 1])
                        if back:
                            which = rng.randrange(4)
                            aspects[which] = min(5, aspects[which] + 1)
                        made.append(
                            (pupil.pk, statement, levels[code], school.pk, day, version, 1, "", "[]",
                             *aspects, head.pk, now)
                        )  # fmt: skip
        fields = (
            "pupil", "statement", "level", "school", "assessed_on", "version", "wording_version", "note",
            "evidence_links", "independence", "fluency", "maintenance", "generalisation", "recorded_by",
            "recorded_at",
        )  # fmt: skip
        insert(AchievementRecord, fields, made)
        reset_sequences([AchievementRecord])
    return {
        "pupils": len(roll),
        "records": len(made),
        "weeks": len(weeks),
        "seconds": time.perf_counter() - started,
    }


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
    }


def step_measure(repeats: int) -> dict[str, Any]:
    _django()
    from django.db import transaction
    from django.db.models import Count

    from strides.analytics import small_steps as measures
    from strides.organisations.models import AcademicYear, School
    from strides.steps import analysis
    from strides.steps.models import AchievementRecord, StepArea, StepAssignment
    from strides.steps.queries import TERMS, records_of, statements_of, term_window
    from strides.steps.services.conversations import run_thresholds

    today = dt.date.today()
    busiest = (
        AchievementRecord.objects.values("school_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("school_id", flat=True)
    )
    school = School.objects.select_related("trust").get(pk=busiest[0])
    trust = school.trust
    records_total = AchievementRecord.objects.filter(school__trust=trust).count()
    school_records = AchievementRecord.objects.filter(school=school).count()
    this_year = AcademicYear.start_year_for(today)
    years = {y.start_year: y for y in AcademicYear.objects.filter(trust=trust)}
    completed = [
        (years[y], term)
        for y in sorted(years)
        if y >= this_year - 2
        for term in TERMS
        if term_window(years[y], term).ends < today
    ]
    # (a) the termly thresholds, cold (the analysis keeps a term's frame: forgotten before each)
    progress_times, run_times, raised = [], [], 0
    for year, term in completed:
        analysis.forget()
        started = time.perf_counter()
        analysis.term_progress(trust, year, term)
        progress_times.append(time.perf_counter() - started)
    with transaction.atomic():  # rolled back: the database stays as it was
        for year, term in completed:
            analysis.forget()
            started = time.perf_counter()
            raised += run_thresholds(None, trust, year, term).raised
            run_times.append(time.perf_counter() - started)
        transaction.set_rollback(True)
    largest = completed[-1]
    analysis.forget()
    tracemalloc.start()
    analysis.term_progress(trust, *largest)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # (b) one pupil's page: the pupil of the school with the most records
    pupil_id = (
        AchievementRecord.objects.filter(school=school).values("pupil_id").annotate(n=Count("pk"))
        .order_by("-n").values_list("pupil_id", flat=True)[0]
    )  # fmt: skip
    framework_ids = set(
        StepAssignment.objects.filter(pupil_id=pupil_id, school=school).values_list("framework_id", flat=True)
    )
    windows = [term_window(y, t) for y, t in completed]
    pupil_rows = AchievementRecord.objects.filter(pupil_id=pupil_id).count()

    def pupil_measures() -> None:
        statements = statements_of(framework_ids)
        records = records_of(AchievementRecord.objects.filter(pupil_id=pupil_id, school=school))
        measures.area_positions(statements, records, today)
        measures.progress_over(statements, records, [(window.starts, window.ends) for window in windows])

    area_names = dict(StepArea.objects.filter(framework_id__in=framework_ids).values_list("pk", "name"))

    def group_measures() -> None:  # warm: the term's frame kept, as a second look at the page
        frame = analysis.term_progress(trust, *largest)
        analysis.group_rows(frame, {school.pk}, "class", area_names)
        analysis.group_rows(frame, {school.pk}, "area", area_names)

    def group_cold() -> None:  # the first look after a record changed: the frame built again
        analysis.forget()
        group_measures()

    figures: dict[str, Any] = {}
    for name, work in (("pupil", pupil_measures), ("group", group_measures), ("group_cold", group_cold)):
        work()  # warm
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        figures[name] = _percentiles(times)
    figures["pages"] = _pages(school, pupil_id, repeats)
    return {
        "trust_records": records_total,
        "school_records": school_records,
        "school": school.name,
        "pupils": StepAssignment.objects.filter(school__trust=trust).values("pupil_id").distinct().count(),
        "terms": [f"{t} {y.start_year}/{(y.start_year + 1) % 100:02d}" for y, t in completed],
        "term_progress_seconds": progress_times,
        "run_thresholds_seconds": run_times,
        "raised": raised,
        "peak_traced_mb": peak / 1024 / 1024,
        "pupil_records": pupil_rows,
        **{f"{k}_{p}": v for k, d in figures.items() if k != "pages" for p, v in d.items()},
        "pages": figures["pages"],
    }


def _pages(school: Any, pupil_id: int, repeats: int) -> dict[str, Any]:
    """The two pages through the test client as the school's head, if they answer."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from strides.accounts.models import Membership

    membership = Membership.objects.filter(school=school, role="headteacher").select_related("user").first()
    if membership is None:
        return {"error": "no headteacher at the school"}
    client = Client()
    client.force_login(membership.user)
    found: dict[str, Any] = {}
    try:
        urls = {
            "pupil_page": reverse("steps:pupil", kwargs={"pupil_id": pupil_id}),
            # the part the pupil's page fetches after it: similar learners across the trust
            "pupil_similar": reverse("steps:pupil", kwargs={"pupil_id": pupil_id}) + "?part=similar",
            # ?wait=1: the figures, not the progress bar a first look shows while they are worked out
            "analysis_page": reverse("steps:analysis", kwargs={"urn": school.urn}) + "?wait=1",
        }
    except NoReverseMatch as error:
        return {"error": f"no page: {error}"}
    for name, url in urls.items():
        try:
            response = client.get(url)
        except Exception as error:  # a page still being built: say so, and measure the rest
            found[name] = {"error": f"{type(error).__name__}: {str(error)[:200]}"}
            continue
        if response.status_code != 200:
            found[name] = {"error": f"HTTP {response.status_code}"}
            continue
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        found[name] = {"url": url, **_percentiles(times)}
    return found


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _met(value: float, goal: float) -> str:
    return "met" if value <= goal else "**not met**"


def _row(label: str, report: dict[str, Any], key: str, *, cold: bool = False) -> str:
    p50, p95 = report[f"{key}_p50"], report[f"{key}_p95"]
    verdict = "cold: a progress bar shows meanwhile" if cold else _met(p95, GOAL_PAGE)
    return f"| {label} | {_ms(p50)} | **{_ms(p95)}** | {verdict} |"


def describe(built: dict[str, Any] | None, report: dict[str, Any], run: Any) -> str:
    threshold_total = sum(report["run_thresholds_seconds"])
    progress_max = max(report["term_progress_seconds"])
    terms = ", ".join(
        f"{term}: {_ms(p)} / {_ms(r)}"
        for term, p, r in zip(
            report["terms"], report["term_progress_seconds"], report["run_thresholds_seconds"], strict=True
        )
    )
    met_total = _met(threshold_total, GOAL_THRESHOLDS)
    pages = report["pages"]
    page_rows = []
    if "error" in pages:
        page_rows.append(f"| pages | not measured: {pages['error']} | | |")
    else:
        for name, found in pages.items():
            if "error" in found:
                page_rows.append(f"| `{name}` | not measured: {found['error']} | | |")
            else:
                page_rows.append(
                    f"| `{found['url']}` (test client, as the head) | {_ms(found['p50'])} | "
                    f"**{_ms(found['p95'])}** | {_met(found['p95'], GOAL_PAGE)} |"
                )
    made = (
        f"{built['pupils']} pupils, {built['records']:,} records over {built['weeks']} school weeks, "
        f"built in {built['seconds']:.1f} s; "
        if built
        else ""
    )
    return f"""A special school ({made}the trust's {report["trust_records"]:,} records, {report["pupils"]}
pupils on a framework). Each figure from one process (`python -m bench.small_steps step measure`);
peak memory is that process's RSS ({run.peak_rss_mb:.0f} MB) and tracemalloc's peak over the
largest term's `term_progress` ({report["peak_traced_mb"]:.0f} MB).

**(a) Termly thresholds, the whole trust.** `term_progress` / `run_thresholds` for each completed
term ({terms}); the runs raised {report["raised"]:,} conversations (rolled back).

| measure | value | goal (10 s) |
|---|---|---|
| slowest `term_progress` | **{_ms(progress_max)}** | {_met(progress_max, GOAL_THRESHOLDS)} |
| every completed term's `run_thresholds` together | **{_ms(threshold_total)}** | {met_total} |

**(b) Pages, warm** (p50 / p95 of the runs after a first one). The pupil is the one with the most
records ({report["pupil_records"]:,}); the pupil measures are `records_of` that pupil's records,
`area_positions` today and `progress_over` every completed term at once; the group measures are the
trust's `strides.steps.analysis.term_progress` for the last completed term (kept between looks
until a record changes; rebuilt when forgotten) and its `group_rows` (`group_summary`) for the
school by class and by area.

| measure | p50 | p95 | goal (300 ms) |
|---|---|---|---|
{_row("one pupil's measures", report, "pupil")}
{_row("the school's group analysis, term frame kept", report, "group")}
{_row("the school's group analysis, frame rebuilt", report, "group_cold", cold=True)}
{chr(10).join(page_rows)}
"""


def section(bench: Bench) -> Section:
    sizes = QUICK if bench.sizes.demo_scale != "large" else FULL
    this = [bench.python, "-m", "bench.small_steps", "step"]
    database = bench.fresh_database("small-steps")
    bench.log(f"small steps: a special school of {sizes.pupils} pupils and two years of records ...")
    built = bench.measure([*this, "build", str(sizes.pupils), str(sizes.per_week)], database).json()
    bench.log("small steps: thresholds and page measures ...")
    run = bench.measure([*this, "measure", str(sizes.repeats)], database)
    report = run.json()
    figures = {
        "steps_records": float(report["trust_records"]),
        "steps_thresholds_seconds": sum(report["run_thresholds_seconds"]),
        "steps_pupil_p95": report["pupil_p95"],
        "steps_group_p95": report["group_p95"],
    }
    return Section("Small steps: a special school's two years", describe(built, report, run), figures)


def main(argv: list[str]) -> int:
    if argv[:1] == ["step"]:
        name, args = argv[1], argv[2:]
        if name == "build":
            result = step_build(int(args[0]), int(args[1]) if len(args) > 1 else FULL.per_week)
        elif name == "measure":
            result = step_measure(int(args[0]))
        else:
            raise SystemExit(f"unknown step {name!r}")
        print(json.dumps(result, default=str))
        return 0
    with bench_alone("--quick" in argv, "small-steps") as bench:
        print(section(bench).markdown)
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
