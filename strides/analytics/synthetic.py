"""Invented observations for benchmarks and property tests: a trust of primary, secondary and
special schools with a realistic mix of characteristics, judged in every term of a few years.

Nothing here is real data or drawn from it. The same arguments give the same frame (for one Polars
version: random draws are hashes of ids and the seed)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import polars as pl

from strides.analytics.schema import OBSERVATION_SCHEMA, TERMS

SUBJECTS = ("reading", "writing", "maths")
_DROP_DAYS = {"autumn": (12, 1), "spring": (3, 20), "summer": (7, 1)}

# Shares of pupils, from national statistics of the kind a trust sees (rounded).
ETHNIC_GROUPS = (
    ("White", 0.72), ("Asian", 0.11), ("Mixed", 0.065), ("Black", 0.055),
    ("Any other", 0.02), ("Chinese", 0.005), ("Unclassified", 0.025),
)  # fmt: skip
NEEDS = (
    ("SLCN", 0.24), ("SEMH", 0.20), ("MLD", 0.15), ("ASD", 0.14), ("SPLD", 0.12), ("OTH", 0.04),
    ("NSA", 0.03), ("SLD", 0.03), ("PD", 0.02), ("HI", 0.015), ("VI", 0.01), ("PMLD", 0.005),
    ("MSI", 0.005),
)  # fmt: skip
SPECIAL_NEEDS = (("ASD", 0.35), ("SLD", 0.25), ("MLD", 0.15), ("SEMH", 0.15), ("PMLD", 0.10))


@dataclass(frozen=True)
class SchoolShape:
    school_id: int
    kind: str  # primary / secondary / special
    lowest: int  # NC years taught
    highest: int
    cohort: int  # pupils per year group
    deprivation: float  # scales the chance of disadvantage


def trust_schools(pupils: int, *, seed: int = 1) -> list[SchoolShape]:
    """Schools for about ``pupils`` pupils in a year: 56% in primaries (R-Year 6, one to three
    forms of entry), 42% in secondaries (Years 7-11), 2% in special schools (Years 1-11)."""
    draw = random.Random(seed)
    schools: list[SchoolShape] = []
    counts = {"primary": 0, "secondary": 0, "special": 0}
    targets = {"primary": pupils * 0.56, "secondary": pupils * 0.42, "special": pupils * 0.02}
    for kind in ("primary", "secondary", "special"):
        while counts[kind] < targets[kind] or (kind != "special" and counts[kind] == 0):
            if kind == "primary":
                lowest, highest, cohort = 0, 6, 30 * draw.choices((1, 2, 3), (0.5, 0.45, 0.05))[0]
            elif kind == "secondary":
                lowest, highest, cohort = 7, 11, draw.randint(120, 200)
            else:
                lowest, highest, cohort = 1, 11, draw.randint(8, 14)
            cohort = max(1, min(cohort, round(targets[kind] / (highest - lowest + 1)) or 1))
            schools.append(
                SchoolShape(len(schools) + 1, kind, lowest, highest, cohort, round(draw.uniform(0.5, 1.6), 2))
            )
            counts[kind] += cohort * (highest - lowest + 1)
    return schools


def _uniform(seed: int, *parts: pl.Expr) -> pl.Expr:
    """A draw in [0, 1) fixed by the seed and the parts (ids)."""
    key = pl.struct(*parts) if len(parts) > 1 else parts[0]
    return (key.hash(seed) % 1_000_003).cast(pl.Float64) / 1_000_003


def _normal(seed: int, *parts: pl.Expr) -> pl.Expr:
    """About N(0, 1): four uniforms summed (Irwin-Hall), centred and scaled."""
    total = sum((_uniform(seed * 31 + k, *parts) for k in range(4)), pl.lit(0.0))
    return (total - 2.0) * 3**0.5


def _pick(u: pl.Expr, shares: tuple[tuple[str, float], ...]) -> pl.Expr:
    total = sum(share for _, share in shares)
    expr, cumulative = None, 0.0
    for name, share in shares[:-1]:
        cumulative += share / total
        expr = (pl.when(u < cumulative) if expr is None else expr.when(u < cumulative)).then(pl.lit(name))
    return expr.otherwise(pl.lit(shares[-1][0])) if expr is not None else pl.lit(shares[0][0])


def drops(first_year: int, years: int) -> pl.DataFrame:
    """A trust-wide drop every term: drop_id, academic_year, term, drop_date."""
    rows = []
    for offset in range(years):
        year = first_year + offset
        for term in TERMS:
            month, day = _DROP_DAYS[term]
            date = dt.date(year if term == "autumn" else year + 1, month, day)
            rows.append((len(rows) + 1, year, term, date))
    return pl.DataFrame(
        rows,
        schema={"drop_id": pl.Int64, "academic_year": pl.Int32, "term": pl.String, "drop_date": pl.Date},
        orient="row",
    )


def synthetic_pupils(pupils: int, *, years: int = 3, seed: int = 1) -> pl.DataFrame:
    """pupil_id, school_id, kind, lowest, highest, deprivation, final_nc_year: every pupil on roll
    at some point in the ``years`` years (leavers of earlier years included)."""
    ids, schools, finals = [], [], []
    shapes = trust_schools(pupils, seed=seed)
    next_id = 1
    for shape in shapes:
        for final in range(shape.lowest, shape.highest + years):
            for _ in range(shape.cohort):
                ids.append(next_id)
                schools.append(shape.school_id)
                finals.append(final)
                next_id += 1
    frame = pl.DataFrame(
        {"pupil_id": ids, "school_id": schools, "final_nc_year": finals},
        schema={"pupil_id": pl.Int64, "school_id": pl.Int64, "final_nc_year": pl.Int8},
    )
    info = pl.DataFrame(
        [(s.school_id, s.kind, s.lowest, s.highest, s.deprivation) for s in shapes],
        schema={"school_id": pl.Int64, "kind": pl.String, "lowest": pl.Int8, "highest": pl.Int8,
                "deprivation": pl.Float64},
        orient="row",
    )  # fmt: skip
    return frame.join(info, on="school_id", how="left", maintain_order="left")


def synthetic_observations(
    pupils: int = 40_000,
    *,
    years: int = 3,
    first_year: int = 2023,
    subjects: tuple[str, ...] = SUBJECTS,
    seed: int = 1,
) -> pl.DataFrame:
    """Observations (:data:`OBSERVATION_SCHEMA`) of about ``pupils`` pupils a year, judged in every
    term of ``years`` academic years from ``first_year`` in each of ``subjects``: about
    pupils x 3 x years x len(subjects) rows."""
    pid = pl.col("pupil_id")
    people = synthetic_pupils(pupils, years=years, seed=seed)
    special = pl.col("kind") == "special"
    ability = _normal(seed + 1, pid)
    sen_draw = _uniform(seed + 2, pid)
    people = people.with_columns(
        pl.when(_uniform(seed + 3, pid) < 0.5).then(pl.lit("F")).otherwise(pl.lit("M")).alias("sex"),
        ability.alias("_ability"),
        _normal(seed + 4, pid).alias("_pace"),
        pl.when(special & (sen_draw < 0.9))
        .then(pl.lit("E"))
        .when(special | (sen_draw < 0.13 + 0.10 * (ability < -0.5).cast(pl.Float64)))
        .then(pl.lit("K"))
        .when(sen_draw < 0.16 + 0.08 * (ability < -1).cast(pl.Float64))
        .then(pl.lit("E"))
        .otherwise(pl.lit("N"))
        .alias("sen"),
        _uniform(seed + 5, pid).alias("_need"),
        (_uniform(seed + 6, pid) < 0.2).alias("eal"),
        (_uniform(seed + 7, pid) < 0.01).alias("looked_after"),
        _uniform(seed + 8, pid).alias("_disadvantage"),
        _pick(_uniform(seed + 9, pid), ETHNIC_GROUPS).alias("ethnic_group"),
    ).with_columns(
        pl.when(pl.col("sen") == "N")
        .then(pl.lit(""))
        .when(special)
        .then(_pick(pl.col("_need"), SPECIAL_NEEDS))
        .otherwise(_pick(pl.col("_need"), NEEDS))
        .alias("primary_need"),
    )
    last_year = first_year + years - 1
    subject_frame = pl.DataFrame({"subject": list(subjects), "_subject": list(range(len(subjects)))})
    frame = (
        people.join(drops(first_year, years), how="cross")
        .with_columns(
            (pl.col("final_nc_year").cast(pl.Int32) - (last_year - pl.col("academic_year"))).alias("_nc"),
            pl.col("term")
            .replace_strict({t: i for i, t in enumerate(TERMS)}, return_dtype=pl.Int32)
            .alias("_t"),
        )
        .filter(pl.col("_nc").is_between(pl.col("lowest"), pl.col("highest")))
        .join(subject_frame, how="cross")
    )
    nc, term_index = pl.col("_nc"), pl.col("_t")
    years_in = (nc - pl.col("lowest")).cast(pl.Float64) + term_index / 3
    # ever-6 disadvantage only grows: a pupil becomes disadvantaged with the years, never back
    rate = 0.2 * pl.col("deprivation")
    disadvantaged = (pl.col("_disadvantage") < rate + 0.02 * (pl.col("academic_year") - first_year)) | pl.col(
        "looked_after"
    )
    sen_drag = pl.when(pl.col("sen") == "E").then(-7.0).when(pl.col("sen") == "K").then(-1.5).otherwise(0.0)
    sen_pace = pl.when(pl.col("sen") == "E").then(-1.6).when(pl.col("sen") == "K").then(-0.5).otherwise(0.0)
    noise = _normal(seed + 10, pid, pl.col("drop_id"), pl.col("_subject"))
    position = (
        3 * nc.cast(pl.Float64)
        + 2
        + 0.5 * term_index
        + 1.3 * pl.col("_ability")
        + sen_drag
        + (0.35 * pl.col("_pace") + sen_pace - 0.25 * disadvantaged.cast(pl.Float64)) * years_in
        + 0.3 * (pl.col("_subject") - 1)
        + 0.55 * noise
    )
    point = position.round(0).clip(1, 38).cast(pl.Int32)
    expected = (
        pl.when(nc.is_between(1, 11))
        .then(3 * nc + 2 + (term_index == 2).cast(pl.Int32))
        .otherwise(None)
        .cast(pl.Int32)
    )
    year_of_point = (pl.col("point") - 5) // 3 + 1
    band = (
        pl.col("point").sub(5).mod(3).replace_strict({0: "WTS", 1: "EXS", 2: "GDS"}, return_dtype=pl.String)
    )
    frame = frame.with_columns(
        point.alias("point"),
        expected.alias("expected"),
        disadvantaged.alias("disadvantaged"),
        nc.cast(pl.Int8).alias("nc_year"),
    ).with_columns(
        pl.when(pl.col("point") == 1)
        .then(pl.lit("EM"))
        .when(pl.col("point") <= 4)
        .then(pl.format("PK{}", pl.col("point") - 1))
        .when(pl.col("point") == 38)
        .then(pl.lit("9"))
        .otherwise(pl.format("Y{} {}", year_of_point, band))
        .alias("level"),
        pl.when(pl.col("point") == 1)
        .then(pl.lit("engagement"))
        .when(pl.col("point") <= 4)
        .then(pl.lit("pre-key-stage"))
        .when(pl.col("point") == 38)
        .then(pl.lit("gcse"))
        .otherwise(pl.lit("nc-bands"))
        .alias("framework"),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in OBSERVATION_SCHEMA.items()]).sort(
        ["drop_id", "school_id", "pupil_id", "subject"]
    )


def synthetic_progress_lazy(pupils: int, *, subject: str = "maths", seed: int = 1) -> pl.LazyFrame:
    """One-year progress rows of ``pupils`` invented pupils (one subject), as a LazyFrame that
    :func:`strides.analytics.similar.percentiles_lazy` reads: pupil_id, subject, phase,
    start_point, primary_need, gained. Made row by row from the pupil id, so it streams."""
    pid = pl.col("pupil_id")
    nc = (pid.hash(seed) % 12).cast(pl.Int32)  # Reception to Year 11
    sen_draw = _uniform(seed + 2, pid)
    sen = (
        pl.when(sen_draw < 0.04)
        .then(pl.lit("E"))
        .when(sen_draw < 0.17)
        .then(pl.lit("K"))
        .otherwise(pl.lit("N"))
    )
    drag = pl.when(sen == "E").then(-7.0).when(sen == "K").then(-1.5).otherwise(0.0)
    pace = pl.when(sen == "E").then(-1.6).when(sen == "K").then(-0.5).otherwise(0.0)
    start = (3 * nc.cast(pl.Float64) + 2 + 1.3 * _normal(seed + 1, pid) + drag).round(0).clip(1, 38)
    gained = (3 + pace + 0.9 * _normal(seed + 4, pid)).round(0)
    return (
        pl.LazyFrame()
        .select(pl.int_range(0, pupils, dtype=pl.Int64).alias("pupil_id"))
        .select(
            "pupil_id",
            pl.lit(subject).alias("subject"),
            pl.when(nc <= 6).then(pl.lit("primary")).otherwise(pl.lit("secondary")).alias("phase"),
            start.cast(pl.Int32).alias("start_point"),
            pl.when(sen == "N")
            .then(pl.lit(""))
            .otherwise(_pick(_uniform(seed + 5, pid), NEEDS))
            .alias("primary_need"),
            gained.cast(pl.Int32).alias("gained"),
        )
    )
