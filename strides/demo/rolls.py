"""Drawing each school's roll, its staff and its classes."""

from __future__ import annotations

import datetime as dt
import math
import re

from strides.demo import names
from strides.demo.draws import pick, weighted
from strides.demo.plan import ClassPlan, PlacementPlan, PupilPlan, SchoolPlan, StaffPlan
from strides.demo.pupils import PupilDraws


class RollDraws(PupilDraws):
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
        sex = sex or pick(rng, ("F", "F", "M"))  # most school staff are women
        first = pick(rng, names.ADULT_FORENAMES[sex])
        last = pick(rng, names.ADULT_SURNAMES)
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
            start = pick(rng, [self.this_start, self.this_start, *self.last_year_half_terms[:-1]])
            if secondaries and rng.random() < 0.45:
                home = pick(rng, secondaries)
                candidates = [
                    p for p in placeable[home.key] if p.upn not in placed_upns and p.enrolment_start < start
                ]
                if candidates:
                    pupil = pick(rng, candidates)
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
            year = weighted(rng, {"8": 0.1, "9": 0.2, "10": 0.3, "11": 0.4})
            pupil = self._pupil(school, int(year), years_on_roll=0, enrolment_start=start, male_share=0.72)
            pupil.registration = "S"
            pupil.placing_school = pick(rng, externals).key
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
                forms = int(weighted(self.rng, {str(k): v for k, v in spec.primary_forms.items()}))
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
