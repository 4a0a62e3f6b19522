"""Kept only so that importers not yet moved keep working (see ``strides/api/views/__init__.py``):
import from :mod:`strides.api.base`."""

from strides.api.base import StridesApiMixin

__all__ = ["StridesApiMixin"]
