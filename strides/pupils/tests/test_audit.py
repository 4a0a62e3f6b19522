"""Audit entries about pupils name the school they belong to, so the audit search's school
filter finds them; linking a parent records the parent role it grants."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.access.readers import visible_audit_entries
from strides.accounts import services as accounts
from strides.accounts.models import Membership
from strides.accounts.roles import Role
from strides.audit.models import AuditEntry
from strides.audit.queries import search_audit
from strides.pupils import services as pupils
from strides.testing.cast import add_mover

pytestmark = pytest.mark.django_db


def latest_for(pupil) -> AuditEntry:
    return AuditEntry.objects.filter(object_type="pupils.Pupil", object_id=str(pupil.pk)).latest("id")


def test_detail_and_characteristics_changes_are_filed_under_the_pupils_school(cast):
    pupils.update_pupil_details(cast.head, cast.ava, middle_names="Jo")
    details = latest_for(cast.ava)
    assert details.school_id == cast.north.pk
    pupils.change_characteristics(cast.head, cast.ava, {"fsm": False})
    change = latest_for(cast.ava)
    assert change.school_id == cast.north.pk and change.pk != details.pk
    log = visible_audit_entries(cast.admin)
    found = set(
        search_audit(log, school_id=cast.north.pk, object_type="pupils.Pupil").values_list("pk", flat=True)
    )
    assert {details.pk, change.pk} <= found
    assert not search_audit(log, school_id=cast.river.pk).filter(pk__in=[details.pk, change.pk]).exists()


def test_a_mover_is_filed_under_the_school_they_are_at_now(cast):
    add_mover(cast)
    pupils.change_characteristics(cast.river_head, cast.mia, {"fsm": False})
    assert latest_for(cast.mia).school_id == cast.river.pk


def test_a_pupil_on_no_roll_is_filed_under_their_last_school(cast):
    pupils.update_pupil_details(None, cast.eli, middle_names="Lee")  # placement at bridge ended
    assert latest_for(cast.eli).school_id == cast.bridge.pk


def test_a_dual_registered_pupil_is_filed_under_the_main_school(cast):
    pupils.enrol(None, cast.ava, cast.bridge, cast.year.starts_on - dt.timedelta(days=1), registration="S")
    pupils.update_pupil_details(None, cast.ava, middle_names="Jo")
    assert latest_for(cast.ava).school_id == cast.north.pk


def test_linking_a_parent_records_the_parent_role_once(cast):
    carer = accounts.create_user(None, "carer", password=cast.password, validate=False)
    accounts.link_parent(cast.admin, carer, cast.ava, cast.trust, "father")
    membership = Membership.objects.get(user=carer, role=Role.PARENT)
    entry = AuditEntry.objects.get(object_type="accounts.Membership", object_id=str(membership.pk))
    assert (entry.action, entry.actor, entry.reason) == ("create", cast.admin, "role granted")
    assert entry.after == {"user": "carer", "role": Role.PARENT, "school": None}
    accounts.link_parent(cast.admin, carer, cast.ben, cast.trust, "father")  # a second child
    assert (
        AuditEntry.objects.filter(object_type="accounts.Membership", object_id=str(membership.pk)).count()
        == 1
    )
    assert AuditEntry.objects.filter(object_type="accounts.ParentLink", actor=cast.admin).count() == 2
