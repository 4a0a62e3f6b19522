"""Pupil endpoints: each pupil's progress, and the pupils needing attention; only the pupils the
caller sees by name (none for governors and directors)."""

from __future__ import annotations

import polars as pl
from rest_framework.request import Request

from strides.analytics import needing_attention
from strides.dashboards.api.endpoint import PUPILS, AnalyticsApiView, Query, choice, documented
from strides.dashboards.api.serializers import (
    SINCE,
    SINCE_PARAMETER,
    AttentionRowSerializer,
    ProgressRowSerializer,
    page_serializer,
)


@documented("Progress per pupil, with similar-learner percentiles", SINCE_PARAMETER)
class ProgressView(AnalyticsApiView):
    """Each pupil's progress to the drop, with the similar-learner percentile for progress over a
    year. Only pupils you see by name."""

    access = PUPILS
    pupil_rows = True
    uses_percentiles = True
    serializer_class = page_serializer("ProgressPage", ProgressRowSerializer)

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        since = choice(request, "since", SINCE, "year")
        rows = query.percentile_rows(since, named=True)
        return rows.select(
            "pupil_id", "school_id", "subject", "start_drop_id", "start_point", "end_drop_id", "end_point",
            "gained", "expected_rise", "phase", "percentile", "compared_with", "matched_on",
        ).sort(["school_id", "pupil_id", "subject"])  # fmt: skip


@documented("Pupils needing attention")
class AttentionView(AnalyticsApiView):
    """Pupils needing attention at the drop: not making expected progress over the year, fallen
    back since their previous judgement, or in the bottom decile among similar learners. Only
    pupils you see by name."""

    access = PUPILS
    pupil_rows = True
    uses_percentiles = True
    serializer_class = page_serializer("AttentionPage", AttentionRowSerializer)

    def rows(self, query: Query, request: Request) -> pl.DataFrame:
        # judged at the drop: the pupils judged in it, with what came before
        judged = query.current.select("pupil_id", "subject").unique()
        history = query.history.join(judged, on=["pupil_id", "subject"], how="semi")
        flagged = needing_attention(history, query.percentile_rows(named=True))
        return flagged.select("pupil_id", "school_id", "subject", "reasons").sort(
            ["school_id", "pupil_id", "subject"]
        )
