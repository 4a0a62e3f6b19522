"""Shared helpers for the account tests: real sign-ins and real TOTP codes."""

from __future__ import annotations

from django.urls import reverse
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN = "/accounts/login/"


def sign_in(client, user, password: str, next_url: str = ""):
    """Sign in through the real login form (so axes and the login view both run)."""
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now: the current time step, or the next one if the current step
    has already been used (a TOTP code works only once, and the device allows one step of drift)."""
    device.refresh_from_db()
    now_step = TOTP(device.bin_key, device.step, device.t0, device.digits).t()
    step = max(now_step, device.last_t + 1)
    token = totp(device.bin_key, device.step, device.t0, device.digits, drift=step - now_step)
    return f"{token:0{device.digits}d}"


def enrol(client, user) -> list[str]:
    """Enrol ``user`` (already signed in on ``client``) in two-factor; returns the backup codes."""
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 200, response.status_code
    return list(response.context["codes"])
