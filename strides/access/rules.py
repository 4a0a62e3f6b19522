"""Declared access rules for routes. Every URL pattern names its rule; the role-matrix test
(``strides/access/tests/test_matrix.py``) fails when a route has none.

Use ``@access_rule(...)`` on function views, ``access = AccessRule(...)`` on class views and DRF
viewsets. ``PUBLIC`` is for the login page and health check only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied

from strides.accounts.roles import Capability


@dataclass(frozen=True)
class AccessRule:
    """``capability``: what the user must hold somewhere (None: any signed-in user).
    ``object_scoped``: the view also looks its object up through the gate (404 when out of scope).
    """

    capability: Capability | None
    object_scoped: bool = False
    public: bool = False
    description: str = ""


PUBLIC = AccessRule(capability=None, public=True, description="no sign-in needed")
SIGNED_IN = AccessRule(capability=None, description="any signed-in user")


def access_rule(rule: AccessRule) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce a route's rule: sign-in (unless public) and the capability."""
    from strides.access.gate import can

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not rule.public:
                if not request.user.is_authenticated:
                    from django.contrib.auth.views import redirect_to_login

                    return redirect_to_login(request.get_full_path())
                if rule.capability is not None and not can(request.user, rule.capability):
                    raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access_rule = rule  # type: ignore[attr-defined]
        return wrapped

    return decorate


def rule_of(callback: Any) -> AccessRule | None:
    """The rule declared on a resolved URL callback (function view, class view or viewset)."""
    for candidate in (
        callback,
        getattr(callback, "view_class", None),
        getattr(callback, "cls", None),
        getattr(callback, "__wrapped__", None),
    ):
        if candidate is None:
            continue
        rule = getattr(candidate, "access_rule", None) or getattr(candidate, "access", None)
        if isinstance(rule, AccessRule):
            return rule
    return None
