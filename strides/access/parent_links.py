"""What managing a parent's account needs to know of their links beyond the manager's reach.

A head or SENCO who manages users sees a parent's children on their own roll by name; a parent
also linked to a child elsewhere is shown only as "N more", and may not have their account
changed (deactivated, two-factor reset) by someone who cannot see all of it. Both answers look
past the manager's reach on purpose, so they live here, beside the gate (ADR 12), and say nothing
more than a count or a yes/no.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from strides.access.actor import Viewer
from strides.access.gate import visible_pupils

if TYPE_CHECKING:
    from strides.accounts.models import ParentLink, User


def children_shown(manager: Viewer, parent: User) -> tuple[list[ParentLink], int]:
    """The parent's links to pupils ``manager`` sees (with the pupil), and how many others."""
    from strides.accounts.models import ParentLink

    links = list(ParentLink.objects.filter(user=parent).select_related("pupil"))
    seen = set(
        visible_pupils(manager).filter(pk__in=[link.pupil_id for link in links]).values_list("pk", flat=True)
    )
    shown = [link for link in links if link.pupil_id in seen]
    return shown, len(links) - len(shown)


def linked_outside(parent: User, school_ids: Collection[int]) -> bool:
    """Whether the parent is linked to a pupil never enrolled at any of ``school_ids``."""
    from strides.accounts.models import ParentLink

    return (
        ParentLink.objects.filter(user=parent).exclude(pupil__enrolments__school_id__in=school_ids).exists()
    )
