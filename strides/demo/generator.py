"""The demo trust as a plan: pure Python, no database, deterministic for a seed.

:func:`generate` draws every name, number and characteristic from one ``random.Random(seed)``;
the only outside input is the start year of the current academic year. The builder
(:mod:`strides.demo.builder`) then writes the plan through the real services.

The generator is built up in layers, each drawing from the same source in the same order:
:mod:`~strides.demo.draws` (state and random helpers), :mod:`~strides.demo.schools`,
:mod:`~strides.demo.pupils` (one pupil and their history), :mod:`~strides.demo.rolls` (each
school's roll, staff and classes) and, here, the demo logins and officers. The plan's shape is in
:mod:`~strides.demo.plan`; the population's rates in :mod:`~strides.demo.population`.
"""

from __future__ import annotations

from strides.demo.draws import pick
from strides.demo.plan import (
    DEMO_USERNAMES,
    EMAIL_DOMAIN,
    SCALES,
    TRUST_NAME,
    TRUST_SLUG,
    ClassPlan,
    DemoPlan,
    PlacementPlan,
    PupilPlan,
    ScaleSpec,
    SchoolPlan,
    StaffPlan,
)
from strides.demo.population import REGIONS, SPECIAL_NEEDS
from strides.demo.rolls import RollDraws

__all__ = [
    "DEMO_USERNAMES",
    "EMAIL_DOMAIN",
    "SCALES",
    "SPECIAL_NEEDS",
    "TRUST_NAME",
    "TRUST_SLUG",
    "ClassPlan",
    "DemoPlan",
    "PlacementPlan",
    "PupilPlan",
    "ScaleSpec",
    "SchoolPlan",
    "StaffPlan",
    "generate",
]


class _Generator(RollDraws):
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
        relationship = pick(rng, ("mother", "mother", "father"))
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


def generate(seed: int, scale: str, start_year: int) -> DemoPlan:
    """The demo trust for ``seed`` and ``scale`` in the academic year beginning in ``start_year``."""
    return _Generator(seed, scale, start_year).plan()
