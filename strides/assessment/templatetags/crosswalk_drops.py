"""``{% pending_drops scale crosswalk as pending %}``: the drops with common points to update, for
the frameworks app's crosswalk pages (``strides.assessment.crosswalk_drops.pending_drops``), which
may not import assessment themselves (ADR 13)."""

from __future__ import annotations

from typing import Any

from django import template

from strides.assessment import crosswalk_drops

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_drops(context: Any, scale: Any, crosswalk: Any = None) -> list[crosswalk_drops.PendingDrop]:
    """The trust's drops with points to update (only those ``crosswalk`` is in force for, when
    given), for the crosswalk manager viewing the page."""
    return crosswalk_drops.pending_drops(context["request"].user, scale, crosswalk or None)
