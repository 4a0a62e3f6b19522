"""An API client calling as one member of the cast, the way that person can.

Staff call with a personal token (``Authorization: Bearer …``), as a reporting tool would. Parents
and placing-school contacts may make no token (``USE_API_TOKENS``), so their client is their
signed-in session, which the API also accepts: what they may read through it is what the gate
shows them on the pages.
"""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from strides.access.gate import can
from strides.accounts.roles import Capability


def api_client(user: Any, name: str = "tests", **headers: str) -> APIClient:
    from strides.accounts.services import create_api_token

    client = APIClient()
    if can(user, Capability.USE_API_TOKENS):
        _, secret = create_api_token(None, user, name)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)
    else:
        client.force_login(user)
        if headers:
            client.credentials(**headers)
    return client
