"""The role sets other modules use are derived from each role's reach, in one place (ADR 2)."""

from __future__ import annotations

from strides.accounts.roles import (
    CLASS_REACH_ROLES,
    CLASS_STAFF_ROLES,
    OFFICER_ROLES,
    PARENT_ROLES,
    PLACING_ROLES,
    ROLE_REACH,
    SCHOOL_AGGREGATE_ROLES,
    SCHOOL_STAFF_ROLES,
    TRUST_LEVEL_ROLES,
    Reach,
    Role,
    roles_with_reach,
)


def test_class_staff_are_a_schools_teaching_staff_and_never_a_governor():
    assert {
        Role.TEACHER,
        Role.TEACHING_ASSISTANT,
        Role.SENIOR_LEADER,
        Role.HEADTEACHER,
        Role.SENCO,
        Role.SUBJECT_LEADER,
    } == CLASS_STAFF_ROLES
    assert not CLASS_STAFF_ROLES & {Role.GOVERNOR, Role.PARENT, Role.PLACING_CONTACT}
    assert not CLASS_STAFF_ROLES & TRUST_LEVEL_ROLES


def test_home_page_sets_follow_reach():
    assert {Role.HEADTEACHER, Role.SENIOR_LEADER, Role.SENCO, Role.SUBJECT_LEADER} == SCHOOL_STAFF_ROLES
    assert {Role.TEACHER, Role.TEACHING_ASSISTANT} == CLASS_REACH_ROLES
    assert {Role.EAP, Role.REGIONAL_DIRECTOR} == OFFICER_ROLES
    assert {Role.GOVERNOR} == SCHOOL_AGGREGATE_ROLES
    assert {Role.PLACING_CONTACT} == PLACING_ROLES
    assert {Role.PARENT} == PARENT_ROLES


def test_every_role_has_a_reach_and_the_sets_do_not_overlap():
    assert set(ROLE_REACH) == set(Role.values)
    sets = [SCHOOL_STAFF_ROLES, CLASS_REACH_ROLES, OFFICER_ROLES, SCHOOL_AGGREGATE_ROLES, PLACING_ROLES]
    assert sum(len(s) for s in sets) == len(frozenset().union(*sets))
    assert roles_with_reach(Reach.TRUST) == {Role.TRUST_ADMIN, Role.TRUST_ANALYST}
    assert roles_with_reach() == frozenset()
