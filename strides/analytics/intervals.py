"""95% confidence intervals that stay honest for small groups and extreme values.

- A **proportion** (x of n): the Wilson score interval. Unlike p +/- 1.96 sqrt(p(1 - p)/n) it never
  leaves 0..1 and has width even when p is 0 or 1.
- A **difference of proportions**: Newcombe's hybrid score interval (his method 10), built from
  the two Wilson intervals. It stays within -1..+1 and has width when either side is 0% or 100%.
- A **mean** (value added, a mean percentile): mean +/- t x sd / sqrt(n), t from Student's t
  distribution with n - 1 degrees of freedom, so a group of 2 gets a wide interval, not a normal one.
- A **difference of means**: Welch's interval, difference +/- t x sqrt(s1²/n1 + s2²/n2), t with
  the Welch-Satterthwaite degrees of freedom (rounded down, which widens it a little).

Intervals are clipped to what the figure can be (value added within -50..+50, a gap in mean
percentile within -100..+100). Where no honest interval exists there is none, and a reason says
why: fewer than 2 pupils, or (for means) every pupil with the same value, whose spread of zero
says nothing about the spread of pupils like them.

Expressions over columns, so the same formulas serve eager and lazy frames; ``bench/analytics.py``
writes them again in SQL."""

from __future__ import annotations

import math

import polars as pl

Z95 = 1.959963984540054  # the normal distribution's 97.5th percentile: a two-sided 95% interval

# Student's t distribution's 97.5th percentile (two-sided 95%) for 1..30 degrees of freedom;
# beyond 30, Z95 (1.96): the difference is under 4% there and shrinking.
T95: dict[int, float] = {
    1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 6: 2.4469, 7: 2.3646, 8: 2.3060,
    9: 2.2622, 10: 2.2281, 11: 2.2010, 12: 2.1788, 13: 2.1604, 14: 2.1448, 15: 2.1314, 16: 2.1199,
    17: 2.1098, 18: 2.1009, 19: 2.0930, 20: 2.0860, 21: 2.0796, 22: 2.0739, 23: 2.0687, 24: 2.0639,
    25: 2.0595, 26: 2.0555, 27: 2.0518, 28: 2.0484, 29: 2.0452, 30: 2.0423,
}  # fmt: skip

# Degrees of freedom are rounded down; this much is forgiven first, so 3.9999999999 (rounding in
# the arithmetic of an exact 4) counts as 4.
DF_SLACK = 1e-9
# A sample variance this small next to the mean's square is zero: the pupils have the same value
# (the arithmetic of sums of squares leaves a trace of rounding where it should be exactly 0).
ZERO_SPREAD = 1e-9

FEWER_THAN_TWO = "fewer than 2 pupils"
FEWER_THAN_TWO_ON_A_SIDE = "fewer than 2 pupils in the group or in the rest"
NO_OTHERS = "no other pupils to compare with"
NO_SPREAD = "every pupil has the same value, so the spread of pupils like them cannot be estimated"
NO_SPREAD_ON_A_SIDE = (
    "every pupil of the group (or of the rest) has the same value, so the spread cannot be estimated"
)
REASONS = (FEWER_THAN_TWO, FEWER_THAN_TWO_ON_A_SIDE, NO_OTHERS, NO_SPREAD, NO_SPREAD_ON_A_SIDE)


def t95(df: float) -> float:
    """The t critical value for ``df`` degrees of freedom (rounded down; at least 1)."""
    whole = math.floor(df + DF_SLACK)
    if whole < 1:
        raise ValueError(f"t95: degrees of freedom must be at least 1, not {df!r}")
    return T95.get(whole, Z95)


def t95_expr(df: pl.Expr) -> pl.Expr:
    """:func:`t95` over a column: null where ``df`` is null, not a number (Welch's 0 / 0 when
    neither side has any spread) or under 1; 1.96 for infinitely many."""
    whole = (df + DF_SLACK).floor()
    valid = whole.is_not_nan() & (whole >= 1)
    capped = pl.when(valid).then(whole.clip(upper_bound=31)).otherwise(None).cast(pl.Int64)
    return capped.replace_strict({**T95, 31: Z95}, return_dtype=pl.Float64)


def zero_spread(variance: pl.Expr, mean: pl.Expr) -> pl.Expr:
    """Whether a sample variance is zero (within rounding) for values around ``mean``."""
    return variance <= ZERO_SPREAD * (1.0 + mean * mean)


def wilson(successes: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson score interval of the proportion ``successes`` / ``n`` (in 0..1), as (low, high):
    (p + z²/2n +/- z sqrt(p(1 - p)/n + z²/4n²)) / (1 + z²/n). Null where n is 0."""
    count = n.cast(pl.Float64)
    p = successes.cast(pl.Float64) / count
    z2 = Z95 * Z95
    denominator = 1.0 + z2 / count
    centre = (p + z2 / (2.0 * count)) / denominator
    half = Z95 * (p * (1.0 - p) / count + z2 / (4.0 * count * count)).sqrt() / denominator
    valid = count > 0
    return (
        pl.when(valid).then((centre - half).clip(0.0, 1.0)).otherwise(None),
        pl.when(valid).then((centre + half).clip(0.0, 1.0)).otherwise(None),
    )


def newcombe(
    successes_1: pl.Expr, n_1: pl.Expr, successes_2: pl.Expr, n_2: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """Newcombe's hybrid score interval of p1 - p2 (in -1..+1), as (low, high):
    d - sqrt((p1 - l1)² + (u2 - p2)²) to d + sqrt((u1 - p1)² + (p2 - l2)²), with (l, u) each side's
    Wilson interval."""
    p1 = successes_1.cast(pl.Float64) / n_1.cast(pl.Float64)
    p2 = successes_2.cast(pl.Float64) / n_2.cast(pl.Float64)
    low_1, high_1 = wilson(successes_1, n_1)
    low_2, high_2 = wilson(successes_2, n_2)
    difference = p1 - p2
    low = difference - ((p1 - low_1) ** 2 + (high_2 - p2) ** 2).sqrt()
    high = difference + ((high_1 - p1) ** 2 + (p2 - low_2) ** 2).sqrt()
    return low.clip(-1.0, 1.0), high.clip(-1.0, 1.0)


def welch_df(variance_of_mean_1: pl.Expr, n_1: pl.Expr, variance_of_mean_2: pl.Expr, n_2: pl.Expr) -> pl.Expr:
    """Welch-Satterthwaite degrees of freedom from each side's s²/n and n:
    (v1 + v2)² / (v1²/(n1 - 1) + v2²/(n2 - 1))."""
    v1, v2 = variance_of_mean_1, variance_of_mean_2
    return (v1 + v2) ** 2 / (v1 * v1 / (n_1.cast(pl.Float64) - 1.0) + v2 * v2 / (n_2.cast(pl.Float64) - 1.0))
