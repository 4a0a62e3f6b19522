"""Sign-in, two-factor enrolment and verification, and a user's own API tokens.

Lockout: django-axes counts failed sign-ins; its backend needs the request, which Django's
LoginView passes to ``authenticate`` through AuthenticationForm. Two-factor: the middleware
(``strides.accounts.middleware``) sends staff who must use it here; pages under /accounts/ are
open to an unverified session, so the token and reset pages check verification themselves.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from strides.access.gate import can, get_or_404
from strides.access.rules import PUBLIC, SIGNED_IN, AccessRule, access_rule
from strides.accounts import security, services
from strides.accounts.forms import ApiTokenForm, TotpCodeForm, VerifyCodeForm
from strides.accounts.middleware import needs_two_factor
from strides.accounts.models import ApiToken
from strides.accounts.roles import Capability


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` the user came from, if it is a path on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("web:home")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def unverified_redirect(request: HttpRequest, next_url: str = "") -> HttpResponse | None:
    """Where to send a user who must use two-factor, or has enrolled, but has not verified in this
    session (None when they may carry on)."""
    user = request.user
    if user.is_verified() or not (needs_two_factor(user) or user_has_device(user)):
        return None
    target = "accounts:two_factor_verify" if user_has_device(user) else "accounts:two_factor_setup"
    return redirect(_with_next(target, next_url or request.get_full_path()))


# --- sign-in --------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    access = PUBLIC
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["session_hours"] = round(settings.SESSION_COOKIE_AGE / 3600, 1)
        return context

    def get_success_url(self) -> str:
        url = super().get_success_url()
        # Anyone who has enrolled is asked for a code, whether or not their role requires it.
        if user_has_device(self.request.user):
            return _with_next("accounts:two_factor_verify", url)
        return url


class LogoutView(auth_views.LogoutView):
    access = PUBLIC


# --- two-factor -----------------------------------------------------------------------------


@access_rule(SIGNED_IN)
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, confirmed with a code; then backup codes."""
    user = request.user
    next_url = safe_next(request)
    if security.is_enrolled(user):
        messages.info(request, "Two-factor sign-in is already set up. Reset it here to move to a new phone.")
        return redirect("accounts:two_factor")
    device = security.pending_app_device(user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if throttled := _throttled_message(device):
            form.add_error("code", throttled)
        elif (codes := security.confirm_app_device(user, device, code)) is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            return _backup_codes_page(request, codes, next_url, enrolled=True)
        else:
            form.add_error("code", _wrong_code_message(code))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": security.qr_code_data_uri(device),
            "secret": security.secret_for_display(device),
            "next": next_url,
            "required": needs_two_factor(user),
        },
    )


def _throttled_message(device: TOTPDevice | StaticDevice) -> str | None:
    """After wrong codes django-otp makes the user wait (1, 2, 4… seconds); say so, and how long."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    wait = max(1, int((locked_until - timezone.now()).total_seconds())) if locked_until else 30
    seconds = f"{wait} second{'s' if wait != 1 else ''}"
    return f"Too many wrong codes. Wait {seconds}, then enter the code showing now."


def _wrong_code_message(code: str) -> str:
    return f"The code {code} is not right. Check your app and enter the code showing now."


def _backup_codes_page(
    request: HttpRequest, codes: list[str], next_url: str, *, enrolled: bool
) -> HttpResponse:
    # Rendered straight from the POST rather than redirected to, so the codes are never stored
    # anywhere but in the user's hands (the database keeps them as the otp_static tokens).
    response = render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": codes, "next": next_url, "enrolled": enrolled},
    )
    response["Cache-Control"] = "no-store"
    return response


@access_rule(SIGNED_IN)
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the app, or a one-time backup code."""
    user = request.user
    next_url = safe_next(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    app_device = security.confirmed_app_device(user)
    if app_device is None:
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        device = security.backup_device(user) if form.is_backup_code else app_device
        throttled = device is not None and _throttled_message(device)
        verified = (
            device is not None and not throttled and django_otp.verify_token(user, device.persistent_id, code)
        )
        if verified:
            django_otp.login(request, verified)
            request.session.cycle_key()
            if form.is_backup_code:
                left = security.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. "
                    "Make new ones on your two-factor page if you run low.",
                )
            return HttpResponseRedirect(next_url)
        if device is None:
            form.add_error("code", "You have no backup codes. Enter the code from your authenticator app.")
        else:
            form.add_error("code", throttled or _wrong_code_message(code))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@access_rule(SIGNED_IN)
def two_factor_manage(request: HttpRequest) -> HttpResponse:
    """Your own two-factor: whether it is on, backup codes left, new codes, reset."""
    user = request.user
    app_device = security.confirmed_app_device(user)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "app_device": app_device,
            "backup_codes_left": security.backup_codes_left(user),
            "required": needs_two_factor(user),
            "verified": user.is_verified(),
            "may_use_api_tokens": can(user, Capability.USE_API_TOKENS),
            "breadcrumbs": [("Home", reverse("web:home")), ("Two-factor sign-in", "")],
        },
    )


@require_POST
@access_rule(SIGNED_IN)
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    if not security.is_enrolled(request.user):
        return redirect("accounts:two_factor_setup")
    if (response := unverified_redirect(request, reverse("accounts:two_factor"))) is not None:
        return response
    codes = security.regenerate_backup_codes(request.user, request.user)
    return _backup_codes_page(request, codes, reverse("accounts:two_factor"), enrolled=False)


@access_rule(SIGNED_IN)
def two_factor_reset(request: HttpRequest) -> HttpResponse:
    """Turn off your two-factor (to move to a new phone). Needs a verified session."""
    if not security.is_enrolled(request.user):
        messages.info(request, "Two-factor sign-in is not set up for your account.")
        return redirect("accounts:two_factor")
    if (response := unverified_redirect(request)) is not None:
        return response
    if request.method == "POST":
        security.reset_two_factor(request.user, request.user)
        if needs_two_factor(request.user):
            messages.success(request, "Two-factor sign-in was reset. Set it up again with your new phone.")
            return redirect("accounts:two_factor_setup")
        messages.success(request, "Two-factor sign-in is now off for your account.")
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/two_factor_reset.html",
        {
            "required": needs_two_factor(request.user),
            "breadcrumbs": [
                ("Home", reverse("web:home")),
                ("Two-factor sign-in", reverse("accounts:two_factor")),
                ("Reset", ""),
            ],
        },
    )


# --- API tokens -----------------------------------------------------------------------------

TOKENS_RULE = AccessRule(Capability.USE_API_TOKENS, description="staff: not parents or placing contacts")


@access_rule(TOKENS_RULE)
def tokens(request: HttpRequest) -> HttpResponse:
    """Your API tokens: list, create (the secret is shown once) and revoke."""
    # The API bypasses two-factor, so a token may only be made from a verified session.
    if (response := unverified_redirect(request)) is not None:
        return response
    form = ApiTokenForm(request.POST or None)
    new_token = new_secret = None
    if request.method == "POST" and form.is_valid():
        new_token, new_secret = services.create_api_token(
            request.user, request.user, form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user).order_by(
                F("revoked_at").asc(nulls_first=True), "-created_at"
            ),
            "new_token": new_token,
            "new_secret": new_secret,
            "breadcrumbs": [("Home", reverse("web:home")), ("API tokens", "")],
        },
    )
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@access_rule(
    AccessRule(Capability.USE_API_TOKENS, object_scoped=True, description="the user's own tokens, staff only")
)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_or_404(ApiToken.objects.filter(user=request.user), pk=token_id)
    services.revoke_api_token(request.user, token)
    messages.success(request, f"The token “{token.name}” ({token.prefix}…) is revoked and no longer works.")
    return redirect("accounts:tokens")
