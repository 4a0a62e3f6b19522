from django.conf import settings

from strides.access.gate import scope_for


def strides(request):
    user = getattr(request, "user", None)
    scope = scope_for(user) if user is not None and user.is_authenticated else None
    return {
        "demo_mode": settings.STRIDES_DEMO_BANNER,
        "two_factor_required": settings.STRIDES_REQUIRE_2FA,
        "scope": scope,
    }
