from __future__ import annotations

import pytest

from strides.frameworks.models import Level, Subject
from strides.testing.cast import add_autumn_drop


@pytest.fixture
def drop(cast):
    """Autumn drop of the cast's current year for north and river, every subject."""
    return add_autumn_drop(cast)


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
