from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from strides.access.gate import can
from strides.accounts.models import ApiToken, hash_token
from strides.accounts.roles import Capability


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer str_…`` (or ``Token str_…``) with a personal API token."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header takes one token.")
        raw = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not can(token.user, Capability.USE_API_TOKENS):
            # the owner's roles changed since: a parent or placing contact reads on the pages only
            raise exceptions.AuthenticationFailed("This account may no longer use API tokens.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Bearer"
