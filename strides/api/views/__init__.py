"""Kept only so that importers not yet moved keep working: the assessment and dashboards APIs,
reworked by others this session, import ``StridesApiMixin`` from here. Import it from
:mod:`strides.api.base`; the endpoints themselves live in each app's ``api/`` package."""

from strides.api.base import ApiUserThrottle, StridesApiMixin

__all__ = ["ApiUserThrottle", "StridesApiMixin"]
