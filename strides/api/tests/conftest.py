"""Fixtures for the API tests: clients that call the API as one of the cast (see
strides/testing/cast.py), with a real personal token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from strides.accounts.services import create_api_token


@pytest.fixture
def api():
    """``api(user)``: a client sending ``Authorization: Bearer <a new token of user>``."""

    def client_for(user) -> APIClient:
        _, secret = create_api_token(None, user, "tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return client_for


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def names(response) -> set[str]:
    return {row["legal_forename"] for row in response.json()["results"]}
