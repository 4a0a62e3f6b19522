"""Roles and what each may do. The scoping gate (``strides.access.gate``) is the one reader of this."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    TRUST_ADMIN = "trust_admin", "Trust admin"
    TRUST_ANALYST = "trust_analyst", "Trust analyst"
    EAP = "eap", "Executive assurance partner"
    REGIONAL_DIRECTOR = "regional_director", "Regional director"
    DIRECTOR = "director", "Director"
    HEADTEACHER = "headteacher", "Headteacher"
    SENIOR_LEADER = "senior_leader", "Senior leader"
    SENCO = "senco", "SENCO"
    SUBJECT_LEADER = "subject_leader", "Subject leader"
    TEACHER = "teacher", "Teacher"
    TEACHING_ASSISTANT = "teaching_assistant", "Teaching assistant"
    GOVERNOR = "governor", "Governor"
    PLACING_CONTACT = "placing_contact", "Placing-school contact"
    PARENT = "parent", "Parent or carer"


class Reach(StrEnum):
    """How far a role's membership reaches: which pupils and schools it opens."""

    TRUST = "trust"  # every school of the trust
    ASSIGNED = "assigned"  # the schools the officer is assigned to
    SCHOOL = "school"  # the membership's school
    CLASSES = "classes"  # the pupils of the user's own classes
    PLACED = "placed"  # the pupils the user's school placed, while placed
    CHILDREN = "children"  # the user's own children
    AGGREGATES = "aggregates"  # no named pupil at all


class Capability(StrEnum):
    VIEW_PUPILS = "view_pupils"  # named pupil data
    VIEW_AGGREGATES = "view_aggregates"  # counts and measures, suppressed where small
    EDIT_PUPILS = "edit_pupils"  # characteristics and enrolments
    EDIT_SEN = "edit_sen"  # SEN provision and needs
    IMPORT_PUPILS = "import_pupils"
    MANAGE_CLASSES = "manage_classes"
    MANAGE_USERS = "manage_users"
    MANAGE_SCHOOLS = "manage_schools"
    ROLLOVER = "rollover"
    VIEW_AUDIT = "view_audit"
    SEARCH_PUPILS = "search_pupils"
    RECORD_ASSESSMENT = "record_assessment"  # enter judgements for pupils in reach
    IMPORT_ASSESSMENT = "import_assessment"  # a drop's data from a spreadsheet
    SUBMIT_DROP = "submit_drop"  # the head signs a school's drop off
    MANAGE_DROPS = "manage_drops"  # the assessment calendar; lock and reopen drops
    MANAGE_FRAMEWORKS = "manage_frameworks"  # bespoke frameworks and framework choices
    MANAGE_CROSSWALK = "manage_crosswalk"  # the common scale, crosswalk versions, applying them
    USE_API_TOKENS = "use_api_tokens"  # make personal API tokens: staff only


C = Capability
_STAFF_READ = {C.VIEW_PUPILS, C.VIEW_AGGREGATES, C.SEARCH_PUPILS}

ROLE_REACH: dict[str, Reach] = {
    Role.TRUST_ADMIN: Reach.TRUST,
    Role.TRUST_ANALYST: Reach.TRUST,
    Role.EAP: Reach.ASSIGNED,
    Role.REGIONAL_DIRECTOR: Reach.ASSIGNED,
    Role.DIRECTOR: Reach.AGGREGATES,
    Role.HEADTEACHER: Reach.SCHOOL,
    Role.SENIOR_LEADER: Reach.SCHOOL,
    Role.SENCO: Reach.SCHOOL,
    Role.SUBJECT_LEADER: Reach.SCHOOL,
    Role.TEACHER: Reach.CLASSES,
    Role.TEACHING_ASSISTANT: Reach.CLASSES,
    Role.GOVERNOR: Reach.AGGREGATES,
    Role.PLACING_CONTACT: Reach.PLACED,
    Role.PARENT: Reach.CHILDREN,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.TRUST_ADMIN: frozenset(
        _STAFF_READ
        | {
            C.EDIT_PUPILS,
            C.EDIT_SEN,
            C.IMPORT_PUPILS,
            C.MANAGE_CLASSES,
            C.MANAGE_USERS,
            C.MANAGE_SCHOOLS,
            C.ROLLOVER,
            C.VIEW_AUDIT,
            C.RECORD_ASSESSMENT,
            C.IMPORT_ASSESSMENT,
            C.MANAGE_DROPS,
            C.MANAGE_FRAMEWORKS,
            C.MANAGE_CROSSWALK,
        }
    ),
    Role.TRUST_ANALYST: frozenset(
        _STAFF_READ
        | {
            C.EDIT_PUPILS,
            C.IMPORT_PUPILS,
            C.RECORD_ASSESSMENT,
            C.IMPORT_ASSESSMENT,
            C.MANAGE_DROPS,
            C.MANAGE_FRAMEWORKS,
            C.MANAGE_CROSSWALK,
        }
    ),
    Role.EAP: frozenset(_STAFF_READ),
    Role.REGIONAL_DIRECTOR: frozenset(_STAFF_READ),
    Role.DIRECTOR: frozenset({C.VIEW_AGGREGATES}),
    Role.HEADTEACHER: frozenset(
        _STAFF_READ
        | {
            C.EDIT_PUPILS,
            C.EDIT_SEN,
            C.IMPORT_PUPILS,
            C.MANAGE_CLASSES,
            C.MANAGE_USERS,
            C.ROLLOVER,
            C.RECORD_ASSESSMENT,
            C.IMPORT_ASSESSMENT,
            C.SUBMIT_DROP,
            C.MANAGE_FRAMEWORKS,
        }
    ),
    Role.SENIOR_LEADER: frozenset(
        _STAFF_READ
        | {C.EDIT_PUPILS, C.IMPORT_PUPILS, C.MANAGE_CLASSES, C.RECORD_ASSESSMENT, C.IMPORT_ASSESSMENT}
    ),
    Role.SENCO: frozenset(_STAFF_READ | {C.EDIT_SEN, C.RECORD_ASSESSMENT}),
    Role.SUBJECT_LEADER: frozenset(_STAFF_READ | {C.RECORD_ASSESSMENT}),
    Role.TEACHER: frozenset(_STAFF_READ | {C.RECORD_ASSESSMENT}),
    # Teaching assistants record judgements under a teacher's direction ("limited writing"); they
    # never change pupil records, drops or frameworks.
    Role.TEACHING_ASSISTANT: frozenset({C.VIEW_PUPILS, C.SEARCH_PUPILS, C.RECORD_ASSESSMENT}),
    Role.GOVERNOR: frozenset({C.VIEW_AGGREGATES}),
    Role.PLACING_CONTACT: frozenset({C.VIEW_PUPILS, C.SEARCH_PUPILS}),
    Role.PARENT: frozenset({C.VIEW_PUPILS}),
}

# API tokens connect programs (reporting tools, scripts) to Strides: a staff matter. Parents and
# placing-school contacts see their pupils on the pages and make no tokens.
ROLE_CAPABILITIES = {
    role: caps | {C.USE_API_TOKENS} if ROLE_REACH[role] not in (Reach.CHILDREN, Reach.PLACED) else caps
    for role, caps in ROLE_CAPABILITIES.items()
}

TRUST_LEVEL_ROLES = frozenset(
    {Role.TRUST_ADMIN, Role.TRUST_ANALYST, Role.EAP, Role.REGIONAL_DIRECTOR, Role.DIRECTOR}
)
# Roles that see named pupils: two-factor is required for these in production.
STAFF_PUPIL_ROLES = frozenset(
    role for role, caps in ROLE_CAPABILITIES.items() if C.VIEW_PUPILS in caps and role != Role.PARENT
)


def roles_with_reach(*reaches: Reach) -> frozenset[str]:
    """The roles whose reach is one of ``reaches``: role sets are derived here, never listed by
    name elsewhere (ADR 2)."""
    return frozenset(role for role, reach in ROLE_REACH.items() if reach in reaches)


# Heads, senior leaders, SENCOs and subject leaders: the whole of one school.
SCHOOL_STAFF_ROLES = roles_with_reach(Reach.SCHOOL)
# Teachers and teaching assistants: the pupils of their own classes.
CLASS_REACH_ROLES = roles_with_reach(Reach.CLASSES)
# Who may be named as a class's staff: a school's staff, never a governor, parent or contact.
CLASS_STAFF_ROLES = SCHOOL_STAFF_ROLES | CLASS_REACH_ROLES
# Executive assurance partners and regional directors: the schools they are assigned to.
OFFICER_ROLES = roles_with_reach(Reach.ASSIGNED)
# Governors: one school's counts, never a name (directors are the trust-level counterpart).
SCHOOL_AGGREGATE_ROLES = roles_with_reach(Reach.AGGREGATES) - TRUST_LEVEL_ROLES
# Placing-school contacts: the pupils their school placed, while placed.
PLACING_ROLES = roles_with_reach(Reach.PLACED)
# Parents and carers: their own children.
PARENT_ROLES = roles_with_reach(Reach.CHILDREN)
