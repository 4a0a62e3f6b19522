"""The readers of judgement rows beyond ``visible_judgements`` (ADR 11): the revisions
(``visible_revisions``) and the rows withdrawn ones included (``visible_judgement_history``), by
who reads them: the school that made the judgement, the other school of a dual registration, a
trust role, a governor."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.access.judgements import visible_judgement_history, visible_judgements, visible_revisions
from strides.assessment.models import DropSchool, DropStatus
from strides.assessment.services import record_judgement, transition
from strides.assessment.services.withdrawals import withdraw_judgement
from strides.frameworks.models import Level, Subject
from strides.pupils import services as pupils
from strides.testing.cast import add_autumn_drop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(cast):
    """Ava, on north's roll and registered at river too; north judged her reading (two versions)
    and withdrew her maths, then its head submitted north's part of the drop."""
    year = cast.year
    drop = add_autumn_drop(cast, assessed_on=year.starts_on + dt.timedelta(days=100))
    pupils.enrol(cast.river_head, cast.ava, cast.river, year.starts_on)
    reading, maths = (Subject.objects.get(code=code, trust=None) for code in ("reading", "maths"))
    level = Level.objects.get(framework__code="nc-bands", framework__trust=None, code="Y3 WTS")
    better = Level.objects.get(framework__code="nc-bands", framework__trust=None, code="Y3 EXS")
    record_judgement(cast.head, cast.ava, reading, drop, cast.north, level, expected_version=0)
    judged = record_judgement(cast.head, cast.ava, reading, drop, cast.north, better, expected_version=1)
    wrong = record_judgement(cast.head, cast.ava, maths, drop, cast.north, level, expected_version=0)
    withdrawn = withdraw_judgement(cast.head, wrong, expected_version=1, reason="wrong pupil")
    transition(cast.head, DropSchool.objects.get(drop=drop, school=cast.north), DropStatus.SUBMITTED)
    return judged, withdrawn


def test_the_revisions_are_read_by_the_school_that_made_them_and_the_trust(cast, shared):
    judged, _ = shared
    for reader in (cast.head, cast.analyst):
        assert {r.version for r in visible_revisions(reader).filter(judgement=judged)} == {1, 2}
    # river reads north's released judgement as prior attainment, never its history
    assert visible_judgements(cast.river_head).filter(pk=judged.pk).exists()
    assert not visible_revisions(cast.river_head).filter(judgement=judged).exists()
    assert not visible_revisions(cast.governor).exists()  # no pupil by name, and no error


def test_withdrawn_rows_are_read_only_as_the_school_s_own(cast, shared):
    judged, withdrawn = shared
    assert not visible_judgements(cast.head).filter(pk=withdrawn.pk).exists()
    for reader in (cast.head, cast.analyst):
        assert {judged.pk, withdrawn.pk} <= set(
            visible_judgement_history(reader).values_list("pk", flat=True)
        )
    river = set(visible_judgement_history(cast.river_head).values_list("pk", flat=True))
    assert judged.pk in river and withdrawn.pk not in river
    assert not visible_judgement_history(cast.governor).exists()
