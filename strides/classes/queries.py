"""Reads about classes. (The year-end rollover's preview is the plan of its write, in
:mod:`strides.classes.services`.)"""

from __future__ import annotations

from django.db.models import Prefetch

from strides.classes.models import GroupStaff


def staff_with_users() -> Prefetch:
    """A class's staff and their names in one query, for class lists."""
    return Prefetch("staff_links", queryset=GroupStaff.objects.select_related("user").order_by("role", "id"))
