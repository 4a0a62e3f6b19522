from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from strides.accounts.roles import TRUST_LEVEL_ROLES, Role


class User(AbstractUser):
    """A person who signs in: trust and school staff, governors, placing contacts, parents."""

    display_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Membership(models.Model):
    """A role held by a user, at trust level (no school) or at one school."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    trust = models.ForeignKey("organisations.Trust", on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        "organisations.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "trust", "school"], name="unique_membership"),
            models.UniqueConstraint(
                fields=["user", "role", "trust"],
                condition=models.Q(school__isnull=True),
                name="unique_trust_membership",
            ),
        ]

    def __str__(self) -> str:
        where = self.school.name if self.school else "trust"
        return f"{self.user} – {self.get_role_display()} ({where})"

    def clean(self) -> None:
        if self.role in TRUST_LEVEL_ROLES and self.school_id:
            raise ValidationError({"school": f"{self.get_role_display()} is a trust-level role."})
        if self.role not in TRUST_LEVEL_ROLES and self.role != Role.PARENT and not self.school_id:
            raise ValidationError({"school": f"{self.get_role_display()} needs a school."})


class ParentLink(models.Model):
    """A parent or carer account linked to their own child."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="children_links"
    )
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="parent_links")
    relationship = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "pupil"], name="unique_parent_link")]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()

    def __str__(self) -> str:
        return f"{self.user} is a parent or carer of {self.pupil}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once, when made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise the token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
