"""Writes of users, roles, parent links and API tokens. Atomic and audited."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from strides.access.actor import Actor
from strides.access.gate import can, forget_scope
from strides.accounts.models import ApiToken, Membership, ParentLink, User, hash_token
from strides.accounts.roles import Capability, Role
from strides.audit.models import AuditAction
from strides.audit.services import record, snapshot
from strides.organisations.models import School, Trust

if TYPE_CHECKING:
    from strides.pupils.models import Pupil

TOKEN_PREFIX = "str_"  # noqa: S105 - a prefix, not a secret


@transaction.atomic
def create_user(
    actor: Actor | None,
    username: str,
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    validate: bool = True,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record(
        actor,
        AuditAction.CREATE,
        user,
        after=snapshot(user, ["username", "email", "first_name", "last_name"]),
    )
    return user


@transaction.atomic
def set_active(actor: Actor | None, user: User, active: bool) -> User:
    before = {"is_active": user.is_active}
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor, AuditAction.UPDATE, user, before=before, after={"is_active": active})
    return user


@transaction.atomic
def grant_role(
    actor: Actor | None, user: User, role: str, trust: Trust, school: School | None = None
) -> Membership:
    membership = Membership(user=user, role=role, trust=trust, school=school)
    membership.full_clean(validate_unique=False)
    existing = Membership.objects.filter(user=user, role=role, trust=trust, school=school).first()
    if existing:
        return existing
    membership.save()
    forget_scope(user)
    record(
        actor,
        AuditAction.CREATE,
        membership,
        after={"user": user.username, "role": role, "school": school.urn if school else None},
        school_id=school.pk if school else None,
        reason="role granted",
    )
    return membership


@transaction.atomic
def revoke_role(actor: Actor | None, membership: Membership) -> None:
    record(
        actor,
        AuditAction.DELETE,
        membership,
        before={
            "user": membership.user.username,
            "role": membership.role,
            "school": membership.school.urn if membership.school else None,
        },
        school_id=membership.school_id,
        reason="role revoked",
    )
    membership.delete()
    forget_scope(membership.user)


@transaction.atomic
def link_parent(
    actor: Actor | None, user: User, pupil: Pupil, trust: Trust, relationship: str = ""
) -> ParentLink:
    link, created = ParentLink.objects.get_or_create(
        user=user, pupil=pupil, defaults={"relationship": relationship}
    )
    membership, role_granted = Membership.objects.get_or_create(
        user=user, role=Role.PARENT, trust=trust, school=None
    )
    if role_granted:
        # a role like any other: recorded as grant_role records it
        record(
            actor,
            AuditAction.CREATE,
            membership,
            after={"user": user.username, "role": Role.PARENT, "school": None},
            reason="role granted",
        )
    if created:
        record(actor, AuditAction.CREATE, link, reason="parent linked")
    forget_scope(user)
    return link


def create_api_token(actor: Actor | None, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns the token and its secret, which is never shown again.
    Only staff make tokens (``USE_API_TOKENS``): a parent or a placing-school contact reads their
    pupils on the pages, whoever asks for the token (the page, the command line)."""
    if not can(user, Capability.USE_API_TOKENS):
        raise ValidationError(
            f"{user.username} may not have an API token: tokens are for staff, not for parents, "
            "placing-school contacts or accounts with no role."
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip() or "API token",
            prefix=raw[len(TOKEN_PREFIX) :][:8],
            key_hash=hash_token(raw),
        )
        record(
            actor,
            AuditAction.CREATE,
            token,
            after={"user": user.username, "name": token.name, "prefix": token.prefix},
        )
    return token, raw


@transaction.atomic
def revoke_api_token(actor: Actor | None, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            actor,
            AuditAction.UPDATE,
            token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token
