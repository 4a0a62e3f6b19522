from __future__ import annotations

from urllib.parse import urlencode

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


ENROLLED_SESSION_KEY = "strides_2fa_enrolled"


def remember_enrolment(sender, request, user, **kwargs) -> None:
    """At sign-in, note whether the user has a confirmed device: anyone who has enrolled must
    verify, whatever their role or mode, and the middleware then needs no query per request."""
    from django_otp import devices_for_user

    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = any(True for _ in devices_for_user(user, confirmed=True))


class RequireTwoFactorMiddleware:
    """Send a signed-in user who must use two-factor, or who has enrolled in it, and has not
    verified this session, to set it up or verify."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")  # the API checks this itself (strides/api)
            and not user.is_verified()
        ):
            enrolled = request.session.get(ENROLLED_SESSION_KEY, False)
            if enrolled or needs_two_factor(user):
                target = "accounts:two_factor_verify" if enrolled else "accounts:two_factor_setup"
                if not enrolled:
                    from django_otp import devices_for_user

                    if any(True for _ in devices_for_user(user, confirmed=True)):
                        target = "accounts:two_factor_verify"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
