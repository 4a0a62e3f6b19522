"""The class services own their rules: a class name is unique in its school and year, whoever
asks (the management pages, the API), and a race for a name is the same refusal, not a 500."""

from __future__ import annotations

import pytest

from strides.audit.models import AuditEntry
from strides.classes import services
from strides.classes.models import TeachingGroup
from strides.classes.services import ClassError

pytestmark = pytest.mark.django_db


def test_create_refuses_a_taken_name_whatever_its_case(cast):
    with pytest.raises(ClassError, match="already has a class called '3t'") as refused:
        services.create_group(None, cast.north, cast.year, " 3t ")
    assert refused.value.field == "name"
    assert TeachingGroup.objects.filter(school=cast.north).count() == 2


def test_another_school_may_use_the_same_name(cast):
    group = services.create_group(None, cast.river, cast.year, "3T")
    assert group.school == cast.river


def test_create_refuses_an_empty_name(cast):
    with pytest.raises(ClassError, match="needs a name"):
        services.create_group(None, cast.north, cast.year, "   ")


def audit_count() -> int:
    return AuditEntry.objects.filter(object_type="classes.TeachingGroup").count()


def test_update_refuses_a_name_another_class_has(cast):
    entries = audit_count()
    with pytest.raises(ClassError, match="already has a class called '3T'") as refused:
        services.update_group(None, cast.class_3b, name="3T")
    assert refused.value.field == "name"
    cast.class_3b.refresh_from_db()
    assert cast.class_3b.name == "3B"
    assert audit_count() == entries


def test_update_may_change_the_case_of_its_own_name(cast):
    services.update_group(None, cast.class_3t, name=" 3t ")
    cast.class_3t.refresh_from_db()
    assert cast.class_3t.name == "3t"


def test_update_refuses_an_empty_name_and_unknown_fields(cast):
    with pytest.raises(ClassError, match="needs a name"):
        services.update_group(None, cast.class_3t, name="")
    with pytest.raises(ClassError, match="school cannot be changed here"):
        services.update_group(None, cast.class_3t, school=cast.river)


def test_a_race_for_a_name_is_the_same_refusal(cast, monkeypatch):
    """Both requests pass the check before either saves: the database's unique constraint refuses
    the second, and the service says so in the same words instead of raising IntegrityError."""
    monkeypatch.setattr(services, "_clean_name", lambda school, year, name, exclude_pk=None: name)
    entries = audit_count()
    with pytest.raises(ClassError, match="already has a class called '3T'"):
        services.create_group(None, cast.north, cast.year, "3T")
    with pytest.raises(ClassError, match="already has a class called '3T'"):
        services.update_group(None, cast.class_3b, name="3T")
    # The savepoint kept the surrounding transaction usable.
    assert TeachingGroup.objects.filter(school=cast.north).count() == 2
    assert audit_count() == entries
