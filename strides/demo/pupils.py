"""Drawing one pupil: name, UPN, date of birth, characteristics and their history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from strides.demo import names
from strides.demo.draws import monday_on_or_after, pick, weighted
from strides.demo.plan import PupilPlan, SchoolPlan
from strides.demo.population import (
    ETHNICITY_SHARES,
    NEEDS_E_AP,
    NEEDS_E_MAINSTREAM,
    NEEDS_K_AP,
    NEEDS_K_PRIMARY,
    NEEDS_K_SECONDARY,
    SPECIAL_PROFILES,
)
from strides.demo.schools import SchoolDraws
from strides.pupils.upn import CHECK_ALPHABET, check_letter, make_upn

LOWEST_NC_YEAR = -2  # N1, the first year of a school nursery


def _academic_year_of(day: dt.date) -> int:
    """The start year of the academic year (1 September to 31 August) ``day`` falls in."""
    return day.year if day.month >= 9 else day.year - 1


class PupilDraws(SchoolDraws):
    def _upn(self, la: int, estab: int, allocated_year: int) -> str:
        rng = self.rng
        for _ in range(50):
            key = (la, estab, allocated_year % 100)
            serial = self.upn_serials.get(key, 0) + 1
            if serial <= 999:
                self.upn_serials[key] = serial
                return make_upn(la, estab, allocated_year, serial)
            estab = pick(rng, self.feeders.get(la) or [estab])
            la = pick(rng, sorted(self.feeders))
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
        return weighted(self.rng, shares)

    def _dob(self, chronological_year: int) -> dt.date:
        # born in the academic year that began 1 September (start year - NC year - 5)
        first = dt.date(self.year - chronological_year - 5, 9, 1)
        return first + dt.timedelta(days=self.rng.randrange(365))

    def _person(self, school: SchoolPlan, sex: str, ethnicity: str) -> dict[str, Any]:
        rng = self.rng
        forename_list, surname_list, _, _ = names.HERITAGE[ethnicity]
        forename = pick(rng, names.FORENAMES[forename_list][sex])
        surname = pick(rng, names.SURNAMES[surname_list])
        middle = ""
        if rng.random() < 0.4:
            middle = pick(rng, names.FORENAMES[forename_list][sex])
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
            primary = weighted(rng, needs)
            secondary = ""
            if rng.random() < 0.55:
                secondary = weighted(rng, {k: v for k, v in needs.items() if k != primary})
            return "E", primary, secondary
        if school.school_type == "ap":
            draw = rng.random()
            if draw < 0.16:
                return "E", weighted(rng, NEEDS_E_AP), ""
            if draw < 0.62:
                return "K", weighted(rng, NEEDS_K_AP), ""
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
        primary = weighted(rng, needs)
        secondary = ""
        if primary != "NSA" and rng.random() < 0.35:
            secondary = weighted(rng, {k: v for k, v in needs.items() if k not in (primary, "NSA")})
        return provision, primary, secondary

    def _characteristics(self, school: SchoolPlan, sex: str, nc_year: int, ethnicity: str) -> dict[str, Any]:
        rng = self.rng
        _, _, eal_chance, languages = names.HERITAGE[ethnicity]
        eal = rng.random() < eal_chance
        first_language = pick(rng, languages) if eal else ("ENB" if rng.random() < 0.01 else "ENG")
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
        """Turn current characteristics into a plausible history: one record per academic year
        back to the pupil's enrolment, each with the NC year the pupil was in then (one less
        each year back, never below N1), and, for some pupils, changes (FSM began during last
        year or this year, SEN support began this year, an EHCP was issued this year, FSM ended,
        a looked-after child was adopted)."""
        rng = self.rng
        years_back = self.year - _academic_year_of(pupil.enrolment_start)
        # A pupil is not on a school's roll before nursery (N1): a start earlier than that
        # begins on the first day of their N1 year.
        if years_back > current["nc_year"] - LOWEST_NC_YEAR:
            years_back = max(0, current["nc_year"] - LOWEST_NC_YEAR)
            pupil.enrolment_start = dt.date(self.year - years_back, 9, 1)
        start = pupil.enrolment_start
        if years_back <= 0:
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
        # the years before last: last year's record with the NC year of each year
        pupil.stages = [
            (max(start, dt.date(self.year - back, 9, 1)), dict(last, nc_year=current["nc_year"] - back))
            for back in range(years_back, 1, -1)
        ]
        pupil.stages.append((max(start, self.last_start), last))
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
                return pick(rng, self.last_year_half_terms)
            day = dt.date(entry_year, 9, 1) + dt.timedelta(days=rng.randint(30, 280))
            return monday_on_or_after(day)
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
            estab = pick(rng, self.feeders[la])
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
