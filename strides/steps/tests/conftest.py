"""A small linear framework and Fay (Oakwood Special) and Ava (Northfield) following it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from strides.steps.models import Shape
from strides.steps.services.frameworks import StatementRow, build_structure, create_framework
from strides.steps.services.recording import assign_framework


def linear_rows() -> list[StatementRow]:
    rows = []
    n = 0
    for area in ("communication", "number"):
        for step in (1, 2):
            for i in range(1, 5):
                n += 1
                code = f"{area[0].upper()}{step}.{i}"
                rows.append(
                    StatementRow(
                        row=n + 1,
                        area=area,
                        step=step,
                        step_name=f"Step {step}",
                        code=code,
                        text=f"{area} step {step} statement {i}",
                        key=i == 4,
                    )
                )
    return rows


@pytest.fixture(autouse=True)
def forget_kept_terms():
    """The trust's term is kept per process under a stamp of its records' ids: a test database
    rolled back reuses the ids, so each test starts with nothing kept."""
    from strides.steps.analysis import forget

    forget()
    yield
    forget()


@pytest.fixture
def steps(cast):
    s = SimpleNamespace(cast=cast)
    s.framework = create_framework(
        cast.analyst, code="trust-steps", name="Trust small steps", shape=Shape.LINEAR, trust=cast.trust
    )
    build_structure(cast.analyst, s.framework, linear_rows())
    s.framework.shared = True
    s.framework.save()
    s.communication = s.framework.areas.get(code="communication")
    s.number = s.framework.areas.get(code="number")
    s.statements = {st.code: st for st in s.communication.statements.all() | s.number.statements.all()}
    s.start = cast.year.starts_on
    assign_framework(cast.head, cast.north, cast.ava, s.framework, s.start)
    assign_framework(cast.head, cast.north, cast.ben, s.framework, s.start)
    return s


@pytest.fixture
def today():
    return dt.date.today()
