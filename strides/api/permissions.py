"""Enforcing the declared access rules of API views.

Every API view declares ``access = AccessRule(...)`` (read by the role-matrix test too) and lists
:class:`AccessRulePermission` among its permission classes. Views that write also declare
``write_capabilities``: for each write action, the capabilities of which the caller must hold at
least one somewhere. The view then checks the capability at the school concerned with
:func:`require` (403), after looking the object up through the gate (404 when out of scope).

A caller who holds the rule's capability nowhere is answered 404 when it reads pupils
(``AccessRule.shows_pupil_data``, as on the pages: ADR 2), 403 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from strides.access.actor import Viewer
from strides.access.gate import can
from strides.access.rules import AccessRule
from strides.accounts.middleware import ENROLLED_SESSION_KEY, needs_two_factor
from strides.accounts.roles import Capability

CAPABILITY_WORDS = {
    Capability.EDIT_PUPILS: "change pupil records",
    Capability.EDIT_SEN: "change SEN records",
    Capability.MANAGE_CLASSES: "manage classes",
}


class AccessRulePermission(BasePermission):
    """Reads the view's ``access`` rule (and ``write_capabilities`` for writes) and enforces it.

    A view without a rule is refused outright, so a forgotten declaration fails closed.
    """

    message = "You do not have permission to do this."

    def has_permission(self, request, view) -> bool:
        rule = getattr(view, "access", None)
        if not isinstance(rule, AccessRule):
            raise exceptions.PermissionDenied("This endpoint declares no access rule.")
        if rule.public:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if isinstance(request.successful_authenticator, SessionAuthentication) and _session_lacks_2fa(
            request
        ):
            raise exceptions.PermissionDenied(
                "Finish two-factor sign-in before using the API from the browser, or use an API token."
            )
        if rule.capability is not None and not can(user, rule.capability):
            if rule.shows_pupil_data:  # as on the pages: not there for you (ADR 2), worded as missing
                raise exceptions.NotFound("Not found")
            return False
        if request.method in SAFE_METHODS:
            return True
        action = getattr(view, "action", None) or request.method.lower()
        needed: Iterable[Capability] | None = getattr(view, "write_capabilities", {}).get(action)
        if not needed:
            raise exceptions.MethodNotAllowed(request.method)
        if not any(can(user, capability) for capability in needed):
            raise exceptions.PermissionDenied(
                "Your role cannot " + " or ".join(CAPABILITY_WORDS.get(c, str(c)) for c in needed) + "."
            )
        return True


def _session_lacks_2fa(request) -> bool:
    # The two-factor middleware leaves /api/ alone because tokens are made after a two-factor
    # sign-in; a browser session that has not finished two-factor must not slip in here instead.
    # As the middleware does for pages: anyone who has enrolled a device must verify, whatever
    # their role, and staff who see named pupils must where the settings require two-factor.
    django_user = getattr(request._request, "user", None)
    is_verified = getattr(django_user, "is_verified", None)
    if callable(is_verified) and is_verified():
        return False
    if needs_two_factor(request.user):
        return True
    enrolled = request._request.session.get(ENROLLED_SESSION_KEY)
    if enrolled is None:  # a session from before sign-in noted it: ask the devices
        from django_otp import devices_for_user

        enrolled = any(True for _ in devices_for_user(request.user, confirmed=True))
    return bool(enrolled)


def require(user: Viewer, capability: Capability, school: Any) -> None:
    """403 unless ``user`` holds ``capability`` at ``school``."""
    if not can(user, capability, school):
        raise exceptions.PermissionDenied(
            f"You cannot {CAPABILITY_WORDS.get(capability, str(capability))} at {school}."
        )


def require_any_school(user: Viewer, capability: Capability, schools: Iterable[Any], what: str) -> None:
    """403 unless ``user`` holds ``capability`` at one of ``schools`` (the pupil's schools)."""
    schools = list(schools)
    if not any(can(user, capability, school) for school in schools):
        raise exceptions.PermissionDenied(
            f"You cannot {CAPABILITY_WORDS.get(capability, str(capability))} for {what}."
        )
