"""The demo trust as a plan: pure Python, no database, deterministic for a seed.

:func:`generate` draws every name, number and characteristic from one ``random.Random(seed)``;
the only outside input is the start year of the current academic year. The builder
(:mod:`strides.demo.builder`) then writes the plan through the real services.

Rates are set to look like England's school population (school census, January 2025, rounded):
about a quarter of pupils eligible for free school meals, 14% on SEN support and 5% with an
education, health and care plan in mainstream schools, a fifth of primary pupils with English as
an additional language, and an ethnic mix close to the national one, varying from school to school.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strides.demo import names
from strides.organisations.services import default_half_terms
from strides.pupils.upn import CHECK_ALPHABET, check_letter, make_upn

T = TypeVar("T")

TRUST_NAME = "Northern Lights Learning Trust"
TRUST_SLUG = "northern-lights"
EMAIL_DOMAIN = "northernlights.example"

# (region name, LA codes of its local authorities, how ethnically diverse its schools are)
REGIONS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    ("Tyne and Wear", (390, 391, 392, 393, 394), 0.75),
    ("West Yorkshire", (380, 381, 382, 383, 384), 1.35),
    ("Teesside and Durham", (805, 806, 807, 808, 840, 841), 0.8),
    ("Greater Manchester", (350, 351, 352, 354, 355, 356, 358, 359), 1.3),
    ("Cumbria and Lancashire", (942, 943, 888, 889, 890), 0.6),
)

# National shares of pupils by ethnicity (school census 2025, rounded; sums to 1).
ETHNICITY_SHARES: dict[str, float] = {
    "WBRI": 0.630, "WIRI": 0.003, "WIRT": 0.002, "WROM": 0.006, "WOTH": 0.075,
    "MWBC": 0.015, "MWBA": 0.009, "MWAS": 0.019, "MOTH": 0.026,
    "AIND": 0.035, "APKN": 0.045, "ABAN": 0.019, "AOTH": 0.020,
    "BCRB": 0.009, "BAFR": 0.043, "BOTH": 0.008,
    "CHNE": 0.005, "OOTH": 0.022, "REFU": 0.006, "NOBT": 0.003,
}  # fmt: skip

# Primary need of pupils on SEN support (K) and with an EHCP (E), by phase of mainstream school.
NEEDS_K_PRIMARY = {
    "SLCN": 0.31, "SEMH": 0.18, "MLD": 0.12, "ASD": 0.10, "SPLD": 0.08, "NSA": 0.06,
    "OTH": 0.04, "PD": 0.04, "HI": 0.03, "VI": 0.02, "MSI": 0.01, "SLD": 0.01,
}  # fmt: skip
NEEDS_K_SECONDARY = {
    "SEMH": 0.25, "SPLD": 0.21, "MLD": 0.14, "SLCN": 0.12, "ASD": 0.11, "OTH": 0.05,
    "NSA": 0.04, "PD": 0.03, "HI": 0.03, "VI": 0.02,
}  # fmt: skip
NEEDS_E_MAINSTREAM = {
    "ASD": 0.34, "SLCN": 0.20, "SEMH": 0.16, "MLD": 0.08, "SPLD": 0.05, "PD": 0.05,
    "SLD": 0.04, "HI": 0.03, "VI": 0.02, "OTH": 0.02, "MSI": 0.01,
}  # fmt: skip
# Special schools are designated for a range of needs; each pupil's needs fit their school.
SPECIAL_PROFILES: dict[str, dict[str, float]] = {
    "complex learning needs": {"SLD": 0.36, "PMLD": 0.16, "ASD": 0.28, "SLCN": 0.10, "MLD": 0.10},
    "autism and communication": {"ASD": 0.56, "SLCN": 0.22, "MLD": 0.17, "SLD": 0.05},
    "moderate learning difficulties": {"MLD": 0.46, "SLCN": 0.24, "ASD": 0.25, "SLD": 0.05},
}
SPECIAL_NEEDS = ("SLD", "PMLD", "ASD", "MLD", "SLCN")
NEEDS_K_AP = {"SEMH": 0.66, "SLCN": 0.12, "SPLD": 0.12, "ASD": 0.10}
NEEDS_E_AP = {"SEMH": 0.60, "ASD": 0.28, "SLCN": 0.12}


DEMO_USERNAMES = (
    "admin", "analyst", "eap", "rd", "director", "head", "senior", "senco", "subjectlead",
    "teacher", "ta", "governor", "placing", "parent",
)  # fmt: skip


@dataclass(frozen=True)
class ScaleSpec:
    primary: int
    secondary: int
    all_through: int
    special: int
    ap: int
    external: int
    regions: int
    primary_forms: dict[int, float]  # forms of entry -> weight
    secondary_cohort: tuple[int, int]  # pupils per year group, low-high
    special_size: tuple[int, int]
    ap_size: tuple[int, int]
    sixth_form_share: float  # share of secondaries with a sixth form


SCALES: dict[str, ScaleSpec] = {
    # A primary, a secondary, a special school and a small AP unit (so the placing-school contact
    # has pupils to see): about 600 pupils.
    "small": ScaleSpec(
        primary=1, secondary=1, all_through=0, special=1, ap=1, external=2, regions=2,
        primary_forms={1: 1.0}, secondary_cohort=(62, 66), special_size=(84, 90), ap_size=(22, 24),
        sixth_form_share=0.0,
    ),
    # 25 schools, about 8,000 pupils
    "trust": ScaleSpec(
        primary=18, secondary=3, all_through=1, special=2, ap=1, external=4, regions=3,
        primary_forms={1: 0.55, 2: 0.42, 3: 0.03}, secondary_cohort=(100, 160), special_size=(90, 140),
        ap_size=(30, 45), sixth_form_share=0.34,
    ),
    # 100 schools, about 40,000 pupils
    "large": ScaleSpec(
        primary=70, secondary=20, all_through=2, special=5, ap=3, external=10, regions=5,
        primary_forms={1: 0.5, 2: 0.45, 3: 0.05}, secondary_cohort=(120, 200), special_size=(90, 150),
        ap_size=(30, 50), sixth_form_share=0.4,
    ),
}  # fmt: skip


@dataclass
class SchoolPlan:
    key: str
    name: str
    urn: str
    la_code: str
    establishment_number: str
    school_type: str
    phase: str
    region: str | None
    joined_trust_on: dt.date | None
    in_trust: bool = True
    profile: str = ""  # special schools: the needs they are designated for
    deprivation: float = 1.0
    diversity: float = 1.0


@dataclass
class PupilPlan:
    school: str
    upn: str
    legal_forename: str
    legal_surname: str
    date_of_birth: dt.date
    sex: str
    middle_names: str = ""
    preferred_forename: str = ""
    former_upns: tuple[str, ...] = ()
    enrolment_start: dt.date = dt.date(2000, 1, 1)
    registration: str = "C"
    placing_school: str | None = None
    # (effective date, characteristics) in date order: the history the builder writes
    stages: list[tuple[dt.date, dict[str, Any]]] = field(default_factory=list)
    chronological_year: int = 0
    attainment: float = 0.0  # a hidden prior-attainment score, used to set pupils into groups

    @property
    def current(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for _, values in self.stages:
            merged.update(values)
        return merged


@dataclass
class PlacementPlan:
    """A pupil on roll at a trust school who is also placed at a trust AP (dual registration)."""

    upn: str
    ap_school: str
    placing_school: str
    start: dt.date
    end: dt.date | None = None


@dataclass
class StaffPlan:
    username: str
    first_name: str
    last_name: str
    role: str
    school: str | None = None  # school key; None for trust-level roles
    login: bool = False  # a demo login with the demo password


@dataclass
class ClassPlan:
    school: str
    name: str
    nc_year: int | None
    subject: str = ""
    pupils: list[str] = field(default_factory=list)  # UPNs
    teachers: list[str] = field(default_factory=list)  # usernames
    assistants: list[str] = field(default_factory=list)


@dataclass
class DemoPlan:
    seed: int
    scale: str
    start_year: int
    trust_name: str
    regions: list[str]
    schools: list[SchoolPlan]
    pupils: list[PupilPlan]
    placements: list[PlacementPlan]
    staff: list[StaffPlan]
    classes: list[ClassPlan]
    officers: list[tuple[str, str, str]]  # (school key, username, kind)
    parent_links: list[tuple[str, str, str]]  # (username, UPN, relationship)

    def school(self, key: str) -> SchoolPlan:
        return next(s for s in self.schools if s.key == key)

    @property
    def logins(self) -> list[StaffPlan]:
        return [s for s in self.staff if s.login]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


class _Generator:
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
        self.fsm_mid_year = _monday_on_or_after(dt.date(start_year, 1, 5))
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

    # --- organisations --------------------------------------------------------------------

    def _urn(self) -> str:
        while True:
            urn = str(self.rng.randint(136000, 149999))
            if urn not in self.used_urns:
                self.used_urns.add(urn)
                return urn

    def _estab(self, la: int, low: int, high: int) -> int:
        while True:
            number = self.rng.randint(low, high)
            if (la, number) not in self.used_laestabs:
                self.used_laestabs.add((la, number))
                return number

    def _stem(self) -> str:
        available = [s for s in names.PLACE_STEMS if s not in self.used_stems]
        stem = _pick(self.rng, available)
        self.used_stems.add(stem)
        return stem

    def _school(
        self, school_type: str, region: tuple[str, tuple[int, ...], float], *, in_trust: bool = True
    ) -> SchoolPlan:
        rng = self.rng
        region_name, las, diversity = region
        la = _pick(rng, las)
        stem = self._stem()
        if school_type == "primary":
            name, phase, estab = f"{stem} {_pick(rng, names.PRIMARY_SUFFIXES)}", "primary", (2000, 2999)
        elif school_type == "secondary":
            name, phase, estab = f"{stem} {_pick(rng, names.SECONDARY_SUFFIXES)}", "secondary", (4000, 4999)
        elif school_type == "all_through":
            name, phase, estab = f"{stem} All-Through Academy", "all_through", (4000, 4999)
        elif school_type == "special":
            name = _pick(rng, names.SPECIAL_NAMES).format(stem=stem)
            phase, estab = "all_through", (7000, 7999)
        else:
            name, phase, estab = _pick(rng, names.AP_NAMES).format(stem=stem), "secondary", (1100, 1199)
        joined = None
        if in_trust:
            joined = dt.date(rng.randint(2013, self.year - 1), _pick(rng, (9, 9, 9, 4, 1)), 1)
        key = f"{school_type}-{sum(1 for s in self.schools if s.school_type == school_type) + 1}"
        if not in_trust:
            key = f"external-{sum(1 for s in self.schools if not s.in_trust) + 1}"
        school = SchoolPlan(
            key=key,
            name=name,
            urn=self._urn(),
            la_code=f"{la:03d}",
            establishment_number=f"{self._estab(la, *estab):04d}",
            school_type=school_type,
            phase=phase,
            region=region_name if in_trust else None,
            joined_trust_on=joined,
            in_trust=in_trust,
            deprivation=rng.uniform(0.6, 1.4),
            diversity=diversity * rng.uniform(0.7, 1.3),
        )
        if school_type == "special":
            profiles = list(SPECIAL_PROFILES)
            done = sum(1 for s in self.schools if s.school_type == "special")
            school.profile = profiles[done % len(profiles)]
        self.schools.append(school)
        return school

    def build_schools(self) -> None:
        spec = self.spec
        regions = list(REGIONS[: spec.regions])
        counts = [
            ("primary", spec.primary),
            ("secondary", spec.secondary),
            ("all_through", spec.all_through),
            ("special", spec.special),
            ("ap", spec.ap),
        ]
        placed = 0  # schools of every type spread across the regions in turn
        for school_type, count in counts:
            for _ in range(count):
                self._school(school_type, regions[placed % len(regions)])
                placed += 1
        for index in range(spec.external):
            self._school("secondary", regions[index % len(regions)], in_trust=False)
        for la in sorted({la for _, las, _ in regions for la in las}):
            self.feeders[la] = [self._estab(la, 2000, 3999) for _ in range(12)]

    # --- people ---------------------------------------------------------------------------

    def _upn(self, la: int, estab: int, allocated_year: int) -> str:
        rng = self.rng
        for _ in range(50):
            key = (la, estab, allocated_year % 100)
            serial = self.upn_serials.get(key, 0) + 1
            if serial <= 999:
                self.upn_serials[key] = serial
                return make_upn(la, estab, allocated_year, serial)
            estab = _pick(rng, self.feeders.get(la) or [estab])
            la = _pick(rng, sorted(self.feeders))
        raise RuntimeError("ran out of UPN serials")  # pragma: no cover - 999 per school and year

    def _temporary_upn(self, la: int, estab: int, allocated_year: int) -> str:
        key = (la, estab, allocated_year % 100)
        serial = self.temporary_serials.get(key, 0) + 1
        self.temporary_serials[key] = serial
        letters = [c for c in CHECK_ALPHABET]
        body = f"{la:03d}{estab:04d}{allocated_year % 100:02d}{serial // len(letters):02d}"
        body += letters[serial % len(letters)]
        return check_letter(body) + body

    def _ethnicity(self, school: SchoolPlan) -> str:
        # a more diverse school has proportionally more of every group other than White British
        shares = {code: share * school.diversity for code, share in ETHNICITY_SHARES.items()}
        shares["WBRI"] = max(0.05, 1 - (1 - ETHNICITY_SHARES["WBRI"]) * school.diversity)
        return _weighted(self.rng, shares)

    def _dob(self, chronological_year: int) -> dt.date:
        # born in the academic year that began 1 September (start year - NC year - 5)
        first = dt.date(self.year - chronological_year - 5, 9, 1)
        return first + dt.timedelta(days=self.rng.randrange(365))

    def _person(self, school: SchoolPlan, sex: str, ethnicity: str) -> dict[str, Any]:
        rng = self.rng
        forename_list, surname_list, _, _ = names.HERITAGE[ethnicity]
        forename = _pick(rng, names.FORENAMES[forename_list][sex])
        surname = _pick(rng, names.SURNAMES[surname_list])
        middle = ""
        if rng.random() < 0.4:
            middle = _pick(rng, names.FORENAMES[forename_list][sex])
            if middle == forename:
                middle = ""
        preferred = ""
        if forename in names.SHORT_FORMS and rng.random() < 0.45:
            preferred = names.SHORT_FORMS[forename]
        return {
            "legal_forename": forename,
            "legal_surname": surname,
            "middle_names": middle,
            "preferred_forename": preferred,
        }

    def _sen(self, school: SchoolPlan, sex: str, nc_year: int) -> tuple[str, str, str]:
        """(provision, primary need, secondary need)."""
        rng = self.rng
        if school.school_type == "special":
            needs = SPECIAL_PROFILES[school.profile]
            primary = _weighted(rng, needs)
            secondary = ""
            if rng.random() < 0.55:
                secondary = _weighted(rng, {k: v for k, v in needs.items() if k != primary})
            return "E", primary, secondary
        if school.school_type == "ap":
            draw = rng.random()
            if draw < 0.16:
                return "E", _weighted(rng, NEEDS_E_AP), ""
            if draw < 0.62:
                return "K", _weighted(rng, NEEDS_K_AP), ""
            return "N", "", ""
        # boys are identified with SEN about twice as often as girls
        factor = 1.3 if sex == "M" else 0.7
        ehcp = 0.05 * factor * (0.5 if nc_year <= 0 else 1.0)
        support = 0.14 * factor
        draw = rng.random()
        if draw < ehcp:
            needs = NEEDS_E_MAINSTREAM
            provision = "E"
        elif draw < ehcp + support:
            needs = NEEDS_K_PRIMARY if nc_year <= 6 else NEEDS_K_SECONDARY
            provision = "K"
        else:
            return "N", "", ""
        primary = _weighted(rng, needs)
        secondary = ""
        if primary != "NSA" and rng.random() < 0.35:
            secondary = _weighted(rng, {k: v for k, v in needs.items() if k not in (primary, "NSA")})
        return provision, primary, secondary

    def _characteristics(self, school: SchoolPlan, sex: str, nc_year: int, ethnicity: str) -> dict[str, Any]:
        rng = self.rng
        _, _, eal_chance, languages = names.HERITAGE[ethnicity]
        eal = rng.random() < eal_chance
        first_language = _pick(rng, languages) if eal else ("ENB" if rng.random() < 0.01 else "ENG")
        if school.school_type == "special":
            fsm_rate, lac, plac, cin = 0.42 * school.deprivation**0.5, 0.03, 0.015, 0.07
        elif school.school_type == "ap":
            fsm_rate, lac, plac, cin = 0.55, 0.06, 0.02, 0.12
        else:
            fsm_rate, lac, plac, cin = 0.25 * school.deprivation, 0.006, 0.005, 0.025
        fsm = rng.random() < fsm_rate
        ever6 = fsm or rng.random() < 0.06
        provision, primary_need, secondary_need = self._sen(school, sex, nc_year)
        looked_after = rng.random() < lac
        previously = not looked_after and rng.random() < plac
        return {
            "nc_year": nc_year,
            "ethnicity": ethnicity,
            "first_language": first_language,
            "eal": eal,
            "sen_provision": provision,
            "primary_need": primary_need,
            "secondary_need": secondary_need,
            "fsm": fsm,
            "fsm_ever6": ever6,
            "looked_after": looked_after,
            "previously_looked_after": previously,
            "child_in_need": looked_after or rng.random() < cin,
        }

    def _history(self, school: SchoolPlan, pupil: PupilPlan, current: dict[str, Any]) -> None:
        """Turn current characteristics into a plausible history: last year's record and, for
        some pupils, changes (FSM began during last year or this year, SEN support began this
        year, an EHCP was issued this year, FSM ended, a looked-after child was adopted)."""
        rng = self.rng
        start = pupil.enrolment_start
        if start >= self.this_start or current["nc_year"] <= 0:
            pupil.stages = [(self.this_start, current)]
            return
        last = dict(current, nc_year=current["nc_year"] - 1)
        mid_year_fsm = False
        if current["fsm"]:
            draw = rng.random()
            if draw < 0.12:  # eligible from this September
                last.update(fsm=False, fsm_ever6=False)
            elif draw < 0.22 and start < self.fsm_mid_year:  # became eligible in January
                last.update(fsm=False, fsm_ever6=False)
                mid_year_fsm = True
        elif current["fsm_ever6"] and rng.random() < 0.35:
            last["fsm"] = True
        if current["sen_provision"] == "K" and rng.random() < 0.25:
            last.update(sen_provision="N", primary_need="", secondary_need="")
        elif (
            current["sen_provision"] == "E"
            and school.school_type not in ("special", "ap")
            and rng.random() < 0.15  # the plan was issued this year
        ):
            last.update(sen_provision="K")
        if current["previously_looked_after"] and rng.random() < 0.5:
            last.update(looked_after=True, previously_looked_after=False)
        first = max(start, self.last_start)
        pupil.stages = [(first, last)]
        if mid_year_fsm:
            pupil.stages.append((self.fsm_mid_year, {"fsm": True, "fsm_ever6": True}))
        pupil.stages.append((self.this_start, current))

    def _enrolment_start(self, years_on_roll: int) -> dt.date:
        """When a pupil who has been in the school's year groups for ``years_on_roll`` years
        joined: mostly at the normal point of entry, sometimes later in the year or in between."""
        rng = self.rng
        entry_year = self.year - years_on_roll
        if years_on_roll > 0 and rng.random() < 0.12:
            entry_year = self.year - rng.randint(0, years_on_roll - 1)
            if entry_year == self.year:
                return self.this_start
            if entry_year == self.year - 1:
                return _pick(rng, self.last_year_half_terms)
            day = dt.date(entry_year, 9, 1) + dt.timedelta(days=rng.randint(30, 280))
            return _monday_on_or_after(day)
        return dt.date(entry_year, 9, 1)

    def _pupil(
        self,
        school: SchoolPlan,
        chronological_year: int,
        *,
        nc_year: int | None = None,
        years_on_roll: int = 0,
        enrolment_start: dt.date | None = None,
        male_share: float = 0.51,
    ) -> PupilPlan:
        rng = self.rng
        nc = chronological_year if nc_year is None else nc_year
        sex = "M" if rng.random() < male_share else "F"
        ethnicity = self._ethnicity(school)
        person = self._person(school, sex, ethnicity)
        start = enrolment_start or self._enrolment_start(years_on_roll)
        la, estab = int(school.la_code), int(school.establishment_number)
        reception_year = self.year - chronological_year
        joined_in_reception = start == dt.date(reception_year, 9, 1)
        if school.school_type != "primary" or not joined_in_reception or rng.random() < 0.1:
            # the UPN was allocated by the primary school the pupil first joined
            estab = _pick(rng, self.feeders[la])
        upn = self._upn(la, estab, reception_year)
        former: tuple[str, ...] = ()
        if rng.random() < 0.004:  # first known by a temporary UPN
            former = (self._temporary_upn(la, estab, reception_year),)
        pupil = PupilPlan(
            school=school.key,
            upn=upn,
            date_of_birth=self._dob(chronological_year),
            sex=sex,
            former_upns=former,
            enrolment_start=start,
            chronological_year=chronological_year,
            attainment=rng.gauss(0, 1),
            **person,
        )
        self._history(school, pupil, self._characteristics(school, sex, nc, ethnicity))
        self.pupils.append(pupil)
        return pupil

    def _username(self, first: str, last: str) -> str:
        base = re.sub(r"[^a-z]", "", (first[0] + last).lower())
        name, n = base, 1
        while name in self.usernames:
            n += 1
            name = f"{base}{n}"
        self.usernames.add(name)
        return name

    def _adult(
        self,
        role: str,
        school: SchoolPlan | None = None,
        username: str | None = None,
        login: bool = False,
        sex: str | None = None,
    ) -> StaffPlan:
        rng = self.rng
        sex = sex or _pick(rng, ("F", "F", "M"))  # most school staff are women
        first = _pick(rng, names.ADULT_FORENAMES[sex])
        last = _pick(rng, names.ADULT_SURNAMES)
        if username is None:
            username = self._username(first, last)
        else:
            self.usernames.add(username)
        staff = StaffPlan(username, first, last, role, school.key if school else None, login)
        self.staff.append(staff)
        return staff

    # --- schools, rolls and classes -------------------------------------------------------

    def _primary_roll(self, school: SchoolPlan, years: range, forms: int) -> None:
        rng = self.rng
        for year in years:
            cohort = round(forms * 30 * rng.uniform(0.85, 1.0))
            pupils = [self._pupil(school, year, years_on_roll=year) for _ in range(cohort)]
            pupils.sort(key=lambda p: (p.legal_surname, p.legal_forename, p.upn))
            form_names = names.PRIMARY_FORMS[:forms]
            label = "Reception" if year == 0 else f"Year {year}"
            for index, form in enumerate(form_names):
                members = pupils[index::forms]
                teacher = self._adult("teacher", school)
                group = ClassPlan(school.key, f"{label} {form}", year, "", [p.upn for p in members])
                group.teachers.append(teacher.username)
                if year <= 2:  # teaching assistants in the early years and key stage 1
                    group.assistants.append(self._adult("teaching_assistant", school).username)
                self.classes.append(group)

    def _secondary_roll(self, school: SchoolPlan, years: range, cohort_range: tuple[int, int]) -> None:
        rng = self.rng
        cohort_base = rng.randint(*cohort_range)
        maths = [self._adult("teacher", school) for _ in range(max(2, math.ceil(cohort_base / 30 * 5 / 6)))]
        english = [self._adult("teacher", school) for _ in range(max(2, math.ceil(cohort_base / 30 * 5 / 6)))]
        entry = years.start
        for year in years:
            size = round(cohort_base * rng.uniform(0.9, 1.0) * (0.55 if year >= 12 else 1.0))
            pupils = [self._pupil(school, year, years_on_roll=year - entry) for _ in range(size)]
            pupils.sort(key=lambda p: (p.legal_surname, p.legal_forename, p.upn))
            forms = max(1, round(size / 28))
            for index in range(forms):
                members = pupils[index::forms]
                group = ClassPlan(
                    school.key, f"{year}{'ABCDEFGHJK'[index]}", year, "", [p.upn for p in members]
                )
                group.teachers.append(self._adult("teacher", school).username)
                self.classes.append(group)
            if year >= 12:
                continue
            by_attainment = sorted(pupils, key=lambda p: -p.attainment)
            for subject, code, department in (("Mathematics", "Ma", maths), ("English", "En", english)):
                sets = max(1, round(size / 28))
                per_set = math.ceil(size / sets)
                for index in range(sets):
                    members = by_attainment[index * per_set : (index + 1) * per_set]
                    teacher = department[(index + year) % len(department)]
                    group = ClassPlan(
                        school.key, f"{year}{code}{index + 1}", year, subject, [p.upn for p in members]
                    )
                    group.teachers.append(teacher.username)
                    self.classes.append(group)

    def _special_roll(self, school: SchoolPlan) -> None:
        rng = self.rng
        size = rng.randint(*self.spec.special_size)
        pupils = []
        for _ in range(size):
            chronological = rng.randint(1, 14)
            # many pupils are taught below their chronological year group
            draw = rng.random()
            offset = 2 if draw < 0.08 else 1 if draw < 0.33 else 0
            nc_year = max(0, chronological - offset)
            joined = self.year - rng.randint(0, min(6, chronological))
            start = dt.date(joined, 9, 1)
            pupil = self._pupil(school, chronological, nc_year=nc_year, enrolment_start=start, male_share=0.7)
            pupils.append(pupil)
        # classes of about eight, grouped by age across year groups
        pupils.sort(key=lambda p: (p.chronological_year, p.upn))
        class_count = max(1, round(len(pupils) / 8))
        per_class = math.ceil(len(pupils) / class_count)
        for index in range(class_count):
            members = pupils[index * per_class : (index + 1) * per_class]
            if not members:
                continue
            key_stage = _key_stage(members[len(members) // 2].chronological_year)
            name = f"{key_stage} {names.SPECIAL_CLASS_NAMES[index % len(names.SPECIAL_CLASS_NAMES)]}"
            group = ClassPlan(school.key, name, None, "", [p.upn for p in members])
            group.teachers.append(self._adult("teacher", school).username)
            group.assistants.extend(self._adult("teaching_assistant", school).username for _ in range(2))
            self.classes.append(group)

    def _ap_roll(self, school: SchoolPlan) -> None:
        """Pupils placed at the AP by trust secondaries (dual registered, on roll at both) and by
        schools outside the trust; a few placements ended last year."""
        rng = self.rng
        size = rng.randint(*self.spec.ap_size)
        secondaries = [
            s for s in self.schools if s.in_trust and s.school_type in ("secondary", "all_through")
        ]
        externals = [s for s in self.schools if not s.in_trust]
        members: list[PupilPlan] = []
        placed_upns = {p.upn for p in self.placements}
        ended = 0
        # pupils in years 8 to 11 of each trust secondary, who could be placed here
        placeable = {
            home.key: [p for p in self.pupils if p.school == home.key and 8 <= p.current["nc_year"] <= 11]
            for home in secondaries
        }
        for _ in range(size):
            start = _pick(rng, [self.this_start, self.this_start, *self.last_year_half_terms[:-1]])
            if secondaries and rng.random() < 0.45:
                home = _pick(rng, secondaries)
                candidates = [
                    p for p in placeable[home.key] if p.upn not in placed_upns and p.enrolment_start < start
                ]
                if candidates:
                    pupil = _pick(rng, candidates)
                    placed_upns.add(pupil.upn)
                    end = None
                    if start < self.this_start and ended < 2 and rng.random() < 0.4:
                        end = self.this_start - dt.timedelta(days=rng.randint(40, 60))
                        end = max(end, start + dt.timedelta(days=20))
                        ended += 1
                    self.placements.append(PlacementPlan(pupil.upn, school.key, home.key, start, end))
                    if end is None:
                        pupil.registration = "M"  # main registration at home, subsidiary here
                        members.append(pupil)
                    continue
            year = _weighted(rng, {"8": 0.1, "9": 0.2, "10": 0.3, "11": 0.4})
            pupil = self._pupil(school, int(year), years_on_roll=0, enrolment_start=start, male_share=0.72)
            pupil.registration = "S"
            pupil.placing_school = _pick(rng, externals).key
            members.append(pupil)
        members.sort(key=lambda p: (p.current["nc_year"], p.legal_surname, p.upn))
        for label, group_members in (
            ("KS3 group", [p for p in members if p.current["nc_year"] <= 9]),
            ("KS4 group", [p for p in members if p.current["nc_year"] >= 10]),
        ):
            if group_members:
                group = ClassPlan(school.key, label, None, "", [p.upn for p in group_members])
                group.teachers.append(self._adult("teacher", school).username)
                group.assistants.append(self._adult("teaching_assistant", school).username)
                self.classes.append(group)

    def build_rolls(self) -> None:
        spec = self.spec
        for school in [s for s in self.schools if s.in_trust]:
            self._adult("headteacher", school)
            if school.school_type == "primary":
                forms = int(_weighted(self.rng, {str(k): v for k, v in spec.primary_forms.items()}))
                self._primary_roll(school, range(0, 7), forms)
            elif school.school_type == "secondary":
                sixth = self.rng.random() < spec.sixth_form_share
                self._secondary_roll(school, range(7, 14 if sixth else 12), spec.secondary_cohort)
            elif school.school_type == "all_through":
                self._primary_roll(school, range(0, 7), 2)
                self._secondary_roll(school, range(7, 12), (100, 130))
            elif school.school_type == "special":
                self._special_roll(school)
        for school in [s for s in self.schools if s.school_type == "ap"]:
            self._ap_roll(school)

    # --- the demo logins and officers -----------------------------------------------------

    def build_people(self) -> None:
        rng = self.rng
        trust_schools = [s for s in self.schools if s.in_trust]
        primary = next(s for s in trust_schools if s.school_type == "primary")
        secondary = next(s for s in trust_schools if s.school_type in ("secondary", "all_through"))
        # one login per role; the school roles are at the first primary school
        self._adult("trust_admin", username="admin", login=True)
        self._adult("trust_analyst", username="analyst", login=True)
        self._adult("director", username="director", login=True)
        eap = self._adult("eap", username="eap", login=True)
        rd = self._adult("regional_director", username="rd", login=True)
        head = next(s for s in self.staff if s.role == "headteacher" and s.school == primary.key)
        head.username, head.login = "head", True
        self._adult("senior_leader", primary, username="senior", login=True)
        self._adult("senco", primary, username="senco", login=True)
        self._adult("subject_leader", primary, username="subjectlead", login=True)
        self._adult("governor", primary, username="governor", login=True)
        # the teacher and TA logins take over a Year 3 class of the primary school
        year3 = next(c for c in self.classes if c.school == primary.key and c.nc_year == 3)
        teacher = next(s for s in self.staff if s.username == year3.teachers[0])
        teacher.username, teacher.login = "teacher", True
        year3.teachers[0] = "teacher"
        ta = self._adult("teaching_assistant", primary, username="ta", login=True)
        year3.assistants.append(ta.username)
        # the placing-school contact works at the outside school with most pupils placed now
        placed = {}
        for pupil in self.pupils:
            if pupil.placing_school:
                placed[pupil.placing_school] = placed.get(pupil.placing_school, 0) + 1
        placing_school = max(sorted(placed), key=lambda key: placed[key])
        self._adult("placing_contact", self._school_by_key(placing_school), username="placing", login=True)
        # the parent login: the parent of a pupil in the teacher's class
        child_upn = year3.pupils[rng.randrange(len(year3.pupils))]
        child = next(p for p in self.pupils if p.upn == child_upn)
        relationship = _pick(rng, ("mother", "mother", "father"))
        parent = self._adult(
            "parent", username="parent", login=True, sex="F" if relationship == "mother" else "M"
        )
        parent.last_name = child.legal_surname
        self.parent_links.append(("parent", child_upn, relationship))
        # officers: the EAP login supports two schools, the RD login leads the first region
        self.officers.append((primary.key, eap.username, "eap"))
        self.officers.append((secondary.key, eap.username, "eap"))
        for school in trust_schools:
            if school.region == primary.region:
                self.officers.append((school.key, rd.username, "regional_director"))
        others = [s for s in trust_schools if s.key not in (primary.key, secondary.key)]
        for start in range(0, len(others), 6):
            officer = self._adult("eap")
            for school in others[start : start + 6]:
                self.officers.append((school.key, officer.username, "eap"))
        for region in sorted({s.region for s in trust_schools if s.region and s.region != primary.region}):
            director = self._adult("regional_director")
            for school in trust_schools:
                if school.region == region:
                    self.officers.append((school.key, director.username, "regional_director"))

    def _school_by_key(self, key: str) -> SchoolPlan:
        return next(s for s in self.schools if s.key == key)

    def plan(self) -> DemoPlan:
        self.build_schools()
        self.build_rolls()
        self.build_people()
        return DemoPlan(
            seed=self.seed,
            scale=self.scale_name,
            start_year=self.year,
            trust_name=TRUST_NAME,
            regions=[name for name, _, _ in REGIONS[: self.spec.regions]],
            schools=self.schools,
            pupils=self.pupils,
            placements=self.placements,
            staff=self.staff,
            classes=self.classes,
            officers=self.officers,
            parent_links=self.parent_links,
        )


def _key_stage(year: int) -> str:
    if year <= 0:
        return "EYFS"
    if year <= 2:
        return "KS1"
    if year <= 6:
        return "KS2"
    if year <= 9:
        return "KS3"
    if year <= 11:
        return "KS4"
    return "Post-16"


def generate(seed: int, scale: str, start_year: int) -> DemoPlan:
    """The demo trust for ``seed`` and ``scale`` in the academic year beginning in ``start_year``."""
    return _Generator(seed, scale, start_year).plan()
