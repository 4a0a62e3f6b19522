"""The API's access-rule permission, with refusals worded for assessment."""

from __future__ import annotations

from rest_framework import exceptions

from strides.access.gate import can
from strides.accounts.roles import Capability
from strides.api.permissions import AccessRulePermission

WORDS = {
    Capability.RECORD_ASSESSMENT: "record judgements",
    Capability.SUBMIT_DROP: "submit a school's data drop",
    Capability.MANAGE_DROPS: "lock or reopen data drops",
}


def refusal(capabilities: tuple[Capability, ...] | list[Capability]) -> str:
    return "Your role cannot " + " or ".join(WORDS.get(c, str(c)) for c in capabilities) + "."


class AssessmentAccessPermission(AccessRulePermission):
    """:class:`~strides.api.permissions.AccessRulePermission` (the view's ``access`` rule and its
    ``write_capabilities``), saying in words which assessment capability the caller lacks."""

    def has_permission(self, request, view) -> bool:
        try:
            allowed = super().has_permission(request, view)
        except exceptions.PermissionDenied as refused:
            action = getattr(view, "action", None) or request.method.lower()
            needed = getattr(view, "write_capabilities", {}).get(action)
            if needed and not any(can(request.user, capability) for capability in needed):
                raise exceptions.PermissionDenied(refusal(needed)) from refused
            raise
        if not allowed:
            rule = view.access
            raise exceptions.PermissionDenied(refusal([rule.capability]))
        return True
