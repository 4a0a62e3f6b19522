"""Transitional: the old place of :mod:`strides.navigation` (the breadcrumbs every page shares),
kept for the importers outside strides/web that still use it (``strides.assessment.grid_views``,
``strides.dashboards.views_class``, ``strides.organisations.views``). Import
``strides.navigation``; delete this module once ``grep -rn web.navigation strides`` finds nothing
else."""

from __future__ import annotations

from strides.navigation import opens_many_schools, school_crumbs

__all__ = ["opens_many_schools", "school_crumbs"]
