"""The demo's set-based writers write exactly the rows the services write.

The small demo trust with its history is built twice on the same database, once through the
services (``bulk=False``) and once the fast way, each in a savepoint rolled back afterwards; every
row of every table the demo writes must be the same, ids and audit entries included. Only what
is drawn afresh each time differs: the moments of writing (``at`` and ``*_at`` columns and keys),
the passwords' salts (the demo password must still check) and the frameworks' configuration
token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.db import connection, transaction

from strides.demo.builder import DEMO_PASSWORD, build
from strides.demo.generator import generate
from strides.demo.history import write_history
from strides.demo.history_plan import prepare
from strides.organisations.models import AcademicYear

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="compares ids, and PostgreSQL's sequences do not roll back between the two builds",
    ),
]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.endswith("_at") and k != "date_joined"}
    return value


def _unusable(model: str, row: dict[str, Any]) -> dict[str, Any]:
    if model == "frameworks.ConfigurationStamp":
        row.pop("token")  # random: a new one each time the frameworks change
    if model == "accounts.User":
        # a random salt (or, unusable, a random text after "!"): the same password is what counts
        row["password"] = check_password(DEMO_PASSWORD, row["password"]) or row["password"][:1]
    return row


def _tables() -> dict[str, list[dict[str, Any]]]:
    found = {}
    for model in apps.get_models():
        if not model.__module__.startswith("strides.") or not model._meta.managed or model._meta.proxy:
            continue
        times = {f.attname for f in model._meta.concrete_fields if f.attname.endswith("_at")}
        times |= {"at", "date_joined"}
        rows = [
            _unusable(model._meta.label, {k: _plain(v) for k, v in row.items() if k not in times})
            for row in model._base_manager.order_by("pk").values()
        ]
        found[model._meta.label] = rows
    return found


def _demo(bulk: bool) -> dict[str, list[dict[str, Any]]]:
    start_year = AcademicYear.start_year_for(dt.date.today())
    today = dt.date(start_year + 1, 2, 10)  # spring: a current drop part-complete
    plan = prepare(generate(1, "small", start_year))
    with transaction.atomic():
        build(plan, bulk=bulk)
        write_history(plan, today, bulk=bulk)
        tables = _tables()
        transaction.set_rollback(True)
    return tables


def test_the_fast_demo_writes_the_rows_the_services_write():
    slow = _demo(bulk=False)
    fast = _demo(bulk=True)
    assert slow.keys() == fast.keys()
    assert sum(len(rows) for rows in slow.values()) > 10_000
    differ = {
        label: next(
            (pair for pair in zip(fast[label], slow[label], strict=False) if pair[0] != pair[1]), None
        )
        for label in slow
        if fast[label] != slow[label]
    }
    assert not differ, {label: (len(fast[label]), len(slow[label]), pair) for label, pair in differ.items()}
