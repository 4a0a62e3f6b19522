"""What the framework pages share: their access rules, the trust a user works with, the
frameworks a user may read, the trusts whose crosswalk a user manages, and breadcrumbs.

Who may do what (docs/frameworks.md):
- read frameworks, the scale and crosswalks: everyone who records assessment (every holder of
  MANAGE_FRAMEWORKS does too); a school's own framework only at that school and for trust roles;
- bespoke frameworks and framework choices: MANAGE_FRAMEWORKS (trust admins and analysts for the
  trust, heads for their school);
- crosswalk versions and applying them: MANAGE_CROSSWALK held for the whole trust.

Not a view module: the page modules (``*_views.py``) import from here, never from each other.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from strides.access.actor import Actor, Viewer
from strides.access.gate import schools_with, scope_for
from strides.access.rules import AccessRule
from strides.accounts.roles import Capability
from strides.frameworks.models import CommonScale, Framework, ScalePoint
from strides.frameworks.services import ensure_common_scale
from strides.organisations.models import Trust

# Reference pages for those who record: no pupil on them, so others get a plain 403 (ADR 2)
READ = AccessRule(
    Capability.RECORD_ASSESSMENT,
    description="staff who record assessment or manage frameworks (every manager records too)",
    pupil_data=False,
)
READ_ONE = AccessRule(
    Capability.RECORD_ASSESSMENT,
    object_scoped=True,
    description="a framework or crosswalk of the user's trust; a school's own framework at that school",
    pupil_data=False,
)
MANAGE = AccessRule(
    Capability.MANAGE_FRAMEWORKS, description="trust admins and analysts; heads for their school"
)
MANAGE_SCHOOL = AccessRule(
    Capability.MANAGE_FRAMEWORKS, object_scoped=True, description="framework choices at the user's schools"
)
CROSSWALK = AccessRule(Capability.MANAGE_CROSSWALK, description="trust admins and analysts")
CROSSWALK_DROP = AccessRule(
    Capability.MANAGE_CROSSWALK, object_scoped=True, description="drops of the trust the user manages"
)


# --- scope -------------------------------------------------------------------------------------


def user_trust(user: Viewer) -> Trust:
    """The trust whose scale and crosswalk the user works with (their membership's trust)."""
    trust = Trust.objects.filter(pk__in=scope_for(user).trust_ids).order_by("pk").first()
    if trust is None:
        raise Http404("Not found")
    return trust


def visible_frameworks(user: Viewer) -> QuerySet[Framework]:
    """Shipped frameworks, the user's trust's, and the own frameworks of schools where the user
    records assessment or manages frameworks (trust roles: every school of the trust)."""
    trust_ids = scope_for(user).trust_ids
    own_school = Q(school__in=schools_with(user, Capability.RECORD_ASSESSMENT)) | Q(
        school__in=schools_with(user, Capability.MANAGE_FRAMEWORKS)
    )
    return Framework.objects.filter(
        Q(trust__isnull=True)
        | Q(trust_id__in=trust_ids, school__isnull=True)
        | (Q(trust_id__in=trust_ids) & own_school)
    )


def crosswalk_trusts(user: Viewer) -> QuerySet[Trust]:
    """Trusts whose crosswalk the user manages: MANAGE_CROSSWALK held for the whole trust."""
    scope = scope_for(user)
    if None not in scope.capabilities.get(str(Capability.MANAGE_CROSSWALK), frozenset()):
        return Trust.objects.none()
    return Trust.objects.filter(pk__in=scope.trust_ids)


def crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Home", reverse("web:home")), ("Frameworks", reverse("frameworks:list")), *items]


def scale_points(trust: Trust, user: Actor) -> tuple[CommonScale, list[ScalePoint]]:
    """The trust's common scale (made on first use) and its points, lowest first."""
    scale = ensure_common_scale(trust, user)
    return scale, list(scale.points.order_by("value"))
