"""Fixtures for the small-steps API tests (strides/steps/tests/test_api*.py), on top of the
``steps`` fixture of conftest.py: API clients, a record of Ava's, an engagement-model framework and
a threshold conversation about Ava, each made through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from strides.steps.models import Shape
from strides.steps.queries import current_term, term_window
from strides.steps.services.conversations import run_thresholds
from strides.steps.services.frameworks import create_framework
from strides.steps.services.recording import RecordInput, record_achievements
from strides.testing.api import api_client


@pytest.fixture
def api():
    """``api(user)``: an API client calling as ``user`` (a token; a parent's session)."""
    return api_client


@pytest.fixture
def ava_record(steps):
    """Ava's first record on C1.1 (developing), made by her teacher at Northfield."""
    c = steps.cast
    [record] = record_achievements(
        c.teacher, c.north, [RecordInput(c.ava, steps.statements["C1.1"], "D", expected_version=0)]
    )
    return record


@pytest.fixture
def engagement(cast):
    """The trust's engagement-model framework (five areas, no levels), shared with its schools."""
    framework = create_framework(
        cast.analyst, code="engagement", name="Engagement model", shape=Shape.ENGAGEMENT, trust=cast.trust
    )
    framework.shared = True
    framework.save()
    return framework


@pytest.fixture
def ava_conversation(steps):
    """A conversation this term's thresholds raise about Ava's communication: a "not yet" early in
    the term is no progress, below the default 2% of a step."""
    c = steps.cast
    term = current_term(c.year, dt.date.today())
    window = term_window(c.year, term)
    record_achievements(
        c.teacher,
        c.north,
        [RecordInput(c.ava, steps.statements["C1.1"], "0", expected_version=0)],
        assessed_on=window.starts + dt.timedelta(days=1),
    )
    run_thresholds(None, c.trust, c.year, term)
    from strides.steps.models import Conversation

    return Conversation.objects.get(pupil=c.ava, area=steps.communication)
