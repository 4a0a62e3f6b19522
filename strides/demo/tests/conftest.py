"""The small demo trust, built once per test module and rolled back at its end.

Each test still runs in its own savepoint (the ``db`` fixture), so a test may write, flush or
rebuild freely: the next test sees the demo exactly as it was built.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction

from strides.demo.builder import build
from strides.demo.generator import generate
from strides.organisations.models import AcademicYear


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    plan = generate(1, "small", AcademicYear.start_year_for(dt.date.today()))
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = build(plan)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield SimpleNamespace(plan=plan, summary=summary, trust=summary.trust)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(small_demo, db):
    return small_demo
