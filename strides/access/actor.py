"""Who a service acts for, as a type (docs/adr/0013-layering-and-types.md).

- :data:`Actor`: the signed-in person a write is made for and audited under: a
  ``strides.accounts.models.User``. Views pass ``request.user`` once the access rule has let them
  in (so never the anonymous user), the API its authenticated user, tasks the user who started
  them. A service whose work may also be done by the system (a command, a migration, the demo)
  takes ``Actor | None``: the audit log then names "system".
- :data:`Viewer`: whoever reads a page, signed in or not: what ``request.user`` is before an access
  rule has run, and what the scoping gate takes (an anonymous viewer sees nothing).
- :class:`SignedInRequest`: the ``request`` of a view behind an access rule, whose ``user`` is an
  :data:`Actor` (django-stubs types ``HttpRequest.user`` as ``User | AnonymousUser``).

Both are aliases of the model classes, so mypy (with django-stubs) checks what a service reads
of its actor (``actor.pk``, ``actor.username``) and that it is what an ``AuditEntry.actor`` or a
``created_by`` foreign key takes. They are strings at run time: importing this module loads no
model, so any module may import it at any time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from strides.accounts.models import User

Actor: TypeAlias = "User"
Viewer: TypeAlias = "User | AnonymousUser"


class SignedInRequest(HttpRequest):
    """For annotations only: Django passes a plain ``HttpRequest``, and an access rule
    (``strides.access.rules.access_rule``, which every route has) has refused it unless its user
    is signed in."""

    user: Actor


__all__ = ["Actor", "SignedInRequest", "Viewer"]
