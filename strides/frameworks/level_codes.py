"""What a typed level code means: the one rule the class grid, spreadsheet imports, the API and
the bulk service share (docs/frameworks.md, "Typing a level").

For one pupil and subject at a school on a drop's date, the text is normalised
(:func:`~strides.frameworks.services.normalise_code`: case, spaces, dots, dashes, underscores and
slashes forgiven) and looked for, first match wins, in:

1. the pupil's own framework for the subject (``FrameworkChooser``: the pupil's choice, their year
   group's, the school's, else the default): every level's code and aliases, and the **short
   forms** of a year group's band with its year ("3E", "y3e", "Y3 EXS", "2g", "4WTS":
   :func:`year_band_forms`), whatever year the pupil works in;
2. that framework's **shorthand**: a year-group band without its year ("E", "EXS", "Expected",
   and a band's first letter when no other band of the year shares it) for the year group whose
   bands the pupil works in (:func:`band_year`).

Nothing else is accepted. A code of another framework the school may use ("5", a GCSE grade, for a
Year 3 pupil on the national-curriculum bands; "HNM"; "PK4" for a pupil whose assignment is the
bands) is refused, and the refusal names the code, the framework it belongs to and the one the
school's assignment gives the pupil (:meth:`CodeBook.not_a_level`): the assignment decides, so a
special school whose pupils of one year group are on different frameworks records each pupil in
their own. The services (``record_judgement``, ``bulk.record_judgements``) check a level against
the same choice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Q

from strides.frameworks.models import Framework, Level, Subject
from strides.frameworks.services import level_lookup, normalise_code
from strides.organisations.models import AcademicYear, School


# What pupil_band_year reads of assessment's drop and earlier judgement, named here so frameworks
# does not import assessment (assessment records against frameworks: the contract
# "frameworks-below-assessment" in pyproject.toml).
class EarlierJudgement(Protocol):
    """A pupil's judgement in a subject in an earlier drop (``assessment.queries.PreviousJudgement``)."""

    @property
    def code(self) -> str: ...

    @property
    def start_year(self) -> int: ...


class DropOfYear(Protocol):
    """A data drop (``assessment.models.DataDrop``): only its academic year is read."""

    @property
    def academic_year(self) -> AcademicYear: ...


# A save that moves a pupil more than this many points of the common scale from their judgement in
# the previous drop is flagged (never refused): two NC years on the default scale (three points a
# year). Real progress between two termly drops is a point or two, and a special-school pupil's is
# smaller; a jump this size is nearly always a wrong year group (shorthand resolved against the
# pupil's age, not their band) or a code read in another framework.
JUMP_WARNING_POINTS = 6

# How many codes a "not a level" message offers (the class grid's script offers as many).
MAX_SUGGESTIONS = 8

_CODE_YEAR = re.compile(r"^(?:YEAR|Y)(\d{1,2})(?=\D)")


def year_prefix(nc_year: int) -> re.Pattern[str]:
    """ "Y3EXS", "YEAR3EXS", "3EXS" start Year 3's codes; never "Y31..." or "Y13..." for Year 1/3."""
    return re.compile(rf"^(?:YEAR|Y)?{nc_year}(?=\D)")


def year_of_code(code: str) -> int | None:
    """The NC year a year-group level's code names ("Y6 WTS" -> 6); None for any other code."""
    match = _CODE_YEAR.match(normalise_code(code))
    return int(match.group(1)) if match else None


def year_shorthand(levels: Iterable[Level], nc_year: int | None) -> dict[str, Level]:
    """Spellings of one year group's levels without the year ("EXS", "EXP", "EXPECTED"), and each
    level's first letter when no other level of that year shares it ("W", "E", "G")."""
    if nc_year is None or nc_year < 1:
        return {}
    prefix = year_prefix(nc_year)
    shorthand: dict[str, Level] = {}
    initials: dict[str, list[Level]] = {}
    for level in levels:
        code = normalise_code(level.code)
        if not prefix.match(code):
            continue
        suffix = prefix.sub("", code)
        initials.setdefault(suffix[0], []).append(level)
        for spelling in (level.code, *(level.aliases or [])):
            normalised = normalise_code(spelling)
            if prefix.match(normalised):
                shorthand.setdefault(prefix.sub("", normalised), level)
    for letter, owners in initials.items():
        if len(owners) == 1:
            shorthand.setdefault(letter, owners[0])
    return shorthand


def year_band_forms(levels: Sequence[Level]) -> dict[str, Level]:
    """The short forms of every year group's bands with the year in front, normalised: the year
    as ``3``, ``Y3`` or ``Year 3``, then any shorthand of that year's bands (:func:`year_shorthand`:
    ``E``, ``EX``, ``EXS``, ``EXP``, ``Expected``, ``W``, ``WT``, ``WTS``...). So "3E", "y3e",
    "Y3 E", "3 exs", "2g", "2GDS" and "4W" name Year 3 EXS, Year 2 GDS and Year 4 WTS whatever year
    the pupil is in or works in. Only frameworks with year-group codes ("Y3 EXS") have them."""
    years = sorted({year for level in levels if (year := year_of_code(level.code)) is not None})
    forms: dict[str, Level] = {}
    for year in years:
        for suffix, level in year_shorthand(levels, year).items():
            for prefix in (f"{year}", f"Y{year}", f"YEAR{year}"):
                forms.setdefault(f"{prefix}{suffix}", level)
    return forms


def code_spellings(levels: Sequence[Level]) -> dict[str, Level]:
    """Every normalised spelling that names one of a framework's levels for any pupil: codes and
    aliases (:func:`~strides.frameworks.services.level_lookup`) first, then the year-and-band short
    forms (:func:`year_band_forms`), which never take a spelling a code or alias already has."""
    spellings = level_lookup(levels)
    for spelling, level in year_band_forms(levels).items():
        spellings.setdefault(spelling, level)
    return spellings


def band_year(nc_year: int | None, previous_code: str | None, years_since_previous: int = 0) -> int | None:
    """The year group whose bands shorthand names for a pupil: the year of their previous
    judgement in the subject ("Y6 WTS" -> 6) when they were working below their year group then
    (a Year 10 pupil working at Year 6 stays in Year 6's bands), else their NC year.
    ``years_since_previous`` is how many academic years ago the previous judgement was made, so
    a pupil at their year group last July moves on with it in September."""
    previous_year = year_of_code(previous_code) if previous_code else None
    if previous_year is None:
        return nc_year
    if nc_year is None:
        return previous_year
    if previous_year < nc_year - years_since_previous:
        return previous_year
    return nc_year


def pupil_band_year(nc_year: int | None, previous: EarlierJudgement | None, drop: DropOfYear) -> int | None:
    """:func:`band_year` for a pupil in ``drop``: ``previous`` is their judgement in the subject
    in the most recent earlier drop that has one (``assessment.queries.previous_judgements``)."""
    if previous is None:
        return band_year(nc_year, None)
    return band_year(nc_year, previous.code, drop.academic_year.start_year - previous.start_year)


def jump_warning(previous_code: str, previous_value: int | None, value: int | None) -> str:
    """The words a cell shows when a save moves the pupil more than :data:`JUMP_WARNING_POINTS`
    points from the previous drop ("12 points above last drop's Y6 WTS: check"); empty otherwise."""
    if previous_value is None or value is None or abs(value - previous_value) <= JUMP_WARNING_POINTS:
        return ""
    change = value - previous_value
    points = abs(change)
    direction = "above" if change > 0 else "below"
    return f"{points} points {direction} last drop's {previous_code}: check"


# --- the frameworks of one trust ----------------------------------------------------------------


@dataclass
class FrameworkCodes:
    """One framework's levels (lowest first), every spelling that names one, and the subjects the
    framework is for (empty: any)."""

    framework: Framework
    levels: list[Level]
    subject_ids: frozenset[int]
    spellings: dict[str, Level] = field(default_factory=dict)
    _shorthand: dict[int | None, dict[str, Level]] = field(default_factory=dict)

    def shorthand(self, nc_year: int | None) -> dict[str, Level]:
        if nc_year not in self._shorthand:
            self._shorthand[nc_year] = year_shorthand(self.levels, nc_year)
        return self._shorthand[nc_year]


@dataclass(frozen=True)
class Resolution:
    """The level a typed code named, the framework it came from (the pupil's own) and how it was
    found: "code" (a spelling of the pupil's framework) or "shorthand"."""

    level: Level
    framework: Framework
    how: str


class CodeBook:
    """Every framework a trust's schools may use (shipped, the trust's, its schools' own) with its
    levels and subjects, loaded once in two queries, and the rule that reads a typed code."""

    def __init__(self, trust_id: int) -> None:
        self.trust_id = trust_id
        levels = (
            Level.objects.filter(Q(framework__trust__isnull=True) | Q(framework__trust_id=trust_id))
            .select_related("framework")
            .order_by("framework_id", "order", "pk")
        )
        grouped: dict[int, list[Level]] = defaultdict(list)
        frameworks: dict[int, Framework] = {}
        for level in levels:
            grouped[level.framework_id].append(level)
            frameworks[level.framework_id] = level.framework
        subjects: dict[int, set[int]] = defaultdict(set)
        through = Framework.subjects.through.objects.filter(framework_id__in=list(frameworks))
        for framework_id, subject_id in through.values_list("framework_id", "subject_id"):
            subjects[framework_id].add(subject_id)
        self.frameworks: dict[int, FrameworkCodes] = {
            pk: FrameworkCodes(
                frameworks[pk], grouped[pk], frozenset(subjects[pk]), code_spellings(grouped[pk])
            )
            for pk in frameworks
        }
        self._order: dict[tuple[int, int, frozenset[int]], list[FrameworkCodes]] = {}
        self._names: dict[tuple[str, int], str] = {}
        self._levels = {level.pk: level for codes in self.frameworks.values() for level in codes.levels}

    def level(self, level_id: int | None) -> Level | None:
        """The level with this id, when it is of a framework in the book."""
        return self._levels.get(level_id) if level_id is not None else None

    def usable(self, framework_id: int, school_id: int, subject_id: int) -> bool:
        """Whether the school may record the subject in the framework: shipped or the trust's (or
        the school's own), for this subject or for any."""
        codes = self.frameworks.get(framework_id)
        if codes is None or codes.framework.school_id not in (None, school_id):
            return False
        return not codes.subject_ids or subject_id in codes.subject_ids

    def others(self, school_id: int, subject_id: int, chosen: Collection[int] = ()) -> list[FrameworkCodes]:
        """The frameworks the school may use for the subject, in the order a code is looked for
        in them after the pupil's own: chosen for someone at the school in the subject first, then
        the most specific (fewest levels)."""
        key = (school_id, subject_id, frozenset(chosen))
        if key not in self._order:
            usable = [c for pk, c in self.frameworks.items() if self.usable(pk, school_id, subject_id)]
            self._order[key] = sorted(
                usable, key=lambda c: (c.framework.pk not in chosen, len(c.levels), c.framework.pk)
            )
        return self._order[key]

    def resolve(
        self,
        text: str,
        *,
        school_id: int,
        subject_id: int,
        framework: Framework | None,
        band: int | None = None,
        chosen: Collection[int] = (),
    ) -> Resolution | None:
        """The level ``text`` names for a pupil assessed on ``framework`` in the subject, whose
        shorthand names the bands of year ``band`` (:func:`band_year`). None when the pupil's
        framework does not know it, even if another framework does (:meth:`elsewhere`): a level
        is recorded only in the framework the school's assignment gives the pupil. ``chosen`` (the
        frameworks the school has chosen for someone in the subject) does not change the answer:
        it orders :meth:`elsewhere`, which the callers' refusals reach through :meth:`not_a_level`."""
        key = normalise_code(text)
        if not key or framework is None or not self.usable(framework.pk, school_id, subject_id):
            return None
        own = self.frameworks[framework.pk]
        level = own.spellings.get(key)
        if level is not None:
            return Resolution(level, own.framework, "code")
        level = own.shorthand(band).get(key)
        if level is not None:
            return Resolution(level, own.framework, "shorthand")
        return None

    def elsewhere(
        self,
        text: str,
        *,
        school_id: int,
        subject_id: int,
        framework: Framework | None,
        chosen: Collection[int] = (),
    ) -> Level | None:
        """The level ``text`` names in a framework the school may use for the subject other than
        the pupil's ``framework`` (chosen for someone first, then the most specific): what a
        refusal names. None when no other framework knows it."""
        key = normalise_code(text)
        if not key:
            return None
        for other in self.others(school_id, subject_id, chosen):
            if framework is not None and other.framework.pk == framework.pk:
                continue
            level = other.spellings.get(key)
            if level is not None:
                return level
        return None

    def levels_of(self, framework: Framework | None) -> list[Level]:
        codes = self.frameworks.get(framework.pk) if framework is not None else None
        return codes.levels if codes else []

    def _name(self, model: type[School] | type[Subject], pk: int) -> str:
        """A school's or subject's name for a refusal, read once (only refusals need them)."""
        key = (model.__name__, pk)
        if key not in self._names:
            self._names[key] = str(model.objects.filter(pk=pk).values_list("name", flat=True).first() or "")
        return self._names[key]

    def not_a_level(
        self,
        text: str,
        framework: Framework | None,
        band: int | None,
        subject_name: str = "",
        *,
        school_id: int | None = None,
        subject_id: int | None = None,
        chosen: Collection[int] = (),
    ) -> str:
        """Why ``text`` was refused for a pupil assessed on ``framework`` in the subject, naming the
        value and a few codes they probably meant (:func:`suggest`): the words the class grid, the
        spreadsheet import and the API all give (grid.js's ``invalidMessage`` says the same for
        text no framework knows). Given the school and subject, a level of another framework the
        school uses is named with the framework the pupil is assessed on (:meth:`not_in_use`)."""
        shown = " ".join(text.split())[:40]
        if subject_id is not None and not subject_name:
            subject_name = self._name(Subject, subject_id)
        subject_name = subject_name or "this subject"
        if framework is None:
            return f"{shown} is not a level of a framework the school uses for {subject_name}."
        if school_id is not None and subject_id is not None:
            level = self.elsewhere(
                text, school_id=school_id, subject_id=subject_id, framework=framework, chosen=chosen
            )
            if level is not None:
                return self.not_in_use(
                    shown, level, framework, band, self._name(School, school_id), subject_name
                )
        picks = suggest([level.code for level in self.levels_of(framework)], text, band, MAX_SUGGESTIONS)
        return (
            f"{shown} is not a level of {framework.name} or of another framework the school uses: "
            f"try {', '.join(picks)}."
        )

    def not_in_use(
        self,
        shown: str,
        level: Level,
        framework: Framework,
        band: int | None,
        school_name: str,
        subject_name: str,
    ) -> str:
        """:func:`not_in_use` for a level and the pupil's framework, both of this book."""
        other = self.frameworks.get(level.framework_id)
        codes = [lv.code for lv in self.levels_of(framework)]
        other_name = other.framework.name if other is not None else ""
        return not_in_use(shown, other_name, framework.name, codes, band, school_name, subject_name)


def not_in_use(
    shown: str,
    other_name: str,
    framework_name: str,
    codes: Sequence[str],
    band: int | None,
    school_name: str,
    subject_name: str,
) -> str:
    """The refusal of a level from a framework the school does not assess the pupil on in the
    subject, naming the code, its framework, the pupil's framework and a few of its codes (the
    band year's, :func:`suggest`): "5 is a level of GCSE 9-1; at North Primary this pupil is
    assessed in Maths on National curriculum year-group bands: try Y3 WTS, Y3 EXS, Y3 GDS." """
    belongs = f"a level of {other_name}" if other_name else "from another framework"
    picks = suggest(codes, "", band, MAX_SUGGESTIONS)  # "5" is no hint of Year 5
    where = f"at {school_name} " if school_name else ""
    return (
        f"{shown} is {belongs}; {where}this pupil is assessed in {subject_name} on {framework_name}: "
        f"try {', '.join(picks)}."
    )


def suggest(codes: Sequence[str], text: str, nc_year: int | None, limit: int = 8) -> list[str]:
    """A few codes the person probably meant: those of the year group they typed, else of the
    pupil's band year, else the codes sharing the longest start with what they typed. The class
    grid's script (``suggest`` in grid.js) follows the same rule."""
    typed = normalise_code(text)

    def of_year(year: int) -> list[str]:
        prefix = year_prefix(year)
        return [code for code in codes if prefix.match(normalise_code(code))]

    match = re.match(r"^(?:YEAR|Y)?(\d{1,2})(?=\D|$)", typed)
    if match and (picks := of_year(int(match.group(1)))):
        return picks[:limit]
    if nc_year is not None and nc_year >= 1 and (picks := of_year(nc_year)):
        return picks[:limit]

    def shared(code: str) -> int:
        normalised = normalise_code(code)
        n = 0
        while n < min(len(normalised), len(typed)) and normalised[n] == typed[n]:
            n += 1
        return n

    best = max((shared(code) for code in codes), default=0)
    picks = [code for code in codes if shared(code) == best] if best else list(codes)
    return picks[:limit]
