"""The trust's small-steps figures for a term: every pupil-area's progress on a linear or matrix
framework, with who the pupil is for grouping (school, class, NC year, primary need, SEN status,
FSM, sex) and their school's thresholds. Personal thresholds (``services.conversations``), similar
learners (the pupil's page) and group analysis (``analysis_views``) all start here.

Built once per trust and term and kept in the process until a record, an assignment or a
threshold of the trust changes (one aggregate query says so). Rows are read by trust through the
analytics readers of ``strides.access.small_steps``; nobody is shown them as they are:
:func:`group_rows` narrows them to the schools of the user's aggregate reach and suppresses small
groups for aggregate-only readers; :func:`similar_for` gives one pupil's percentile.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict

import polars as pl
from django.db.models import Count, Max, Q

from strides.access.aggregates import trust_characteristics_for_analytics, trust_pupils_for_analytics
from strides.access.small_steps import (
    trust_assignments_for_analytics,
    trust_class_memberships_for_analytics,
    trust_records_for_analytics,
)
from strides.analytics import small_steps as measures
from strides.organisations.models import AcademicYear, Trust
from strides.pupils.census_codes import SenNeed, SenProvision
from strides.steps.models import Shape, StepArea, ThresholdPolicy
from strides.steps.queries import records_of, statements_of, term_window

DEFAULT = measures.Thresholds()
_KEPT: OrderedDict[tuple, tuple[float, pl.DataFrame]] = OrderedDict()
_LOCK = threading.Lock()
KEPT_MAX = 32
# A kept term is worked out again after this long even if no record changed, so a pupil's new
# class or primary need reaches the groupings within minutes (records and thresholds at once).
KEPT_SECONDS = 15 * 60

EMPTY_SCHEMA = {
    "pupil_id": pl.Int64(),
    "area_id": pl.Int64(),
    "framework_id": pl.Int64(),
    "school_id": pl.Int64(),
    "progress_percent": pl.Float64(),
    "statements_gained": pl.Int64(),
    "lateral_gains": pl.Int64(),
    "current_step": pl.Int32(),
    "start_step": pl.Int32(),
    "below": pl.Float64(),
    "above": pl.Float64(),
    "crossing": pl.String(),
}


def _stamp(trust_id: int) -> tuple:
    records = trust_records_for_analytics(trust_id).aggregate(top=Max("pk"), n=Count("pk"))
    assignments = trust_assignments_for_analytics(trust_id).aggregate(
        top=Max("pk"), n=Count("pk"), ends=Count("ends_on")
    )
    policies = list(
        ThresholdPolicy.objects.filter(school__trust_id=trust_id).values_list(
            "pk", "below_percent", "above_percent"
        )
    )
    return (
        records["top"],
        records["n"],
        assignments["top"],
        assignments["n"],
        assignments["ends"],
        tuple(policies),
    )


def forget() -> None:
    with _LOCK:
        _KEPT.clear()


def is_kept(trust: Trust, year: AcademicYear, term: str) -> bool:
    """Whether the trust's term is ready (a page then answers at once; otherwise it shows a
    progress bar while the figures are worked out)."""
    key = (trust.pk, year.pk, term, _stamp(trust.pk))
    with _LOCK:
        found = _KEPT.get(key)
    return found is not None and time.monotonic() - found[0] < KEPT_SECONDS


def term_progress(trust: Trust, year: AcademicYear, term: str) -> pl.DataFrame:
    """The trust's term (module docstring): one row per pupil-area, with ``crossing`` (null where
    none) and the grouping columns ``nc_year, primary_need, sen_provision, fsm, sex, class``."""
    key = (trust.pk, year.pk, term, _stamp(trust.pk))
    with _LOCK:
        found = _KEPT.get(key)
    if found is not None and time.monotonic() - found[0] < KEPT_SECONDS:
        return found[1]
    frame = _build(trust, year, term)
    with _LOCK:
        _KEPT[key] = (time.monotonic(), frame)
        while len(_KEPT) > KEPT_MAX:
            _KEPT.popitem(last=False)
    return frame


def _build(trust: Trust, year: AcademicYear, term: str) -> pl.DataFrame:
    window = term_window(year, term)
    assignments = trust_assignments_for_analytics(trust.pk).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=window.starts),
        starts_on__lte=window.ends,
        framework__shape__in=[Shape.LINEAR, Shape.MATRIX],
    )
    pairs = pl.DataFrame(
        list(assignments.order_by("starts_on").values_list("pupil_id", "framework_id", "school_id")),
        schema={"pupil_id": pl.Int64(), "framework_id": pl.Int64(), "school_id": pl.Int64()},
        orient="row",
    ).unique(["pupil_id", "framework_id"], keep="last")
    if pairs.is_empty():
        return pl.DataFrame(schema=EMPTY_SCHEMA)
    framework_ids = set(pairs["framework_id"].to_list())
    statements = statements_of(framework_ids)
    records = records_of(
        trust_records_for_analytics(trust.pk).filter(
            statement__area__framework_id__in=framework_ids,
            assessed_on__lte=window.ends,
            pupil_id__in=assignments.values("pupil_id"),
        ),
        with_school=True,
    )
    # each pupil-framework is measured on the records of the school it is filed under, so a
    # school's figures never carry what another school (a leaver's next one) recorded
    statement_frameworks = statements.join(
        pl.DataFrame(
            list(StepArea.objects.filter(framework_id__in=framework_ids).values_list("pk", "framework_id")),
            schema={"area_id": pl.Int64(), "framework_id": pl.Int64()},
            orient="row",
        ),
        on="area_id",
    ).select("statement_id", "framework_id")
    records = (
        records.join(statement_frameworks, on="statement_id")
        .join(pairs.rename({"school_id": "_filed_at"}), on=["pupil_id", "framework_id"])
        .filter(pl.col("school_id") == pl.col("_filed_at"))
        .drop("framework_id", "_filed_at", "school_id")
    )
    progress = measures.progress_between(statements, records, window.starts, window.ends)
    start = measures.area_positions(statements, records, window.starts).select(
        "pupil_id", "area_id", pl.col("current_step").alias("start_step")
    )
    areas = pl.DataFrame(
        list(StepArea.objects.filter(framework_id__in=framework_ids).values_list("pk", "framework_id")),
        schema={"area_id": pl.Int64(), "framework_id": pl.Int64()},
        orient="row",
    )
    joined = (
        progress.join(areas, on="area_id")
        .join(pairs, on=["pupil_id", "framework_id"], how="inner")
        .join(start, on=["pupil_id", "area_id"], how="left")
    )
    policies = pl.DataFrame(
        [
            (p.school_id, p.framework_id, float(p.below_percent), float(p.above_percent))
            for p in ThresholdPolicy.objects.filter(school__trust=trust)
        ],
        schema={
            "school_id": pl.Int64(),
            "framework_id": pl.Int64(),
            "below": pl.Float64(),
            "above": pl.Float64(),
        },
        orient="row",
    )
    specific = policies.filter(pl.col("framework_id").is_not_null())
    general = policies.filter(pl.col("framework_id").is_null()).drop("framework_id")
    joined = (
        joined.join(specific, on=["school_id", "framework_id"], how="left")
        .join(general, on="school_id", how="left", suffix="_school")
        .with_columns(
            pl.coalesce("below", "below_school", pl.lit(DEFAULT.below)).alias("below"),
            pl.coalesce("above", "above_school", pl.lit(DEFAULT.above)).alias("above"),
        )
        .drop("below_school", "above_school")
    )
    crossed = measures.crossings(joined).select("pupil_id", "area_id", "crossing")
    joined = joined.join(crossed, on=["pupil_id", "area_id"], how="left")
    return joined.join(
        _who(trust, year, window.ends, joined["pupil_id"].unique().to_list()), on="pupil_id", how="left"
    )


def _who(trust: Trust, year: AcademicYear, day: dt.date, pupil_ids: list[int]) -> pl.DataFrame:
    """Each pupil's grouping characteristics on ``day`` and class in ``year``."""
    periods = (
        trust_characteristics_for_analytics(trust.pk, pupil_ids)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day)
        .values_list("pupil_id", "nc_year", "primary_need", "sen_provision", "fsm")
    )
    sexes = dict(trust_pupils_for_analytics(trust.pk, pupil_ids).values_list("pk", "sex"))
    classes: dict[int, str] = {}
    for pupil_id, name in (
        trust_class_memberships_for_analytics(trust.pk, year.pk)
        .filter(pupil_id__in=pupil_ids)
        .order_by("group__name")
        .values_list("pupil_id", "group__name")
    ):
        classes.setdefault(pupil_id, name)
    rows = {p: (p, None, "", "", False) for p in pupil_ids}
    for row in periods:
        rows[row[0]] = row
    return pl.DataFrame(
        [(*rows[p], sexes.get(p, ""), classes.get(p, "No class")) for p in pupil_ids],
        schema={
            "pupil_id": pl.Int64(),
            "nc_year": pl.Int32(),
            "primary_need": pl.String(),
            "sen_provision": pl.String(),
            "fsm": pl.Boolean(),
            "sex": pl.String(),
            "class": pl.String(),
        },
        orient="row",
    )


def similar_for(frame: pl.DataFrame, pupil_id: int, school_id: int) -> list[dict]:
    """One pupil's percentile in each area among the trust's pupils on the same framework, area and
    starting step (and primary need where numbers allow), from the rows filed under ``school_id``
    (the school whose page it is): never from another school's records."""
    if frame.is_empty() or pupil_id not in frame.filter(pl.col("school_id") == school_id)["pupil_id"]:
        return []
    ranked = measures.similar_learners(
        frame.select(
            "pupil_id",
            "school_id",
            "framework_id",
            "area_id",
            "start_step",
            pl.col("primary_need").fill_null(""),
            "progress_percent",
        )
    )
    return ranked.filter((pl.col("pupil_id") == pupil_id) & (pl.col("school_id") == school_id)).to_dicts()


GROUPINGS = {
    "school": "School",
    "area": "Area",
    "class": "Class",
    "nc_year": "NC year",
    "primary_need": "Primary need",
    "sen_provision": "SEN provision",
    "fsm": "Free school meals",
    "sex": "Sex",
}


# codes said in words on the page and in the download
WORDS: dict[str, dict[str, str]] = {
    "sen_provision": {str(k): str(v) for k, v in SenProvision.choices},
    "primary_need": {str(k): f"{v} ({k})" for k, v in SenNeed.choices},
    "sex": {"F": "Female", "M": "Male"},
}


def group_rows(
    frame: pl.DataFrame,
    school_ids: set[int],
    by: str,
    area_names: dict[int, str],
    school_names: dict[int, str] | None = None,
) -> pl.DataFrame:
    """``measures.group_summary`` of the pupil-areas at ``school_ids`` by ``by`` (a key of
    :data:`GROUPINGS`), with the group's name in ``group``."""
    rows = frame.filter(pl.col("school_id").is_in(list(school_ids)))
    if rows.is_empty():
        return pl.DataFrame()
    if by == "school":
        rows = rows.with_columns(
            pl.col("school_id")
            .replace_strict(school_names or {}, default="School", return_dtype=pl.String)
            .alias("group")
        )
    elif by == "area":
        rows = rows.with_columns(
            pl.col("area_id")
            .replace_strict(area_names, default="Area", return_dtype=pl.String)
            .alias("group")
        )
    elif by == "fsm":
        rows = rows.with_columns(
            pl.when(pl.col("fsm")).then(pl.lit("FSM")).otherwise(pl.lit("Not FSM")).alias("group")
        )
    elif by == "nc_year":
        rows = rows.with_columns(pl.format("Year {}", pl.col("nc_year")).fill_null("Unknown").alias("group"))
    else:
        rows = rows.with_columns(
            pl.col(by).cast(pl.String).fill_null("").replace("", "None recorded").alias("group")
        )
    return measures.group_summary(rows, "group")
