"""Reads for small steps: the frames the measures are worked out from (``strides.analytics.
small_steps``), the framework's structure, a pupil's journey. Each takes a queryset the gate has
narrowed already (``strides.access.small_steps``), or ids got through one, and never widens it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from strides.analytics import small_steps as measures
from strides.organisations.models import AcademicYear, School
from strides.organisations.queries import term_dates_for
from strides.steps.models import ASPECTS, Statement

TERMS = ("autumn", "spring", "summer")


def statements_of(framework_ids: Iterable[int]) -> pl.DataFrame:
    """Every statement of these frameworks (removed ones too: they count before their removal)."""
    rows = Statement.objects.filter(area__framework_id__in=list(framework_ids)).values_list(
        "pk", "area_id", "step_id", "step__number", "weight", "key", "removed_on"
    )
    return measures.statements_frame([(p, a, s, n, float(w), k, r) for p, a, s, n, w, k, r in rows])


RECORD_COLUMNS = (
    "pupil_id",
    "statement_id",
    "assessed_on",
    "version",
    "level__credit",
    "level__secured",
    "level__not_applicable",
    "statement__area__framework__partial_credit",
    *ASPECTS,
)


def records_of(records: QuerySet, *, with_school: bool = False) -> pl.DataFrame:
    """The records of a (gate-narrowed) queryset as the measures' frame: each level's credit is
    counted only where its framework gives partial credit (a secured level always counts 1).

    The queryset's own SQL is run on a cursor and its rows go to Polars as they come: a trust's
    term is 100,000 records and more, and Django's conversion of each value (dates, decimals) was
    most of the time it took (docs/performance.md, "Small steps")."""
    columns_wanted = (*RECORD_COLUMNS, "school_id") if with_school else RECORD_COLUMNS
    try:
        sql, params = records.order_by().values_list(*columns_wanted).query.sql_with_params()
    except EmptyResultSet:  # a reader that can match nothing for this user
        return measures.records_frame([])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return measures.records_frame([])
    columns = list(zip(*rows, strict=True))
    raw = pl.DataFrame(
        {
            name: pl.Series(name, values, strict=False)
            for name, values in zip(columns_wanted, columns, strict=True)
        }
    )
    assessed = raw["assessed_on"]
    if assessed.dtype == pl.String:  # SQLite keeps dates as text
        assessed = assessed.str.to_date("%Y-%m-%d")
    secured = raw["level__secured"].cast(pl.Boolean)
    partial = raw["statement__area__framework__partial_credit"].cast(pl.Boolean)
    credit = raw["level__credit"].cast(pl.Float64)
    frame = pl.DataFrame(
        {
            "pupil_id": raw["pupil_id"].cast(pl.Int64),
            "statement_id": raw["statement_id"].cast(pl.Int64),
            "assessed_on": assessed.cast(pl.Date),
            "version": raw["version"].cast(pl.Int32),
            "credit": pl.select(
                pl.when(secured).then(1.0).when(partial).then(credit).otherwise(0.0)
            ).to_series(),
            "secured": secured,
            "not_applicable": raw["level__not_applicable"].cast(pl.Boolean),
            **{aspect: raw[aspect].cast(pl.Int8) for aspect in ASPECTS},
        }
    )
    frame = frame.select(list(measures.RECORD_SCHEMA))
    if with_school:
        frame = frame.with_columns(raw["school_id"].cast(pl.Int64).alias("school_id"))
    return frame


@dataclass(frozen=True)
class TermWindow:
    term: str
    starts: dt.date  # the day before the term: what the pupil had when it began
    ends: dt.date


def term_window(year: AcademicYear, term: str, school: School | None = None) -> TermWindow:
    """The term's first and last days by the trust's (or the school's) half-term dates, the
    usual English dates where none are set."""
    from strides.organisations.services import default_half_terms

    if term not in TERMS:
        raise ValueError(f"Term: {term!r} is not one of {', '.join(TERMS)}.")
    dates = [
        (t.half_term, t.starts_on, t.ends_on) for t in term_dates_for(school, year)
    ] or default_half_terms(year.start_year)
    halves = [(s, e) for half, s, e in dates if str(half).startswith(term)]
    if not halves:
        halves = [(s, e) for half, s, e in default_half_terms(year.start_year) if str(half).startswith(term)]
    first = min(s for s, _ in halves)
    last = max(e for _, e in halves)
    return TermWindow(term, first - dt.timedelta(days=1), last)


def current_term(year: AcademicYear, day: dt.date, school: School | None = None) -> str:
    """The term ``day`` falls in, or the last one begun."""
    chosen = TERMS[0]
    for term in TERMS:
        if term_window(year, term, school).starts < day:
            chosen = term
    return chosen


# --- the class grid and the pupil's page -------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """What a pupil has on a statement: the latest record's level code and the version to save
    against (0: none yet)."""

    code: str = ""
    version: int = 0
    label: str = ""
    evidence: tuple[str, ...] = ()


def latest_cells(records: QuerySet) -> dict[tuple[int, int], Cell]:
    """(pupil, statement) -> the latest record (the highest version) of a gate-narrowed queryset."""
    rows = records.order_by("pupil_id", "statement_id", "version").values_list(
        "pupil_id", "statement_id", "version", "level__code", "level__label", "evidence_links"
    )
    return {
        (p, s): Cell(code, version, label, tuple(links or ())) for p, s, version, code, label, links in rows
    }


def active_assignments(assignments: QuerySet, day: dt.date) -> QuerySet:
    """Assignments (gate-narrowed) in force on ``day``."""
    from django.db.models import Q

    return assignments.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)


def most_common(values: Iterable[int | None], default: int | None = None) -> int | None:
    counts: dict[int, int] = {}
    for value in values:
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return default
    return min(counts, key=lambda v: (-counts[v], v))
