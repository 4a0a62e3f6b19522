"""Fail closed (ADR 12): no module outside the gate and the services reads pupil data directly.

``strides/access/pupil_data.py`` works out which models hold pupil data from the app registry and
finds, in the source, every ``Model.objects`` / ``_default_manager`` / ``.history`` of one of them
(and ``apps.get_model`` naming one) outside the gate, the services, migrations, tests and the demo
writer: there must be none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from strides.access import pupil_data
from strides.access.pupil_data import (
    ALSO_PUPIL_DATA,
    INSTEAD,
    NOT_PUPIL_DATA,
    direct_reads,
    holds_pupil_data,
    may_read_directly,
    pupil_data_models,
    reads_in,
)

ROOT = Path(__file__).resolve().parents[3]


def test_no_module_reads_pupil_data_around_the_gate():
    found = [str(read) for read in direct_reads(ROOT)]
    assert not found, (
        "Pupil data read without the scoping gate (ADR 12). Read through strides/access/ "
        "(visible_pupils, visible_enrolments, visible_classes, strides.access.readers, "
        "strides.access.judgements; strides.access.aggregates for counts only) or move the read "
        "into a service:\n  " + "\n  ".join(found)
    )


def test_the_pupil_data_models_come_from_the_registry():
    labels = set(pupil_data_models())
    assert {
        "pupils.Pupil",
        "pupils.Enrolment",
        "pupils.CharacteristicsPeriod",
        "pupils.FormerUpn",
        "pupils.StagedSenChange",
        "classes.TeachingGroup",
        "classes.GroupMembership",
        "accounts.ParentLink",
        "frameworks.FrameworkAssignment",
        "assessment.Judgement",
        "assessment.JudgementRevision",
        "imports.ImportBatch",  # an uploaded file: no foreign key to a pupil, pupils in its rows
        "assessment.DropImportBatch",
        "audit.AuditEntry",
    } <= labels
    for not_personal in ("organisations.School", "frameworks.Level", "assessment.DataDrop", "accounts.User"):
        assert not_personal not in labels
    assert "dashboards.ExternalBenchmark" not in labels


def test_every_listed_model_exists_and_says_why():
    installed = {model._meta.label for model in apps.get_models()}
    for listing in (ALSO_PUPIL_DATA, NOT_PUPIL_DATA):
        for label, reason in listing.items():
            assert label in installed, f"{label} is listed in strides/access/pupil_data.py but not installed"
            assert len(reason) > 20, f"{label}: say why"
    assert set(INSTEAD) <= set(pupil_data_models()), "INSTEAD names a model that is not pupil data"


@isolate_apps("strides.access")
def test_a_new_apps_model_is_covered_without_listing_it():
    from strides.pupils.models import Pupil

    class EvidencePhoto(models.Model):
        pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE)

    class PhotoComment(models.Model):  # two steps from a pupil
        photo = models.ForeignKey(EvidencePhoto, on_delete=models.CASCADE)

    class Scan(models.Model):  # an uploaded file: whatever it holds
        image = models.FileField()

    class Colour(models.Model):
        name = models.CharField(max_length=10)

    assert holds_pupil_data(EvidencePhoto)
    assert holds_pupil_data(PhotoComment)
    assert holds_pupil_data(Scan)
    assert not holds_pupil_data(Colour)


# --- the reader of the source -------------------------------------------------------------------


def reads(source: str, path: str = "strides/somewhere/views.py") -> list[tuple[int, str, str]]:
    return [(read.line, read.label, read.how) for read in reads_in(path, source)]


def test_reads_are_found_however_the_model_was_imported():
    source = """
from strides.pupils.models import Pupil as P
import strides.pupils.models as pm
import strides.classes.models
from strides.assessment import models
from ..pupils.models import Enrolment

def f():
    from strides.accounts.models import ParentLink
    P.objects.filter(upn="x")
    pm.CharacteristicsPeriod._default_manager.all()
    strides.classes.models.GroupMembership.objects.count()
    models.Judgement.history.all()
    Enrolment._base_manager.all()
    ParentLink.objects.all()
"""
    assert reads(source, "strides/web/views.py") == [
        (10, "pupils.Pupil", "P.objects"),
        (11, "pupils.CharacteristicsPeriod", "pm.CharacteristicsPeriod._default_manager"),
        (12, "classes.GroupMembership", "strides.classes.models.GroupMembership.objects"),
        (13, "assessment.Judgement", "models.Judgement.history"),
        (14, "pupils.Enrolment", "Enrolment._base_manager"),
        (15, "accounts.ParentLink", "ParentLink.objects"),
    ]


def test_get_model_naming_pupil_data_is_a_read():
    source = """
from django.apps import apps
apps.get_model("pupils", "Pupil")
apps.get_model("pupils.enrolment")
apps.get_model("organisations", "School")
"""
    found = reads(source)
    assert [(line, label) for line, label, _ in found] == [(3, "pupils.Pupil"), (4, "pupils.Enrolment")]


def test_what_is_not_a_read():
    source = """
from strides.pupils.models import Pupil
from strides.organisations.models import School

School.objects.all()
Pupil.objects.none()
Pupil.DoesNotExist
Pupil._meta.label
pupil.enrolments.all()
"""
    assert reads(source) == []


def test_a_models_module_reading_its_own_model_is_found():
    source = """
class Pupil:
    def siblings(self):
        return Pupil.objects.filter(pk__in=[])
"""
    assert reads(source, "strides/pupils/models.py") == [(4, "pupils.Pupil", "Pupil.objects")]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("strides/access/gate.py", True),
        ("strides/pupils/services.py", True),
        ("strides/assessment/services/judgements.py", True),
        ("strides/pupils/migrations/0002_x.py", True),
        ("strides/pupils/tests/test_x.py", True),
        ("strides/testing/cast.py", True),
        ("strides/demo/builder.py", True),
        ("strides/pupils/queries.py", False),
        ("strides/web/views.py", False),
        ("strides/imports/tasks.py", False),
        ("strides/web/management/commands/backup.py", False),
        ("strides/pupils/services_helpers.py", False),
    ],
)
def test_where_rows_may_be_read_as_they_are(path, allowed):
    assert may_read_directly(path) is allowed


def test_the_failure_says_where_what_and_instead():
    [read] = reads_in(
        "strides/web/views.py", "from strides.pupils.models import Enrolment\nEnrolment.objects\n"
    )
    assert str(read) == (
        "strides/web/views.py:2: Enrolment.objects reads pupils.Enrolment directly; "
        "use strides.access.gate.visible_enrolments(user)"
    )
    assert pupil_data.instead_of("newapp.Thing") == pupil_data.DEFAULT_INSTEAD
