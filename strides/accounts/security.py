"""Sign-in security: two-factor (TOTP with django-otp), one-time backup codes and lockouts after
failed sign-ins (django-axes). The write path for the two-factor and user-management screens:
atomic and audited, and the audit log never holds a secret or a code."""

from __future__ import annotations

import base64
import datetime as dt

import qrcode
import qrcode.image.svg
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from strides.access.actor import Actor
from strides.audit.models import AuditAction
from strides.audit.services import record

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def confirmed_app_device(user: Actor) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_device(user: Actor) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user: Actor) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_enrolled(user: Actor) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user: Actor) -> TOTPDevice:
    """The device being enrolled: kept between visits so the QR code stays the same until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an SVG data URI, drawn here (no third-party service sees the secret)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _new_backup_codes(user: Actor) -> tuple[StaticDevice, list[str]]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return device, codes


@transaction.atomic
def confirm_app_device(actor: Actor, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm an enrolment with a code from the app. Returns new backup codes, or None when the
    code is wrong. Any earlier app device of the user is replaced."""
    if not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _, codes = _new_backup_codes(device.user)
    record(
        actor,
        AuditAction.CREATE,
        device,
        after={"user": device.user.username, "device": device.name, "backup_codes": len(codes)},
        reason="two-factor enrolled",
    )
    return codes


@transaction.atomic
def regenerate_backup_codes(actor: Actor, user: Actor) -> list[str]:
    left = backup_codes_left(user)
    device, codes = _new_backup_codes(user)
    record(
        actor,
        AuditAction.UPDATE,
        device,
        before={"user": user.username, "backup_codes": left},
        after={"user": user.username, "backup_codes": len(codes)},
        reason="backup codes replaced",
    )
    return codes


@transaction.atomic
def reset_two_factor(actor: Actor, user: Actor) -> bool:
    """Remove the user's app and backup codes, so they enrol again. False when there was none."""
    app_devices = list(TOTPDevice.objects.filter(user=user))
    backup_devices = list(StaticDevice.objects.filter(user=user))
    if not app_devices and not backup_devices:
        return False
    enrolled = any(d.confirmed for d in app_devices)
    subject = app_devices[0] if app_devices else backup_devices[0]
    record(
        actor,
        AuditAction.DELETE,
        subject,
        before={"user": user.username, "enrolled": enrolled, "backup_codes": backup_codes_left(user)},
        reason="two-factor reset",
    )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return True


# --- lockouts -------------------------------------------------------------------------------


def is_locked_out(user: Actor) -> bool:
    """Whether failed sign-ins have locked the account (from any address) right now."""
    attempts = AccessAttempt.objects.filter(
        username=user.get_username(), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off:
        from django.utils import timezone

        attempts = attempts.filter(attempt_time__gte=timezone.now() - dt.timedelta(hours=cool_off))
    return attempts.exists()


@transaction.atomic
def clear_lockout(actor: Actor, user: Actor) -> int:
    """Forget the user's failed sign-ins so they can try again now. Returns how many were cleared."""
    cleared = axes_reset(username=user.get_username())
    if cleared:
        record(
            actor,
            AuditAction.UPDATE,
            user,
            before={"locked_out": True},
            after={"locked_out": False},
            reason="sign-in lockout cleared",
        )
    return cleared
