"""The generator's shared state and the ways it draws from its one random source."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import TypeVar

from strides.demo.plan import (
    DEMO_USERNAMES,
    SCALES,
    ClassPlan,
    PlacementPlan,
    PupilPlan,
    SchoolPlan,
    StaffPlan,
)
from strides.organisations.services import default_half_terms

T = TypeVar("T")


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]


def monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


class Draws:
    """Everything the generator has drawn so far, and the random source it draws from. Each
    part of the generator (schools, pupils, rolls) builds on this; the order of the draws is
    what makes a seed give the same trust every time."""

    def __init__(self, seed: int, scale: str, start_year: int) -> None:
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
        self.rng = random.Random(seed)
        self.seed, self.scale_name, self.spec = seed, scale, SCALES[scale]
        self.year = start_year
        self.this_start = dt.date(start_year, 9, 1)
        self.last_start = dt.date(start_year - 1, 9, 1)
        last_terms = default_half_terms(start_year - 1)
        # the first day of each half-term after the first, last year: when mid-year joiners came
        self.last_year_half_terms = [start for _, start, _ in last_terms[1:]]
        self.fsm_mid_year = monday_on_or_after(dt.date(start_year, 1, 5))
        self.schools: list[SchoolPlan] = []
        self.pupils: list[PupilPlan] = []
        self.placements: list[PlacementPlan] = []
        self.staff: list[StaffPlan] = []
        self.classes: list[ClassPlan] = []
        self.officers: list[tuple[str, str, str]] = []
        self.parent_links: list[tuple[str, str, str]] = []
        self.usernames: set[str] = set(DEMO_USERNAMES)
        self.used_urns: set[str] = set()
        self.used_laestabs: set[tuple[int, int]] = set()
        self.used_stems: set[str] = set()
        self.upn_serials: dict[tuple[int, int, int], int] = {}
        self.temporary_serials: dict[tuple[int, int, int], int] = {}
        self.feeders: dict[int, list[int]] = {}
