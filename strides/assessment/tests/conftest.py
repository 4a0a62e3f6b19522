from __future__ import annotations

import datetime as dt

import pytest

from strides.assessment.services import create_drop
from strides.frameworks.models import Level, Subject
from strides.frameworks.services import ensure_common_scale


@pytest.fixture
def drop(cast):
    """Autumn drop of the cast's current year for north and river, reading/writing/maths."""
    ensure_common_scale(cast.trust)
    year = cast.year
    return create_drop(
        cast.analyst,
        cast.trust,
        year,
        name="Autumn",
        term="autumn",
        opens_on=year.starts_on + dt.timedelta(days=60),
        deadline=year.starts_on + dt.timedelta(days=110),
        schools=[cast.north, cast.river],
    )


@pytest.fixture
def subjects(db):
    return {s.code: s for s in Subject.objects.all()}


@pytest.fixture
def level(db):
    def get(code: str, framework: str = "nc-bands") -> Level:
        return Level.objects.get(framework__code=framework, framework__trust=None, code=code)

    return get


@pytest.fixture
def api():
    """``api(user)``: an API client calling as ``user`` with a new personal token."""
    from strides.testing.api import api_client

    return api_client
