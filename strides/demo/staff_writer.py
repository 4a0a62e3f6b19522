"""The demo's staff accounts, roles and classes, set-based: what the services write, person by
person and class by class, in a few statements per school.

- :func:`write_people`: each invented colleague as ``accounts.services.create_user`` (checked
  like the service, the usernames in memory rather than a query each; an unusable password, or
  for the demo logins the demo password hashed once: PBKDF2 costs half a second a hash and the
  demo logins share the published password) and their role as ``grant_role`` (checked too),
  each with its audit entry in the services' order.
- :func:`write_classes`: each class as ``classes.services.create_group``, its pupils as
  ``set_pupils`` (who must be on the school's roll) and its teachers and assistants as
  ``assign_staff``, with the same audit entries.

``strides/demo/tests/test_bulk_paths.py`` compares the rows with the services', row by row; the
services stay the one path for real users.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from strides.accounts.models import Membership, User
from strides.accounts.roles import PARENT_ROLES
from strides.audit.models import AuditAction
from strides.classes.models import GroupMembership, GroupStaff, StaffRole, TeachingGroup
from strides.classes.services import ClassError
from strides.demo.bulk import AuditRows, insert, next_id
from strides.demo.plan import ClassPlan, StaffPlan
from strides.organisations.models import AcademicYear, School, Trust
from strides.pupils.models import Enrolment


def write_people(
    staff: Sequence[StaffPlan],
    trust: Trust,
    schools: dict[str, School],
    *,
    email_domain: str,
    password: str,
) -> dict[str, User]:
    """Every person of the plan, and their role (a parent's comes with their child's link)."""
    taken = {u.lower() for u in User.objects.values_list("username", flat=True)}
    hashed = make_password(password) if any(s.login for s in staff) else None
    users: list[User] = []
    for person in staff:
        if person.username.lower() in taken:
            raise ValidationError({"username": f"The username {person.username!r} is taken."})
        taken.add(person.username.lower())
        user = User(
            username=person.username,
            email=f"{person.username}@{email_domain}",
            first_name=person.first_name,
            last_name=person.last_name,
        )
        if person.login and hashed:
            user.password = hashed
        else:
            user.set_unusable_password()
        # full_clean without the database: the usernames were checked above, case and all
        user.clean_fields(exclude=["password"])
        user.clean()
        users.append(user)
    now = timezone.now()
    for user in users:
        user.date_joined = now
    User.objects.bulk_create(users, batch_size=1000)
    by_name = {u.username: u for u in users}
    if any(u.pk is None for u in users):  # a database that returns no ids from a bulk insert
        by_name = {u.username: u for u in User.objects.filter(username__in=list(by_name))}
    audit = AuditRows(None, now)
    memberships: list[Membership] = []
    first_membership = next_id(Membership)
    for person in staff:
        user = by_name[person.username]
        audit.add(
            AuditAction.CREATE,
            User._meta.label,
            user.pk,
            str(user),
            None,
            None,
            {"username": user.username, "email": user.email, "first_name": user.first_name,
             "last_name": user.last_name},
            "",
        )  # fmt: skip
        if person.role in PARENT_ROLES:  # a parent's link is made with their child
            continue
        school = schools[person.school] if person.school else None
        membership = Membership(
            id=first_membership + len(memberships), user=user, role=person.role, trust=trust, school=school
        )
        # a new user's one role, so no other to clash with; the user, trust and school were just
        # written or read (the fields' check would query each)
        membership.clean_fields(exclude=["user", "trust", "school"])
        membership.clean()
        memberships.append(membership)
        audit.add(
            AuditAction.CREATE,
            Membership._meta.label,
            membership.pk,
            str(membership),
            school.pk if school else None,
            None,
            {"user": user.username, "role": person.role, "school": school.urn if school else None},
            "role granted",
        )
    Membership.objects.bulk_create(memberships, batch_size=1000)
    audit.write()
    return by_name


def write_classes(
    school: School,
    year: AcademicYear,
    groups: Sequence[ClassPlan],
    pupil_ids: dict[str, int],
    users: dict[str, User],
) -> int:
    """The school's classes with their pupils and staff, as the class services make them."""
    if not groups:
        return 0
    taken = {
        n.lower()
        for n in TeachingGroup.objects.filter(school=school, academic_year=year).values_list(
            "name", flat=True
        )
    }
    on_roll = set(Enrolment.objects.filter(school=school).values_list("pupil_id", flat=True))
    now = timezone.now()
    audit = AuditRows(None, now)
    group_id, link_id = next_id(TeachingGroup), next_id(GroupStaff)
    made: list[TeachingGroup] = []
    members: list[tuple[int, int]] = []
    links: list[GroupStaff] = []
    for plan in groups:
        name = (plan.name or "").strip()
        if not name:
            raise ClassError("A class needs a name.", field="name")
        if name.lower() in taken:
            raise ClassError(f"{school} already has a class called {name!r} in {year.label}.", field="name")
        taken.add(name.lower())
        group = TeachingGroup(
            id=group_id,
            school=school,
            academic_year=year,
            name=name,
            nc_year=plan.nc_year,
            subject=plan.subject,
        )
        group_id += 1
        made.append(group)
        audit.add(
            AuditAction.CREATE,
            TeachingGroup._meta.label,
            group.pk,
            str(group),
            school.pk,
            None,
            {"school_id": school.pk, "academic_year_id": year.pk, "name": name, "nc_year": plan.nc_year,
             "subject": plan.subject},
            "",
        )  # fmt: skip
        wanted = {pupil_ids[upn] for upn in plan.pupils}
        if wanted - on_roll:
            raise ClassError("Only pupils on the school's roll can join its classes.")
        if wanted:
            # in the service's order: the set of pupils to add, as set_pupils iterates it
            members.extend((group.pk, pupil_id) for pupil_id in wanted - set())
            audit.add(
                AuditAction.UPDATE,
                TeachingGroup._meta.label,
                group.pk,
                str(group),
                school.pk,
                {"pupils": []},
                {"pupils": sorted(wanted)},
                "class list changed",
            )
        staffed: dict[int, GroupStaff] = {}
        roles = ((plan.teachers, StaffRole.TEACHER), (plan.assistants, StaffRole.TEACHING_ASSISTANT))
        for usernames, role in roles:
            for username in usernames:
                user = users[username]
                link = staffed.get(user.pk)
                action = AuditAction.UPDATE
                if link is None:
                    link = GroupStaff(id=link_id, group=group, user=user, role=role)
                    link_id += 1
                    staffed[user.pk] = link
                    links.append(link)
                    action = AuditAction.CREATE
                link.role = role
                audit.add(
                    action,
                    GroupStaff._meta.label,
                    link.pk,
                    str(link),
                    school.pk,
                    None,
                    {"group_id": group.pk, "user_id": user.pk, "role": str(role)},
                    f"{user} as {role} of {group}",
                )
    TeachingGroup.objects.bulk_create(made)
    insert(GroupMembership, ("group", "pupil"), members)
    GroupStaff.objects.bulk_create(links)
    audit.write()
    return len(made)
