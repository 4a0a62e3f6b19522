"""The pupil's attainment and progress: a timeline of common points per subject across drops and
frameworks, the similar-learner percentile with what it is compared with in plain words, and the
flags that ask for attention.

The pupil comes through the scoping gate (``visible_pupils``): school staff see their pupils, a
teacher their classes', a parent their own child, a placing school the pupils it placed, while
placed. Governors and directors see no named pupil: 404, exactly like a pupil who does not exist.
The rows come from :meth:`AnalyticsView.pupil_observations`: only judgements made at the schools
through which the user sees the pupil. Definitions of the measures: docs/analytics.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from strides.access.actor import Viewer
from strides.access.gate import get_or_404, visible_enrolments, visible_pupils
from strides.access.rules import AccessRule, access_rule
from strides.analytics import flight_path, needing_attention
from strides.analytics.attention import BOTTOM_DECILE, FALLEN_BACK, NOT_MAKING_EXPECTED_PROGRESS
from strides.analytics.similar import ANY_NEED, MATCHED_ON_NEED
from strides.assessment.models import DataDrop
from strides.dashboards import charts
from strides.dashboards.charts import Figure
from strides.dashboards.frames import PoolSource
from strides.dashboards.named_pupils import point_labels, pupil_percentiles, rounded_percentile, subject_names
from strides.dashboards.pages import Page, dashboard_response
from strides.dashboards.pupil_words import STAFF_WORDS, Words, words_for
from strides.dashboards.queries import AnalyticsView
from strides.dashboards.reasons import reason_words
from strides.dashboards.tables import COUNT, NUMBER, Column, Table
from strides.frameworks.models import Framework, Subject
from strides.pupils.census_codes import SenNeed
from strides.pupils.models import Pupil
from strides.pupils.queries import audience
from strides.small_groups import small_group_threshold

PUPIL_RULE = AccessRule(
    None,
    object_scoped=True,
    description="named pupils the gate's visible_pupils lets in (404 for governors, directors and "
    "anyone else)",
)

PHASE_WORDS = {"primary": "in primary", "secondary": "in secondary"}


def term_and_year(drop: DataDrop | None) -> str:
    """ "autumn 2024": the drop's term and the calendar year of its date, as people say it."""
    if drop is None:
        return "an earlier drop"
    return f"{drop.get_term_display().lower()} {drop.assessed_on.year}"


def possessive(pupil: Pupil) -> str:
    return {"F": "her", "M": "his"}.get(pupil.sex, f"{pupil.forename}'s")


def need_words(need: str) -> str:
    if not need:
        return "with no identified special educational need"
    try:
        label = SenNeed(need).label
    except ValueError:
        label = need
    return f"with the same primary need ({label[:1].lower()}{label[1:]})"


# --- similar learners in words --------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One subject's progress over the last year against similar learners."""

    subject: Subject
    gained: int
    start_point: int
    end_point: int
    start_drop: DataDrop | None
    end_drop: DataDrop | None
    percentile: float | None
    compared_with: int | None
    fewer: int
    same: int
    sentence: str

    @property
    def shown_percentile(self) -> int | None:
        return None if self.percentile is None else rounded_percentile(self.percentile)


def cell_counts(benchmark: pl.DataFrame, row: Mapping[str, Any]) -> tuple[int, int]:
    """(pupils who gained fewer points, pupils who gained the same) in the benchmark cell the
    percentile was worked out in: the pupil's need where ``matched_on`` says so, else any need."""
    need = row["primary_need"] if row["matched_on"] == MATCHED_ON_NEED else ANY_NEED
    cell = benchmark.filter(
        (pl.col("subject") == row["subject"])
        & (pl.col("phase") == row["phase"])
        & (pl.col("start_point") == row["start_point"])
        & (pl.col("primary_need") == need)
    )
    fewer = int(cell.filter(pl.col("gained") < row["gained"]).get_column("pupils").sum())
    same = int(cell.filter(pl.col("gained") == row["gained"]).get_column("pupils").sum())
    return fewer, same


def compared_with_words(source: PoolSource | None) -> str:
    if source is not None and source.external:
        return f"in the benchmark “{source.name}”"
    return "in the trust"


def similar_sentence(
    pupil: Pupil,
    row: Mapping[str, Any],
    *,
    start: DataDrop | None,
    end: DataDrop | None,
    fewer: int,
    same: int,
    source: PoolSource | None,
    words: Words = STAFF_WORDS,
) -> str:
    """The percentile and what it is compared with, in plain words, e.g. "Ida gained 4 points over
    the year from autumn 2024 to autumn 2025 (point 8 to point 12). Of the 12 pupils in the trust
    who started at the same point in primary, 9 gained fewer points and 3 gained the same. Counting
    half of those who gained the same, her progress percentile is 88." A parent reads "steps"
    (``words``)."""
    name = pupil.forename
    points, unit = words.points, words.point
    gained = int(row["gained"])
    if gained > 0:
        moved = f"{name} gained {points(gained)}"
    elif gained == 0:
        moved = f"{name} stayed at the same {unit}"
    else:
        moved = f"{name} fell back {points(-gained)}"
    sentences = [
        f"{moved} over the year from {term_and_year(start)} to {term_and_year(end)} "
        f"({unit} {row['start_point']} to {unit} {row['end_point']})."
    ]
    phase = PHASE_WORDS.get(row["phase"], "")
    where = f"{compared_with_words(source)} who started at the same {unit} {phase}"
    if row["matched_on"] == MATCHED_ON_NEED:
        where += f" {need_words(row['primary_need'])}"
    if row["percentile"] is None and row["compared_with"]:
        # too few to compare with (see pupil_percentiles): how many would tell about the others
        sentences.append(
            f"There are fewer than {small_group_threshold()} pupils {where}: too few to compare with "
            "fairly, so there is no percentile."
        )
        return " ".join(sentences)
    if row["percentile"] is None or not row["compared_with"]:
        sentences.append(f"No pupil {where} is there to compare with yet, so there is no percentile.")
        return " ".join(sentences)
    total = int(row["compared_with"])
    pupils_word = "pupil" if total == 1 else "pupils"
    sentences.append(
        f"Of the {total:,} {pupils_word} {where}, {fewer:,} gained fewer {unit}s "
        f"and {same:,} gained the same."
    )
    sentences.append(
        f"Counting half of those who gained the same, {possessive(pupil)} progress percentile is "
        f"{rounded_percentile(row['percentile'])}."
    )
    return " ".join(sentences)


def comparisons(
    pupil: Pupil,
    pct_rows: pl.DataFrame,
    benchmark: pl.DataFrame,
    subjects: Sequence[Subject],
    drops: Mapping[int, DataDrop],
    source: PoolSource | None,
    words: Words = STAFF_WORDS,
) -> dict[str, Comparison]:
    """Per subject code, the pupil's latest year of progress against similar learners."""
    out = {}
    by_code = {subject.code: subject for subject in subjects}
    latest = pct_rows.filter(
        (pl.col("end_drop_date") == pl.col("end_drop_date").max().over("subject"))
        & (pl.col("end_drop_id") == pl.col("end_drop_id").max().over(["subject", "end_drop_date"]))
    )
    for row in latest.iter_rows(named=True):
        subject = by_code.get(row["subject"])
        if subject is None:
            continue
        fewer, same = cell_counts(benchmark, row) if row["percentile"] is not None else (0, 0)
        start, end = drops.get(row["start_drop_id"]), drops.get(row["end_drop_id"])
        out[subject.code] = Comparison(
            subject=subject,
            gained=int(row["gained"]),
            start_point=int(row["start_point"]),
            end_point=int(row["end_point"]),
            start_drop=start,
            end_drop=end,
            percentile=row["percentile"],
            compared_with=row["compared_with"] if row["percentile"] is not None else None,
            fewer=fewer,
            same=same,
            sentence=similar_sentence(
                pupil, row, start=start, end=end, fewer=fewer, same=same, source=source, words=words
            ),
        )
    return out


# --- flags in words -------------------------------------------------------------------------------


def flag_details(
    reasons: Sequence[str],
    subject_path: pl.DataFrame,
    comparison: Comparison | None,
    year_row: Mapping[str, Any] | None,
    drops: Mapping[int, DataDrop],
    words: Words = STAFF_WORDS,
) -> list[str]:
    """Each reason of ``needing_attention`` for one subject, in words with its figures."""
    out = []
    said, points, unit = words.reasons, words.points, words.point
    for reason in reasons:
        if reason == NOT_MAKING_EXPECTED_PROGRESS and year_row is not None:
            out.append(
                f"{said[reason]}: gained {points(int(year_row['gained']))} where pupils of the same "
                f"age are expected to rise {points(int(year_row['expected_rise']))}."
            )
        elif reason == FALLEN_BACK and subject_path.height >= 2:
            before, now = subject_path.row(-2, named=True), subject_path.row(-1, named=True)
            out.append(
                f"{said[reason]}: {unit} {now['point']} in {drop_name(drops, now['drop_id'])}, "
                f"down from {before['point']} in {drop_name(drops, before['drop_id'])}."
            )
        elif reason == BOTTOM_DECILE and comparison is not None and comparison.shown_percentile is not None:
            out.append(f"{said[reason]}: progress percentile {comparison.shown_percentile}.")
        else:
            out.append(f"{said.get(reason) or reason_words([reason])[0]}.")
    return out


def drop_name(drops: Mapping[int, DataDrop], drop_id: int) -> str:
    drop = drops.get(drop_id)
    return drop.title if drop else "an earlier drop"


@dataclass
class SubjectSummary:
    subject: Subject
    latest_level: str
    latest_point: int
    latest_drop: str
    comparison: Comparison | None
    flags: list[str]
    no_comparison: str = ""


# --- tables and the chart ---------------------------------------------------------------------------


def framework_names(codes: Sequence[str], trust_id: int | None) -> dict[str, str]:
    """Framework code -> name, the trust's own before the shipped ones. One query."""
    rows = Framework.objects.filter(code__in=set(codes)).filter(Q(trust__isnull=True) | Q(trust_id=trust_id))
    names: dict[str, str] = {}
    for code, name, owner in rows.values_list("code", "name", "trust_id"):
        if owner is not None or code not in names:
            names[code] = name
    return names


def against_expected(point: int, expected: int | None, words: Words = STAFF_WORDS) -> str:
    if expected is None:
        return f"no expected {words.point} for this year and term"
    if point == expected:
        return "at expected"
    if point > expected:
        return f"above expected by {words.points(point - expected)}"
    return f"below expected by {words.points(expected - point)}"


def flight_path_figure(
    pupil: Pupil,
    path: pl.DataFrame,
    subjects: Sequence[Subject],
    drops: Mapping[int, DataDrop],
    frameworks: Mapping[str, str],
    point_names: Mapping[int, str] | None = None,
    words: Words = STAFF_WORDS,
) -> Figure:
    names = {subject.code: subject.name for subject in subjects}
    order = {subject.code: position for position, subject in enumerate(subjects)}
    rows = []
    for row in path.iter_rows(named=True):
        if row["subject"] not in names:
            continue
        rows.append(
            {
                "subject_code": row["subject"],
                "subject": names[row["subject"]],
                "drop": drop_name(drops, row["drop_id"]),
                "drop_date": row["drop_date"],
                "assessed_on": f"{row['drop_date']:%d/%m/%Y}",
                "level": row["level"],
                "framework": frameworks.get(row["framework"], row["framework"]),
                "point": row["point"],
                "expected": row["expected"],
                "against": against_expected(row["point"], row["expected"], words),
            }
        )
    rows.sort(key=lambda r: (order[r["subject_code"]], r["drop_date"]))
    w = words
    drop_title = w.drop_column
    table = Table(
        "timeline",
        f"{pupil.display_name}: {w.judgements} by subject and {w.drop}",
        [
            Column("subject", "Subject", row_header=True),
            Column("drop", drop_title),
            Column("assessed_on", "Assessed on"),
            Column("level", "Level entered"),
            Column("framework", "Framework"),
            Column("point", f"Common {w.point}", COUNT),
            Column("expected", f"Expected {w.point}", COUNT),
            Column("against", "Against expected"),
        ],
        rows,
        note=f"The level is what the school entered in its framework; the common {w.point} places it on "
        f"{w.scale}, so levels of different frameworks can be compared. The expected "
        f"{w.point} is for the pupil's year group at that term.",
        empty=f"No {w.judgements} are recorded yet.",
    )
    spec = charts.timeline(
        rows,
        title=f"{pupil.forename}'s common {w.point}s across {w.drops}",
        description=f"A line per subject across the {w.drops}, each {w.point} the common {w.point} of the "
        f"level entered (the axis names each {w.point}); the grey dashed line is the {w.point} expected "
        f"for the pupil's age at each {w.drop}.",
        x_title=f"{drop_title} date",
        point_title=f"Common {w.point}",
        point_names=point_names,
    )
    return Figure(spec, table)


def progress_table(pupil: Pupil, summaries: Sequence[SubjectSummary], words: Words = STAFF_WORDS) -> Table:
    rows = []
    for summary in summaries:
        comparison = summary.comparison
        rows.append(
            {
                "subject": summary.subject.name,
                "latest": (
                    f"{summary.latest_level} ({words.point} {summary.latest_point}), {summary.latest_drop}"
                ),
                "from": term_and_year(comparison.start_drop) if comparison else "",
                "gained": comparison.gained if comparison else None,
                "percentile": comparison.percentile if comparison else None,
                "compared_with": comparison.compared_with if comparison else None,
                "attention": " ".join(summary.flags) or "No",
            }
        )
    return Table(
        "progress",
        f"{pupil.display_name}: progress over the last year against {words.similar}",
        [
            Column("subject", "Subject", row_header=True),
            Column("latest", f"Latest {words.judgement}"),
            Column("from", f"Compared with the {words.judgement} of"),
            Column("gained", f"{words.point_title}s gained", COUNT),
            Column("percentile", "Progress percentile", NUMBER),
            Column("compared_with", f"{words.similar[:1].upper()}{words.similar[1:]} (n)", COUNT),
            Column("attention", words.attention_column),
        ],
        rows,
        note=f"The percentile compares the {words.point}s gained over a year with pupils who started at "
        f"the same {words.point} in the same phase (and with the same primary need where there are at "
        "least 30 of them): 50 is typical progress, below 10 the bottom tenth.",
        empty=f"No {words.judgements} are recorded yet.",
    )


# --- the page ----------------------------------------------------------------------------------------


def analytics_for(user: Viewer, pupil: Pupil) -> AnalyticsView:
    """The user's analytics in the trust of a school through which they see the pupil. One query."""
    trust_id = (
        visible_enrolments(user)
        .filter(pupil=pupil, school__trust__isnull=False)
        .order_by("-start_date")
        .values_list("school__trust_id", flat=True)
        .first()
    )
    return AnalyticsView(user, trust_id=trust_id) if trust_id is not None else AnalyticsView(user)


@access_rule(PUPIL_RULE)
def pupil_dashboard(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's common points per subject across drops and frameworks, their progress over the
    last year against similar learners in plain words, and the flags that ask for attention."""
    user = request.user
    pupil = get_or_404(visible_pupils(user), pk=pupil_id)
    words = words_for(audience(user, pupil))  # a parent reads plain words, staff their terms
    view = analytics_for(user, pupil)
    obs = view.pupil_observations(pupil_ids=[pupil.pk])
    path = flight_path(obs, pupil.pk)
    codes = path.get_column("subject").unique().to_list() if path.height else []
    subjects = subject_names(view.trust_id, codes) if codes else []
    drop_ids = set(path.get_column("drop_id").to_list())
    drops = {d.pk: d for d in view.drops().select_related("academic_year") if d.pk in drop_ids}

    page = Page()
    summaries: list[SubjectSummary] = []
    source = None
    if path.height:
        # the pupil's latest year's progress, compared with the pool of the years up to it
        benchmark = view.benchmark(end_year=int(path.get_column("academic_year").max()))
        pct_rows = pupil_percentiles(obs, benchmark)
        source = view.pool_source()
        found = comparisons(pupil, pct_rows, benchmark, subjects, drops, source, words)
        flags = {
            row["subject"]: list(row["reasons"])
            for row in needing_attention(obs, pct_rows).iter_rows(named=True)
        }
        year_rows = {
            row["subject"]: row for row in pct_rows.iter_rows(named=True) if row["expected_rise"] is not None
        }
        for subject in subjects:
            subject_path = path.filter(pl.col("subject") == subject.code)
            latest = subject_path.row(-1, named=True)
            comparison = found.get(subject.code)
            summary = SubjectSummary(
                subject=subject,
                latest_level=latest["level"],
                latest_point=latest["point"],
                latest_drop=drop_name(drops, latest["drop_id"]),
                comparison=comparison,
                flags=flag_details(
                    flags.get(subject.code, []),
                    subject_path,
                    comparison,
                    year_rows.get(subject.code),
                    drops,
                    words,
                ),
            )
            if comparison is None:
                latest_term = term_and_year(drops.get(latest["drop_id"]))
                summary.no_comparison = (
                    f"{pupil.forename}'s latest {words.judgement} is from {latest_term}, "
                    "and there is none from the same term a year before to measure a year's progress from, "
                    "so there is no percentile yet."
                )
            summaries.append(summary)
        frameworks = framework_names(path.get_column("framework").unique().to_list(), view.trust_id)
        points = {value: f"{code} {label}" for value, (code, label) in point_labels(view.trust_id).items()}
        page.add(flight_path_figure(pupil, path, subjects, drops, frameworks, points, words))
        page.add(table=progress_table(pupil, summaries, words))

    profile_url = reverse("pupils:profile", kwargs={"pupil_id": pupil.pk})
    context = {
        "pupil": pupil,
        "words": words,
        "summaries": summaries,
        "flagged": [summary for summary in summaries if summary.flags],
        # parents and placing schools see a drop once the school submits it (see AnalyticsView)
        "released_only": not summaries and view.sees_only_from_outside(pupil.pk),
        "source": source,
        "profile_url": profile_url,
        "breadcrumbs": [
            ("Home", reverse("web:home")),
            (pupil.display_name, profile_url),
            ("Attainment and progress", ""),
        ],
    }
    return dashboard_response(
        request,
        "dashboards/pupil.html",
        context,
        page,
        title=f"{pupil.display_name}: attainment and progress",
        filename=f"pupil-{pupil.pk}",
        selection=None,
    )
