"""The API's viewsets, one module per resource. Reads go through the scoping gate; writes go
through the services.

Every viewset declares ``access`` (what the role-matrix test reads) and ``write_capabilities``
(what its writes need somewhere); :class:`~strides.api.permissions.AccessRulePermission` enforces
both, and each write checks the capability at the school concerned. Objects are looked up in the
caller's scope, so something out of scope answers 404 exactly like something missing.
"""

from strides.api.views.classes import ClassViewSet
from strides.api.views.common import ApiUserThrottle, StridesApiMixin
from strides.api.views.enrolments import EnrolmentViewSet
from strides.api.views.pupils import PupilViewSet
from strides.api.views.schools import SchoolViewSet

__all__ = [
    "ApiUserThrottle",
    "ClassViewSet",
    "EnrolmentViewSet",
    "PupilViewSet",
    "SchoolViewSet",
    "StridesApiMixin",
]
