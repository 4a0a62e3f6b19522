"""Declared access rules for routes. Every URL pattern names its rule; the role-matrix test
(``strides/access/tests/test_matrix.py``) fails when a route has none.

Use ``@access_rule(...)`` on function views, ``access = AccessRule(...)`` on class views and DRF
viewsets. ``PUBLIC`` is for the login page and health check only.

A signed-in user without the rule's capability is refused before the view runs: with **404** when
the capability is for reading pupils (:data:`PUPIL_DATA`: a page of named pupils, their judgements
or figures made from them is simply not there for them, exactly like a pupil out of scope), with
**403** when it is a role's tool for changing things (pupil records, classes, users, schools,
drops, frameworks; imports, the audit log, API tokens), where "your role cannot do this" helps and
names nothing. See ADR 2 (amendment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from strides.accounts.roles import Capability

# Capabilities for reading pupils, by name or in figures (recording judgements is done on pages
# of named pupils: the grid, the class's spreadsheet). A route that asks for one answers 404 to a
# signed-in user who holds it nowhere; every other capability is a tool and answers 403.
PUPIL_DATA = frozenset(
    {
        Capability.VIEW_PUPILS,
        Capability.VIEW_AGGREGATES,
        Capability.SEARCH_PUPILS,
        Capability.RECORD_ASSESSMENT,
    }
)


@dataclass(frozen=True)
class AccessRule:
    """``capability``: what the user must hold somewhere (None: any signed-in user).
    ``object_scoped``: the view also looks its object up through the gate (404 when out of scope).
    ``pupil_data``: whether the route shows pupils (see :attr:`shows_pupil_data`).
    """

    capability: Capability | None
    object_scoped: bool = False
    public: bool = False
    description: str = ""
    # None: as the capability says (PUPIL_DATA); False for pages that ask for a pupil-data
    # capability but show no pupil (the frameworks recorders use): refused with a plain 403
    pupil_data: bool | None = None

    @property
    def shows_pupil_data(self) -> bool:
        """The route shows pupils: a user without its capability is told "not found", not
        "forbidden"."""
        if self.pupil_data is not None:
            return self.pupil_data
        return self.capability in PUPIL_DATA

    def refusal(self) -> Exception:
        """What a signed-in user who holds the capability nowhere is answered."""
        return Http404("Not found") if self.shows_pupil_data else PermissionDenied()


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
                    raise rule.refusal()
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
