"""What the pages that name pupils (the class and pupil dashboards) share: each pupil's progress
over the last year with its similar-learner percentile (none among too few similar learners), the
trust's subjects by code, and the names of the common scale's points."""

from __future__ import annotations

import math
from collections.abc import Iterable

import polars as pl
from django.db.models import Q

from strides.analytics import percentiles, progress
from strides.dashboards.suppressing import hide_percentiles_among_few
from strides.frameworks.models import ScalePoint, Subject
from strides.small_groups import small_group_threshold


def rounded_percentile(value: float) -> int:
    """A percentile as a whole number, halves rounded up (87.5 -> 88), as people round."""
    return math.floor(value + 0.5)


def pupil_percentiles(obs: pl.DataFrame, benchmark: pl.DataFrame) -> pl.DataFrame:
    """Each pupil's progress over the last year (from the same term a year before their latest
    judgement, as the similar-learner pool is made) with its similar-learner percentile against
    ``benchmark`` (``AnalyticsView.benchmark``).

    A percentile among fewer similar learners than the small-group threshold is not given (null,
    ``compared_with`` kept for the page to say "fewer than ..."): the pool is the whole trust's,
    so among 2 or 3 pupils it would tell the reader how those others, perhaps at another school,
    progressed; and it would say little about the pupil."""
    rows = percentiles(progress(obs, since="year"), benchmark)
    return hide_percentiles_among_few(rows, small_group_threshold(), keep_cell_size=True)


def subject_names(trust_id: int | None, codes: Iterable[str]) -> list[Subject]:
    """The trust's subjects (shipped, its own and its schools') with these codes, in their usual
    order: a code is unique within a trust, not across trusts. One query."""
    mine = Subject.objects.filter(Q(trust__isnull=True) | Q(trust_id=trust_id))
    return list(mine.filter(code__in=set(codes)).order_by("order", "name"))


def point_labels(trust_id: int | None) -> dict[int, tuple[str, str]]:
    """Common point value -> (code, label), e.g. ("NS12", "Year 3 at the expected standard"), for
    the trust's scale. One query."""
    if trust_id is None:
        return {}
    return {
        value: (code, label)
        for value, code, label in ScalePoint.objects.filter(scale__trust_id=trust_id).values_list(
            "value", "code", "label"
        )
    }
