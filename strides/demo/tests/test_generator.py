"""The demo plan: deterministic for a seed, the right size for each scale, valid identifiers."""

from __future__ import annotations

from collections import Counter

import pytest

from strides.demo.generator import DEMO_USERNAMES, SPECIAL_NEEDS, generate
from strides.pupils.upn import is_valid, valid_la_code

START_YEAR = 2026


def pupil_facts(plan) -> list[tuple]:
    return [
        (
            p.school,
            p.upn,
            p.legal_forename,
            p.middle_names,
            p.legal_surname,
            p.preferred_forename,
            p.date_of_birth,
            p.sex,
            p.former_upns,
            p.enrolment_start,
            tuple((day, tuple(sorted(values.items()))) for day, values in p.stages),
        )
        for p in plan.pupils
    ]


def test_the_same_seed_gives_the_same_trust():
    first, second = generate(3, "trust", START_YEAR), generate(3, "trust", START_YEAR)
    assert pupil_facts(first) == pupil_facts(second)
    assert [(s.name, s.urn, s.la_code, s.establishment_number) for s in first.schools] == [
        (s.name, s.urn, s.la_code, s.establishment_number) for s in second.schools
    ]
    assert [(s.username, s.first_name, s.last_name, s.role) for s in first.staff] == [
        (s.username, s.first_name, s.last_name, s.role) for s in second.staff
    ]
    assert [(c.name, c.pupils, c.teachers) for c in first.classes] == [
        (c.name, c.pupils, c.teachers) for c in second.classes
    ]


def test_a_different_seed_gives_a_different_trust():
    first, other = generate(1, "small", START_YEAR), generate(2, "small", START_YEAR)
    assert [p.upn for p in first.pupils] != [p.upn for p in other.pupils]
    assert [p.legal_forename for p in first.pupils] != [p.legal_forename for p in other.pupils]
    assert [s.name for s in first.schools] != [s.name for s in other.schools]


def test_the_start_year_only_moves_the_dates():
    this_year, next_year = generate(5, "small", START_YEAR), generate(5, "small", START_YEAR + 1)
    assert [p.legal_forename for p in this_year.pupils] == [p.legal_forename for p in next_year.pupils]
    assert all(
        b.date_of_birth.year - a.date_of_birth.year == 1
        for a, b in zip(this_year.pupils, next_year.pupils, strict=True)
    )


@pytest.mark.parametrize(
    ("scale", "schools", "low", "high"),
    [("small", 4, 550, 650), ("trust", 25, 7200, 8800), ("large", 100, 36000, 44000)],
)
def test_each_scale_has_about_the_size_asked_for(scale, schools, low, high):
    plan = generate(1, scale, START_YEAR)
    trust_schools = [s for s in plan.schools if s.in_trust]
    assert len(trust_schools) == schools
    assert low <= len(plan.pupils) <= high
    types = Counter(s.school_type for s in trust_schools)
    assert types["primary"] >= 1 and types["secondary"] >= 1 and types["ap"] >= 1
    assert types["special"] >= (2 if scale != "small" else 1)
    assert any(not s.in_trust for s in plan.schools), "AP pupils need placing schools outside the trust"


@pytest.mark.parametrize("scale", ["small", "trust", "large"])
def test_identifiers_are_valid_and_unique(scale):
    plan = generate(2, scale, START_YEAR)
    upns = [p.upn for p in plan.pupils]
    assert len(set(upns)) == len(upns)
    assert all(is_valid(upn) for upn in upns)
    formers = [u for p in plan.pupils for u in p.former_upns]
    assert formers and all(is_valid(u) for u in formers)
    assert not set(formers) & set(upns)
    urns = [s.urn for s in plan.schools]
    assert len(set(urns)) == len(urns) and all(len(u) == 6 and u.isdigit() for u in urns)
    assert all(valid_la_code(int(s.la_code)) for s in plan.schools)
    laestabs = [(s.la_code, s.establishment_number) for s in plan.schools]
    assert len(set(laestabs)) == len(laestabs)
    usernames = [s.username for s in plan.staff]
    assert len(set(usernames)) == len(usernames)
    assert sorted(s.username for s in plan.logins) == sorted(DEMO_USERNAMES)


def test_special_school_pupils_have_plans_and_needs_that_fit():
    plan = generate(4, "trust", START_YEAR)
    special = {s.key for s in plan.schools if s.school_type == "special"}
    pupils = [p for p in plan.pupils if p.school in special]
    assert pupils
    for pupil in pupils:
        current = pupil.current
        assert current["sen_provision"] == "E"
        assert current["primary_need"] in SPECIAL_NEEDS
        assert current["secondary_need"] in ("", *SPECIAL_NEEDS)
    below = [p for p in pupils if p.current["nc_year"] < p.chronological_year]
    assert 0.1 < len(below) / len(pupils) < 0.5, "some pupils are taught below their year group"
