"""Fixtures shared by every app's tests. See strides/testing/cast.py for who is who."""

from __future__ import annotations

import os

os.environ.setdefault("STRIDES_MODE", "test")

import pytest


@pytest.fixture
def cast(db):
    from strides.testing.cast import build_cast

    return build_cast()


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client signed in as ``user``."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
