"""What a process keeps of a trust's configuration (strides/frameworks/configuration.py): the
stamp changes with any change to the tables it is built from, by any path, so nothing kept is
ever used after a change."""

from __future__ import annotations

import pytest
from django.db import connection

from strides.frameworks import configuration
from strides.frameworks.models import Framework, FrameworkAssignment, Level, Subject
from strides.frameworks.services import assign_framework


@pytest.fixture
def subjects(db):
    return {s.code: s for s in Subject.objects.all()}


def test_every_configuration_table_has_its_triggers(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_stamp_%'"
            )
        else:
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE '%_stamp'"
            )
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == set(configuration.FRAMEWORK_TABLES) | set(configuration.ASSESSMENT_TABLES)


def test_the_stamp_changes_with_a_service_a_bulk_write_a_queryset_update_and_a_delete(cast, subjects):
    stamps = [configuration.current_stamp()]
    framework = Framework.objects.get(code="pre-key-stage", trust=None)
    assign_framework(cast.head, cast.north, subjects["maths"], framework, cast.year.starts_on)
    stamps.append(configuration.current_stamp())
    Level.objects.bulk_create([Level(framework=framework, code="PK99", label="Invented", order=99)])
    stamps.append(configuration.current_stamp())
    Level.objects.filter(code="PK99").update(label="Renamed")
    stamps.append(configuration.current_stamp())
    FrameworkAssignment.objects.filter(school=cast.north).delete()
    stamps.append(configuration.current_stamp())
    assert None not in stamps[1:]
    assert len(set(stamps)) == len(stamps)


def test_a_change_to_nothing_configured_leaves_the_stamp(cast):
    before = configuration.current_stamp()
    cast.ava.preferred_forename = "Avie"
    cast.ava.save()
    assert configuration.current_stamp() == before


def test_what_is_kept_is_built_once_per_stamp(db):
    built = []

    def build():
        built.append(1)
        return len(built)

    assert configuration.stamped("a", ("thing",), build) == 1
    assert configuration.stamped("a", ("thing",), build) == 1
    assert configuration.stamped("b", ("thing",), build) == 2  # the configuration changed
    assert configuration.stamped(None, ("thing",), build) == 3  # no stamp: never kept
    assert configuration.stamped(None, ("thing",), build) == 4


def test_a_migrated_database_has_a_stamp_at_once(db):
    assert configuration.current_stamp() is not None
