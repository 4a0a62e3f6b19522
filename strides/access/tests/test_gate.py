from __future__ import annotations

import pytest

from strides.access.gate import can, visible_classes, visible_pupils, visible_schools
from strides.accounts.roles import Capability

pytestmark = pytest.mark.django_db


def names(queryset) -> set[str]:
    return {p.legal_forename for p in queryset}


def test_trust_roles_see_every_trust_pupil_but_not_outside(cast):
    assert names(visible_pupils(cast.admin)) == {"Ava", "Ben", "Cara", "Fay", "Dev", "Eli"}
    assert names(visible_pupils(cast.analyst)) == {"Ava", "Ben", "Cara", "Fay", "Dev", "Eli"}
    assert cast.hillside not in visible_schools(cast.admin)


def test_eap_sees_only_assigned_schools(cast):
    assert names(visible_pupils(cast.eap)) == {"Ava", "Ben"}
    assert set(visible_schools(cast.eap)) == {cast.north}


def test_school_staff_see_their_school(cast):
    for user in (cast.head, cast.senior, cast.senco, cast.subject_leader):
        assert names(visible_pupils(user)) == {"Ava", "Ben"}


def test_teacher_and_ta_see_only_own_classes(cast):
    assert names(visible_pupils(cast.teacher)) == {"Ava"}
    assert names(visible_pupils(cast.ta)) == {"Ava"}
    assert set(visible_classes(cast.teacher)) == {cast.class_3t}
    assert names(visible_pupils(cast.other_teacher)) == {"Cara"}


def test_aggregate_roles_never_see_named_pupils(cast):
    assert names(visible_pupils(cast.governor)) == set()
    assert names(visible_pupils(cast.director)) == set()
    assert set(visible_schools(cast.governor)) == {cast.north}
    assert set(visible_schools(cast.director)) == {cast.north, cast.river, cast.oak, cast.bridge}


def test_placing_contact_sees_placed_pupils_only_while_placed(cast):
    assert names(visible_pupils(cast.placing)) == {"Dev"}


def test_parent_sees_only_own_child(cast):
    assert names(visible_pupils(cast.parent)) == {"Ava"}


def test_capabilities_are_per_school(cast):
    assert can(cast.head, Capability.MANAGE_USERS, cast.north)
    assert not can(cast.head, Capability.MANAGE_USERS, cast.river)
    assert can(cast.admin, Capability.MANAGE_SCHOOLS, cast.river)
    assert not can(cast.admin, Capability.MANAGE_SCHOOLS, cast.hillside)
    assert not can(cast.teacher, Capability.EDIT_PUPILS)
    assert not can(cast.eap, Capability.VIEW_PUPILS, cast.river)
    assert can(cast.eap, Capability.VIEW_PUPILS, cast.north)
