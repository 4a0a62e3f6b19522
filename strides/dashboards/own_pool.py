"""Value added that means something: what the trust and school pages, their exports and the
analytics API say when a group is compared mostly with itself (``strides.analytics.own_pool``),
and which benchmark every value added is compared with.

A school alone in its phase fills the trust's own pool in every cell its pupils are ranked in, so
its value added is always about +0.0. Above ``OWN_SHARE_LIMIT`` (50%) of its comparisons being
with its own pupils, the figure is withheld and the page says why in plain words, with the fixes:
import an external benchmark (trust admins and analysts get a link to the benchmark page), or
widen the pool. See docs/dashboards.md and docs/analytics.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from strides.analytics import OWN_SHARE_LIMIT, own_share, withhold_self_compared
from strides.dashboards.tables import PERCENT, Column

FIXES = (
    "To compare with pupils elsewhere, import an external benchmark (a national table, or another "
    "trust's pool, which its benchmark page downloads in the same format), or widen the pool: "
    "the trust's own pool means something once each phase has several schools."
)


def why(name: str, share: float) -> str:
    """'North is 83% of its own comparison pool: value added would compare it mostly with itself.'"""
    return (
        f"{name} is {share:.0f}% of its own comparison pool: value added would compare it mostly with itself."
    )


def why_in_school(school: str, share: float) -> str:
    """A year group's figure withheld on the school page: its pool is mostly the school's pupils."""
    return (
        f"{share:.0f}% of the comparison pool is {school}'s own pupils: it would be compared mostly "
        "with itself."
    )


def school_summary(school: str, reasons: list[str], rows: Sequence[dict[str, Any]]) -> list[str]:
    """One sentence for the school page above its table (a row per year group and subject):
    'Coppergate is 100% of its own comparison pool in 12 of 12 year groups and subjects: ...'."""
    if not reasons:
        return []
    shares = [row["own_share"] for row in rows if row.get("why")]
    low, high = min(shares), max(shares)
    span = f"{high:.0f}%" if f"{low:.0f}" == f"{high:.0f}" else f"{low:.0f}% to {high:.0f}%"
    return [
        f"{school} is {span} of its own comparison pool in {len(shares)} of {len(rows)} year groups and "
        "subjects: value added would compare it mostly with itself."
    ]


def own_pool_columns() -> list[Column]:
    """The columns a value-added table adds: the share, and why no figure where it is withheld."""
    return [
        Column("own_share", "Own pupils in the comparison pool (%)", PERCENT),
        Column("why", "Why no value added"),
    ]


@dataclass
class SimilarNote:
    """What a value-added section says above its chart: the benchmark compared with, and each
    figure withheld with why (``reasons``), then what would fix it."""

    source: str
    reasons: list[str] = field(default_factory=list)
    limit: float = OWN_SHARE_LIMIT

    @property
    def fixes(self) -> str:
        return FIXES if self.reasons else ""


def note_for(view: Any, reasons: Sequence[str]) -> SimilarNote:
    """The page's note (one query: which benchmark is in use)."""
    source = view.pool_source()
    if source is None:
        return SimilarNote("", list(reasons))
    return SimilarNote(source.description, list(reasons))


def explain(rows: list[dict[str, Any]], sentence: Any) -> list[str]:
    """Sets ``why`` on each row whose value added is withheld (``sentence(row)`` writes it) and
    returns those sentences, in the rows' order. Suppressed rows say nothing (their ``withheld``
    is hidden with their figures)."""
    reasons = []
    for row in rows:
        row["why"] = ""
        if row.get("withheld") and not row.get("suppressed") and row.get("own_share") is not None:
            row["why"] = sentence(row)
            reasons.append(row["why"])
    return reasons


# --- the analytics API -------------------------------------------------------------------------

API_REASON = (
    "{}% of its own comparison pool: value added would compare it mostly with itself. Import an "
    "external benchmark (/api/v1/analytics/benchmark/) or widen the pool."
)


def api_value_added(
    view: Any, pct_rows: pl.DataFrame, table: pl.DataFrame, *, by: Sequence[str], end_year: int | None
) -> pl.DataFrame:
    """The API's value-added table with ``own_share`` and ``withheld`` (why, in words, or null),
    the figures withheld where the group is mostly its own comparison pool, as on the pages."""
    columns = list(by)
    shares = own_share(pct_rows, view.similar(end_year=end_year)[1], by=columns, owner=["school_id"])
    withheld = withhold_self_compared(table, shares, by=columns)
    words = pl.format(API_REASON, pl.col("own_share").round(0).cast(pl.Int64))
    return withheld.with_columns(
        pl.when(pl.col("withheld").is_not_null()).then(words).otherwise(None).alias("withheld")
    ).drop("pool_n", "own_n")


# --- a group with no value added at all ---------------------------------------------------------

NO_YEAR_BEFORE = (
    "No pupil judged in this drop has a judgement from the same term a year before, so there is no "
    "year's progress to measure yet."
)
NO_SIMILAR_LEARNERS = (
    "No similar learners to compare with: nobody in the comparison pool started where these pupils did."
)


def without_value_added(
    attained: Sequence[dict[str, Any]],
    value_added: Sequence[dict[str, Any]],
    pct_rows: pl.DataFrame,
    *,
    key: str,
) -> list[dict[str, Any]]:
    """A row for each group (``key`` and subject) that has attainment in the drop but no value
    added, its figures empty and ``why`` saying why: none of its pupils has a judgement a year
    before, or none of those has similar learners in the pool (``pct_rows``: the drop's progress
    rows with their percentiles). Without it such a school just vanished from the table."""
    shown = {(row[key], row["subject_code"]) for row in value_added}
    measured: dict[tuple[Any, str], int] = {}
    for group, subject in pct_rows.select(key, "subject").iter_rows():
        measured[(group, subject)] = measured.get((group, subject), 0) + 1
    rows = []
    for row in attained:
        at = (row[key], row["subject_code"])
        if at in shown:
            continue
        shown.add(at)
        rows.append(
            {
                **{
                    name: row[name]
                    for name in (key, "school", "url", "subject", "subject_code")
                    if name in row
                },
                "n": None,
                "mean_percentile": None,
                "value_added": None,
                "ci_low": None,
                "ci_high": None,
                "own_share": None,
                "why": NO_SIMILAR_LEARNERS if measured.get(at) else NO_YEAR_BEFORE,
            }
        )
    return rows
