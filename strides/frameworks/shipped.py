"""The frameworks Strides ships, the default common scale ("Next Steps") and its default crosswalk.

Plain data, so a data migration and the services build the same thing. Every mapping is a best-fit
default (docs/frameworks.md explains each); a trust changes it by publishing a new crosswalk
version, never by editing this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (code, name, order, phase). The first four are the subjects Strides first shipped: judgements
# refer to them, so their codes never change. Reading, writing, maths and science are for every
# phase (special schools and AP record them for pupils of any age; a trust may give one a phase of
# its own); the rest are the secondary curriculum of key stages 3 and 4. A trust adds its own
# subjects (a primary's foundation subjects, say) under codes of its own (docs/frameworks.md).
SUBJECTS = [
    ("reading", "Reading", 1, "all"),
    ("writing", "Writing", 2, "all"),
    ("maths", "Maths", 3, "all"),
    ("science", "Science", 4, "all"),
    ("english-language", "English language", 10, "secondary"),
    ("english-literature", "English literature", 11, "secondary"),
    ("combined-science", "Combined science", 12, "secondary"),
    ("biology", "Biology", 13, "secondary"),
    ("chemistry", "Chemistry", 14, "secondary"),
    ("physics", "Physics", 15, "secondary"),
    ("history", "History", 20, "secondary"),
    ("geography", "Geography", 21, "secondary"),
    ("french", "French", 22, "secondary"),
    ("spanish", "Spanish", 23, "secondary"),
    ("german", "German", 24, "secondary"),
    ("computing", "Computing", 25, "secondary"),
    ("art-and-design", "Art and design", 26, "secondary"),
    ("design-and-technology", "Design and technology", 27, "secondary"),
    ("music", "Music", 28, "secondary"),
    ("drama", "Drama", 29, "secondary"),
    ("physical-education", "Physical education", 30, "secondary"),
    ("religious-education", "Religious education", 31, "secondary"),
    ("citizenship", "Citizenship", 32, "secondary"),
    ("business", "Business", 33, "secondary"),
]
CORE = ["reading", "writing", "maths"]
KS2 = ["reading", "writing", "maths", "science"]  # the subjects of the end of key stage 2
# A framework with no subjects may be used for any subject, a trust's own ones too: the frameworks
# of every subject (year bands, GCSE, the engagement model, P scales) name none.
ANY: list[str] = []
ENGAGEMENT_AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]


@dataclass(frozen=True)
class LevelSpec:
    code: str
    label: str
    point: str  # common-scale point code in the default crosswalk
    descriptor: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameworkSpec:
    code: str
    name: str
    description: str
    subjects: list[str]
    levels: list[LevelSpec]
    note_areas: list[str] = field(default_factory=list)


# --- the common scale -----------------------------------------------------------------------
# NS1-NS4 sit below the national curriculum; then three points for each NC year 1-11 (working
# towards, expected, greater depth), then NS38 beyond Year 11 greater depth (GCSE 8-9).

BANDS = [("WTS", "working towards"), ("EXS", "at the expected standard"), ("GDS", "at greater depth")]
TERMS = ("autumn", "spring", "summer")


def nc_point(year: int, band: str) -> str:
    index = [code for code, _ in BANDS].index(band)
    return f"NS{5 + 3 * (year - 1) + index}"


def scale_points() -> list[tuple[int, str, str, str]]:
    points = [
        (1, "NS1", "Engagement", "Not yet in subject-specific study: assessed with the engagement model."),
        (2, "NS2", "Early subject-specific learning", "Beginning subject-specific study (around P4-P5)."),
        (3, "NS3", "Pre-key stage standard 1", "Working at pre-key stage standard 1 (around P6)."),
        (4, "NS4", "Pre-key stage standard 2", "Working at pre-key stage standard 2 (around P7)."),
    ]
    for year in range(1, 12):
        for band, words in BANDS:
            code = nc_point(year, band)
            points.append(
                (
                    int(code[2:]),
                    code,
                    f"Year {year} {words}",
                    f"Year {year} curriculum, {words} for the time of year.",
                )
            )
    points.append((38, "NS38", "Beyond Year 11 greater depth", "Exceptional attainment (GCSE grades 8-9)."))
    return points


def expected_points() -> list[tuple[int, str, str]]:
    """(NC year, term, point code): the year's expected-standard (EXS) point at every term. A band
    is judged for the time of year (ADR 6): "expected" in autumn and spring means on track to meet
    the year's expected standard by the end of the summer term, so "at or above expected for age"
    means EXS or GDS of the pupil's year at every drop, in Year 1 as in Year 11."""
    return [(year, term, nc_point(year, "EXS")) for year in range(1, 12) for term in TERMS]


# The table every trust had before 2026-12 (ADR 6): "working towards" in autumn and spring.
# Kept to recognise a trust that never changed it (migration 0003).
def expected_points_before_2026_12() -> list[tuple[int, str, str]]:
    return [
        (year, term, nc_point(year, "EXS" if term == "summer" else "WTS"))
        for year in range(1, 12)
        for term in TERMS
    ]


# --- shipped frameworks ---------------------------------------------------------------------


NC_BANDS_DESCRIPTION = (
    "Each NC year from 1 to 11 in three bands: working towards, at the expected standard, at "
    "greater depth, judged best fit for the time of year: at the expected standard in autumn or "
    "spring means on track to meet the year's end-of-year expectations by the summer."
)
NC_BANDS_DESCRIPTION_BEFORE_2026_12 = (
    "Each NC year from 1 to 11 in three bands: working towards, at the expected standard, "
    "at greater depth, judged best fit against the year's end-of-year expectations."
)


def _nc_bands() -> FrameworkSpec:
    levels = []
    for year in range(1, 12):
        for band, words in BANDS:
            short = {
                "WTS": ("WT", "WTS", "Working towards"),
                "EXS": ("EXS", "EXP", "EX", "Expected"),
                "GDS": ("GD", "GDS", "Greater depth"),
            }[band]
            aliases = tuple(
                {f"Y{year} {s}" for s in short}
                | {f"{year}{s}" for s in short}
                | {f"Year {year} {s}" for s in short}
            )
            levels.append(
                LevelSpec(f"Y{year} {band}", f"Year {year} {words}", nc_point(year, band), aliases=aliases)
            )
    return FrameworkSpec(
        "nc-bands",
        "National curriculum year-group bands",
        NC_BANDS_DESCRIPTION,
        ANY,
        levels,
    )


def _pre_key_stage() -> list[LevelSpec]:
    points = {
        1: "NS3",
        2: "NS4",
        3: nc_point(1, "WTS"),
        4: nc_point(1, "EXS"),
        5: nc_point(2, "WTS"),
        6: nc_point(2, "EXS"),
    }
    return [
        LevelSpec(
            f"PK{n}", f"Pre-key stage standard {n}", points[n], aliases=(f"PK {n}", f"PKS{n}", f"PKS {n}")
        )
        for n in range(1, 7)
    ]


def _p_scales() -> list[LevelSpec]:
    points = {1: "NS1", 2: "NS1", 3: "NS1", 4: "NS2", 5: "NS2", 6: "NS3", 7: "NS4", 8: nc_point(1, "WTS")}
    return [LevelSpec(f"P{n}", f"P scale {n}", points[n], aliases=(f"P {n}",)) for n in range(1, 9)]


GCSE_POINTS = {
    1: nc_point(9, "EXS"),
    2: nc_point(10, "EXS"),
    3: nc_point(11, "WTS"),
    4: nc_point(11, "EXS"),
    5: nc_point(11, "EXS"),
    6: nc_point(11, "EXS"),
    7: nc_point(11, "GDS"),
    8: "NS38",
    9: "NS38",
}


def shipped_frameworks() -> list[FrameworkSpec]:
    engagement = LevelSpec(
        "EM",
        "Assessed with the engagement model",
        "NS1",
        "Not engaged in subject-specific study; progress noted across the five areas.",
        aliases=("Engagement", "Engagement model"),
    )
    ks2_extra = [
        LevelSpec("BLW", "Below the interim pre-key stage standards (2016-18)", "NS2"),
        # The interim standards, lowest first: foundations, early development, growing development.
        LevelSpec("PKF", "Foundations for the expected standard (2016-18)", nc_point(3, "EXS")),
        LevelSpec("PKE", "Early development of the expected standard (2016-18)", nc_point(4, "EXS")),
        LevelSpec("PKG", "Growing development of the expected standard (2016-18)", nc_point(5, "EXS")),
        LevelSpec("HNM", "Has not met the expected standard (science)", nc_point(6, "WTS")),
        LevelSpec("WTS", "Working towards the expected standard", nc_point(6, "WTS")),
        LevelSpec("EXS", "Working at the expected standard", nc_point(6, "EXS")),
        LevelSpec("GDS", "Working at greater depth", nc_point(6, "GDS")),
    ]
    # KS2 order: EM, BLW, PK1-PK6, PKF, PKE, PKG, HNM, WTS, EXS, GDS
    ks2_levels = [
        engagement,
        ks2_extra[0],
        *_pre_key_stage(),
        *ks2_extra[1:],
    ]
    return [
        _nc_bands(),
        FrameworkSpec(
            "ks2-ta",
            "KS2 teacher assessment codes",
            "The statutory end of key stage 2 teacher-assessment codes, with the historic interim "
            "pre-key stage codes (2016-18) for older data.",
            KS2,
            ks2_levels,
        ),
        FrameworkSpec(
            "pre-key-stage",
            "Pre-key stage standards",
            "PK1-PK6: for pupils working below the national curriculum tests but engaged in "
            "subject-specific study.",
            CORE,
            _pre_key_stage(),
        ),
        FrameworkSpec(
            "engagement",
            "The engagement model",
            "For pupils not engaged in subject-specific study. Recorded as assessed on it, with notes "
            "on the five areas.",
            ANY,
            [engagement],
            note_areas=ENGAGEMENT_AREAS,
        ),
        FrameworkSpec(
            "p-scales",
            "P scales (historic)",
            "P1-P8, retired in 2018-2021; kept so older data keeps its meaning.",
            ANY,
            _p_scales(),
        ),
        FrameworkSpec(
            "entry-level",
            "Entry Level",
            "Entry Level 1-3 qualifications (English and maths).",
            CORE,
            [
                LevelSpec(
                    "EL1", "Entry Level 1", nc_point(2, "EXS"), aliases=("Entry 1", "E1", "Entry Level 1")
                ),
                LevelSpec(
                    "EL2", "Entry Level 2", nc_point(4, "EXS"), aliases=("Entry 2", "E2", "Entry Level 2")
                ),
                LevelSpec(
                    "EL3", "Entry Level 3", nc_point(6, "EXS"), aliases=("Entry 3", "E3", "Entry Level 3")
                ),
            ],
        ),
        FrameworkSpec(
            "functional-skills",
            "Functional Skills",
            "Functional Skills English and maths, Levels 1 and 2.",
            CORE,
            [
                LevelSpec(
                    "FS1", "Functional Skills Level 1", nc_point(9, "EXS"), aliases=("L1", "Level 1", "FSL1")
                ),
                LevelSpec(
                    "FS2", "Functional Skills Level 2", nc_point(11, "EXS"), aliases=("L2", "Level 2", "FSL2")
                ),
            ],
        ),
        FrameworkSpec(
            "gcse",
            "GCSE 9-1",
            "GCSE grades 1 to 9.",
            ANY,
            [
                LevelSpec(str(g), f"GCSE grade {g}", GCSE_POINTS[g], aliases=(f"Grade {g}", f"G{g}"))
                for g in range(1, 10)
            ],
        ),
    ]
