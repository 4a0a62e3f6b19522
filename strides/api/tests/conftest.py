"""Fixtures for the API tests: clients that call the API as one of the cast (see
strides/testing/cast.py), with a real personal token."""

from __future__ import annotations

import pytest

from strides.testing.api import api_client


@pytest.fixture
def api():
    """``api(user)``: a client sending ``Authorization: Bearer <a new token of user>`` (a parent's or
    placing contact's: their session, as they may make no token)."""

    return api_client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def names(response) -> set[str]:
    return {row["legal_forename"] for row in response.json()["results"]}
