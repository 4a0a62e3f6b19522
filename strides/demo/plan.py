"""The demo trust as data: the plan :func:`strides.demo.generator.generate` draws and
:mod:`strides.demo.builder` writes, and the sizes it can be drawn at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

TRUST_NAME = "Northern Lights Learning Trust"
TRUST_SLUG = "northern-lights"
EMAIL_DOMAIN = "northernlights.example"

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
