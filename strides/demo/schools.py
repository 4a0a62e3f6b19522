"""Drawing the trust's schools (and the schools outside it that place pupils in its AP)."""

from __future__ import annotations

import datetime as dt

from strides.demo import names
from strides.demo.draws import Draws, pick
from strides.demo.plan import SchoolPlan
from strides.demo.population import REGIONS, SPECIAL_PROFILES


class SchoolDraws(Draws):
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
        stem = pick(self.rng, available)
        self.used_stems.add(stem)
        return stem

    def _school(
        self, school_type: str, region: tuple[str, tuple[int, ...], float], *, in_trust: bool = True
    ) -> SchoolPlan:
        rng = self.rng
        region_name, las, diversity = region
        la = pick(rng, las)
        stem = self._stem()
        if school_type == "primary":
            name, phase, estab = f"{stem} {pick(rng, names.PRIMARY_SUFFIXES)}", "primary", (2000, 2999)
        elif school_type == "secondary":
            name, phase, estab = f"{stem} {pick(rng, names.SECONDARY_SUFFIXES)}", "secondary", (4000, 4999)
        elif school_type == "all_through":
            name, phase, estab = f"{stem} All-Through Academy", "all_through", (4000, 4999)
        elif school_type == "special":
            name = pick(rng, names.SPECIAL_NAMES).format(stem=stem)
            phase, estab = "all_through", (7000, 7999)
        else:
            name, phase, estab = pick(rng, names.AP_NAMES).format(stem=stem), "secondary", (1100, 1199)
        joined = None
        if in_trust:
            joined = dt.date(rng.randint(2013, self.year - 1), pick(rng, (9, 9, 9, 4, 1)), 1)
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
