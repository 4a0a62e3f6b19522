"""The gate's readers for the pupil data beyond pupils, enrolments and classes (ADR 12).

Each answers "which rows of this model may ``user`` read?" from the gate's own answers
(:mod:`strides.access.gate`), so a page, an API endpoint, an export or a task that starts here
cannot show more than the gate allows. Narrow further with ``.filter()``; never widen. Judgements
and their revisions have their own rule in :mod:`strides.access.judgements`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from strides.access.actor import Viewer
from strides.access.gate import schools_with, scope_for, visible_classes, visible_pupils, visible_schools
from strides.accounts.roles import Capability

if TYPE_CHECKING:
    from strides.accounts.models import ParentLink
    from strides.audit.models import AuditEntry
    from strides.classes.models import GroupMembership
    from strides.frameworks.models import FrameworkAssignment
    from strides.pupils.models import CharacteristicsPeriod, FormerUpn, StagedSenChange

U = TypeVar("U", bound=Model)


def visible_characteristics(user: Viewer, on: dt.date | None = None) -> QuerySet[CharacteristicsPeriod]:
    """The characteristics periods (FSM, SEN, EAL...) of the pupils the user sees."""
    from strides.pupils.models import CharacteristicsPeriod

    return CharacteristicsPeriod.objects.filter(pupil__in=visible_pupils(user, on))


def visible_former_upns(user: Viewer, on: dt.date | None = None) -> QuerySet[FormerUpn]:
    """The former UPNs of the pupils the user sees."""
    from strides.pupils.models import FormerUpn

    return FormerUpn.objects.filter(pupil__in=visible_pupils(user, on))


def visible_memberships(user: Viewer, on: dt.date | None = None) -> QuerySet[GroupMembership]:
    """Who is in which class, for the classes the user may open and the pupils they see: a past
    year's class lists only the pupils the gate still shows (not a leaver past the leaver window),
    and a teacher reads only their own classes."""
    from strides.classes.models import GroupMembership

    return GroupMembership.objects.filter(
        group__in=visible_classes(user, on), pupil__in=visible_pupils(user, on)
    )


def visible_parent_links(user: Viewer) -> QuerySet[ParentLink]:
    """Parent links the user may read: a parent their own; whoever manages users at a school the
    links of the pupils they see on its roll; nobody else."""
    from strides.accounts.models import ParentLink

    scope = scope_for(user)
    conditions = Q(pk__in=[])
    if scope.parent:
        conditions |= Q(user_id=scope.user_id)
    managed = schools_with(user, Capability.MANAGE_USERS)
    if managed.exists():
        conditions |= Q(pupil__in=visible_pupils(user), pupil__enrolments__school__in=managed)
    return ParentLink.objects.filter(conditions).distinct()


def visible_sen_changes(user: Viewer) -> QuerySet[StagedSenChange]:
    """Staged SEN changes the user may see and decide: at schools where they hold EDIT_SEN (the
    SENCO, the head, the trust admin), for pupils the gate shows them."""
    from strides.pupils.models import StagedSenChange

    return StagedSenChange.objects.filter(
        school__in=schools_with(user, Capability.EDIT_SEN), pupil__in=visible_pupils(user)
    )


def visible_framework_assignments(user: Viewer) -> QuerySet[FrameworkAssignment]:
    """Framework choices the user may read: a school's or year group's at the schools they open; a
    single pupil's (which says something about that pupil) only for pupils they see."""
    from strides.frameworks.models import FrameworkAssignment

    return FrameworkAssignment.objects.filter(
        Q(pupil__isnull=True, school__in=visible_schools(user)) | Q(pupil__in=visible_pupils(user))
    )


# An upload's rows are the file's: only its uploader reads it, and only while they may still
# import there. Label -> (the capability to import, the lookup from the batch to its trust, and to
# its school when it has one).
UPLOADS: dict[str, tuple[Capability, str, str | None]] = {
    "imports.ImportBatch": (Capability.IMPORT_PUPILS, "school__trust_id", "school"),
    "assessment.DropImportBatch": (Capability.IMPORT_ASSESSMENT, "drop__trust_id", None),
}


def visible_uploads(user: Viewer, model: type[U]) -> QuerySet[U]:
    """The user's own uploads of ``model`` (a pupil import, a drop spreadsheet) in their trusts, at
    schools where they may still import that kind of file; nobody else's, whoever they are."""
    label = model._meta.label
    if label not in UPLOADS:
        raise LookupError(f"{label} is an upload with no rule: add it to UPLOADS in {__name__}.")
    capability, trust_lookup, school_lookup = UPLOADS[label]
    scope = scope_for(user)
    schools = schools_with(user, capability)
    manager = model._default_manager
    if scope.user_id is None or not schools.exists():
        return manager.none()
    rows = manager.filter(uploaded_by_id=scope.user_id, **{f"{trust_lookup}__in": scope.trust_ids})
    if school_lookup is not None:
        rows = rows.filter(**{f"{school_lookup}__in": schools})
    return rows


def visible_audit_entries(user: Viewer) -> QuerySet[AuditEntry]:
    """The audit log the user may search (VIEW_AUDIT): entries filed under the schools of their
    trusts where they hold it, and, for whoever holds it trust-wide, the trust's own entries
    (filed under no school)."""
    from strides.audit.models import AuditEntry

    scope = scope_for(user)
    held = scope.capabilities.get(str(Capability.VIEW_AUDIT), frozenset())
    if not held:
        return AuditEntry.objects.none()
    conditions = Q(school__in=schools_with(user, Capability.VIEW_AUDIT))
    if None in held:
        conditions |= Q(school__isnull=True)
    return AuditEntry.objects.filter(conditions)
