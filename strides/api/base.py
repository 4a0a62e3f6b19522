"""What every API view of every app shares: the mixin (access rule, JSON, JSON errors, checked
query parameters, throttle), the documented error answers, and the lookups of schools named in a
request. Each app's endpoints live in its own ``api/`` package and build on these (docs/adding-an-app.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import UserRateThrottle

from strides.access.actor import Viewer
from strides.access.gate import visible_schools
from strides.accounts.roles import Capability
from strides.api import serializers as s
from strides.api.errors import api_exception_handler
from strides.api.parameters import CheckedParametersMixin
from strides.api.permissions import AccessRulePermission
from strides.organisations.models import School

API_REASON = "API"

NOT_FOUND = OpenApiResponse(
    s.ErrorSerializer, description="Missing, or outside your scope (the two look the same)."
)
REFUSED = OpenApiResponse(s.ErrorSerializer, description="Your role cannot do this at that school.")
INVALID = OpenApiResponse(
    s.ValidationErrorSerializer,
    description="A field has a problem: `errors` names the field, value and message.",
)


class ApiUserThrottle(UserRateThrottle):
    """Requests per user per hour (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"]``): a
    runaway script slows down instead of hammering the database."""


class StridesApiMixin(CheckedParametersMixin):
    """What every Strides API view shares: the access-rule permission, JSON and JSON errors, and
    a 400 for any query parameter the view's operation does not declare.

    JSON only: DRF's browsable HTML pages use inline styles that our Content-Security-Policy
    blocks. The browsable reference is /api/v1/docs/.
    """

    permission_classes = [AccessRulePermission]
    renderer_classes = [JSONRenderer]
    throttle_classes = [ApiUserThrottle]
    write_capabilities: dict[str, tuple[Capability, ...]] = {}

    def get_exception_handler(self):
        return api_exception_handler


def school_in_scope(user: Viewer, urn: str, field: str) -> School:
    school = visible_schools(user).filter(urn=urn.strip()).first()
    if school is None:
        raise exceptions.ValidationError({field: [f"No school with URN {urn!r}."]})
    return school


def any_school(urn: str | None, field: str) -> School | None:
    """A placing school: any school Strides knows, in the trust or not (names of schools are
    public facts; no pupil data is read)."""
    if not urn:
        return None
    school = School.objects.filter(urn=urn.strip()).first()
    if school is None:
        raise exceptions.ValidationError({field: [f"No school with URN {urn!r}."]})
    return school


def placing_school(urn: str | None, school: School) -> School | None:
    placing = any_school(urn, "placing_school")
    if placing is not None and placing.pk == school.pk:
        raise exceptions.ValidationError({"placing_school": ["A school cannot place a pupil with itself."]})
    return placing
