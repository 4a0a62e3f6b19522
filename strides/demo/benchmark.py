"""The demo's similar-learner benchmark: an invented table, clearly labelled as such, so the demo's
value added compares each school with pupils elsewhere rather than with itself.

The demo trust has one school per phase, so with the trust's own pool every school would be
compared with itself (value added withheld, see ``strides.analytics.own_pool``). This table is
**invented**: no national or real pupil figure is in it. It is made by plain arithmetic (no
random draws), in the CSV format ``strides import-benchmark`` takes, and shipped beside this
module as ``invented-benchmark.csv``; the demo loads it through the same service as an upload
(:func:`strides.dashboards.services.import_benchmark`).

Regenerate the shipped file after changing the numbers here (a test checks they agree)::

    .venv/bin/python -m strides.demo.benchmark
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

NAME = "Invented demo benchmark, not national data"
SOURCE = "Strides demo: invented figures made by strides/demo/benchmark.py; no real pupil's data"
FILENAME = "invented-benchmark.csv"
PATH = Path(__file__).with_name(FILENAME)

CORE = ("reading", "writing", "maths", "science")
SECONDARY_ONLY = (
    "english-language", "english-literature", "combined-science", "biology", "chemistry", "physics",
    "history", "geography", "french", "spanish", "german", "computing", "art-and-design",
    "design-and-technology", "music", "drama", "physical-education", "religious-education",
    "citizenship", "business",
)  # fmt: skip
# start points each phase's pupils start from on the common scale (1 engagement .. 38 beyond Y11)
START_POINTS = {"primary": range(1, 23), "secondary": range(1, 38)}
# (primary need, pupils per start point, mean points gained in a year); "" is no identified need.
# An invented cohort of 500 per start point: a year's expected rise on the scale is 3 points.
NEEDS = (("", 420, 3.0), ("SLCN", 30, 2.4), ("ASD", 30, 2.2), ("SEMH", 20, 1.9))
GAINS = range(-2, 9)
SPREAD = 1.25  # standard deviation of points gained


def _weights(mean: float) -> list[float]:
    """A normal curve over whole gains (its mass between g - 1/2 and g + 1/2), normalised."""

    def below(x: float) -> float:
        return 0.5 * (1 + math.erf((x - mean) / (SPREAD * math.sqrt(2))))

    mass = [below(g + 0.5) - below(g - 0.5) for g in GAINS]
    total = sum(mass)
    return [m / total for m in mass]


def _counts(pupils: int, mean: float) -> list[int]:
    """``pupils`` shared out over the gains by largest remainder, so they add up exactly."""
    shares = [pupils * w for w in _weights(mean)]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[: pupils - sum(counts)]:
        counts[index] += 1
    return counts


def _mean(subject_index: int, phase: str, start: int, base: float) -> float:
    # invented variety: subjects a tenth of a point apart, secondary a little slower, pupils
    # starting very low (pre-key stage) a little slower too
    mean = base + 0.1 * (subject_index % 3 - 1) - (0.2 if phase == "secondary" else 0.0)
    return mean - (0.5 if start <= 4 else 0.0)


def rows() -> list[tuple[Any, ...]]:
    """subject, phase, start_point, primary_need, gained, pupils: every row of the table, the
    any-need rows (``*``) the sum of the need rows of their cell."""
    out: list[tuple[Any, ...]] = []
    subjects = [(s, ("primary", "secondary")) for s in CORE] + [(s, ("secondary",)) for s in SECONDARY_ONLY]
    for index, (subject, phases) in enumerate(subjects):
        for phase in phases:
            for start in START_POINTS[phase]:
                any_need = [0] * len(GAINS)
                for need, pupils, base in NEEDS:
                    counts = _counts(pupils, _mean(index, phase, start, base))
                    for position, (gained, count) in enumerate(zip(GAINS, counts, strict=True)):
                        any_need[position] += count
                        if count:
                            out.append((subject, phase, start, need, gained, count))
                for gained, count in zip(GAINS, any_need, strict=True):
                    if count:
                        out.append((subject, phase, start, "*", gained, count))
    return out


def csv_text() -> str:
    """The table as ``strides import-benchmark`` reads it."""
    lines = ["subject,phase,start_point,primary_need,gained,pupils"]
    lines += [",".join(str(value) for value in row) for row in rows()]
    return "\n".join(lines) + "\n"


def load(trust: Any) -> Any:
    """Put the shipped invented benchmark in use for the demo trust, through the benchmark service
    (checked and audited as an upload; ``None`` is the command line's operator)."""
    from strides.dashboards.services import import_benchmark

    return import_benchmark(None, trust, filename=FILENAME, data=PATH.read_bytes(), name=NAME, source=SOURCE)


if __name__ == "__main__":
    PATH.write_text(csv_text(), encoding="utf-8")
    print(f"wrote {PATH} ({len(rows()):,} rows)")
