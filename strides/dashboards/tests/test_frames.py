from __future__ import annotations

import pytest

from strides.assessment.models import Judgement
from strides.pupils.models import CharacteristicsPeriod

pytestmark = pytest.mark.django_db


def test_the_history_fixture_holds_what_its_docstring_says(history):
    h = history
    assert Judgement.objects.count() == h.judgement_count == 194
    assert Judgement.objects.filter(drop=h.current_drop, school=h.north).count() == 14 * 3 - 1
    kai = CharacteristicsPeriod.objects.filter(pupil=h.kai).order_by("valid_from")
    assert [(p.nc_year, p.fsm_ever6) for p in kai] == [(2, False), (3, True)]
    maths = {
        j.pupil_id: j.point.value
        for j in Judgement.objects.filter(drop=h.current_drop, subject__code="maths").select_related("point")
    }
    assert maths[h.ola.pk] == 9 and maths[h.pip.pk] == 8 and maths[h.ava.pk] == 11
