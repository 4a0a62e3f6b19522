from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from strides.access.gate import scope_for
from strides.accounts.roles import STAFF_PUPIL_ROLES


def needs_two_factor(user) -> bool:
    """Staff who can see named pupils must use two-factor where the settings require it."""
    if not settings.STRIDES_REQUIRE_2FA or not user.is_authenticated:
        return False
    return bool(scope_for(user).roles & STAFF_PUPIL_ROLES) or user.is_superuser


class RequireTwoFactorMiddleware:
    """Send a signed-in user who must use two-factor, and has not yet, to set it up or verify."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")  # API uses tokens created after 2FA sign-in
            and needs_two_factor(user)
            and not user.is_verified()
        ):
            from django_otp import devices_for_user

            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
