"""The framework choices a framework chooser reads (``strides.access.framework_readers``): one
school's, for the subjects asked, made by the day asked, oldest first."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.access.framework_readers import framework_choices_in_force
from strides.frameworks.models import Framework, Subject
from strides.frameworks.services import assign_framework

pytestmark = pytest.mark.django_db


def test_the_choices_in_force_are_the_schools_for_the_subjects_by_the_day(cast):
    reading, maths = Subject.objects.get(code="reading"), Subject.objects.get(code="maths")
    engagement = Framework.objects.get(code="engagement", trust=None)
    pre_key_stage = Framework.objects.get(code="pre-key-stage", trust=None)
    today = dt.date.today()
    early = assign_framework(
        cast.head, cast.north, reading, engagement, today - dt.timedelta(days=30), nc_year=3
    )
    late = assign_framework(cast.head, cast.north, reading, pre_key_stage, today, pupil=cast.ben)
    assign_framework(cast.head, cast.north, maths, engagement, today, nc_year=4)  # another subject
    assign_framework(cast.head, cast.north, reading, engagement, today + dt.timedelta(days=5))  # to come
    assign_framework(cast.river_head, cast.river, reading, engagement, today)  # another school

    rows = list(framework_choices_in_force(cast.north.pk, [reading], today))

    assert [r.pk for r in rows] == [early.pk, late.pk]
    assert rows[1].pupil_id == cast.ben.pk and rows[1].framework == pre_key_stage
