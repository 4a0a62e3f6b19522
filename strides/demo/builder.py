"""Write a demo plan through the real services, so the demo exercises the same code as real data.

Pupils go in school by school through :func:`strides.pupils.services.upsert_pupils`, once per
date of their history (last September, a January change, this September), which leaves
characteristics periods with real ``valid_from`` dates. Everything runs in one transaction: an
interrupted build leaves nothing behind.

The big tables (pupils and their history, staff and roles, classes) are written set-based by
default (:mod:`~strides.demo.roll_writer`, :mod:`~strides.demo.staff_writer`): the same rows and
audit entries as the services, call for call, in a few statements per school rather than a few
per row, so the large trust can be rebuilt for every benchmark. ``build(plan, bulk=False)`` goes
through the services themselves; ``tests/test_bulk_paths.py`` checks that both write the same.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from django.db import transaction

from strides.accounts import services as accounts
from strides.accounts.models import Membership, ParentLink, User
from strides.accounts.roles import CLASS_REACH_ROLES, OFFICER_ROLES, PARENT_ROLES
from strides.classes import services as classes
from strides.classes.models import GroupStaff, StaffRole, TeachingGroup
from strides.demo import staff_writer
from strides.demo.bulk import refresh_planner_statistics, reset_sequences
from strides.demo.plan import DEMO_USERNAMES, EMAIL_DOMAIN, TRUST_SLUG, DemoPlan, PupilPlan
from strides.demo.roll_writer import RollWriter
from strides.organisations import services as organisations
from strides.organisations.models import School, SchoolOfficer, Trust
from strides.pupils import services as pupils
from strides.pupils.census_codes import LeavingReason, RegistrationType
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil

DEMO_PASSWORD = "strides-demo-2026"  # noqa: S105 - the published password of the demo logins
REASON = "demo data"
LOOKUP_CHUNK = 900

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    where: str


@dataclass(frozen=True)
class BuildSummary:
    trust: Trust
    schools: int
    pupils: int
    classes: int
    users: int
    seconds: float


def _record_for(pupil: PupilPlan, characteristics: dict, school_ids: dict[str, int]) -> pupils.PupilRecord:
    return pupils.PupilRecord(
        upn=pupil.upn,
        legal_forename=pupil.legal_forename,
        legal_surname=pupil.legal_surname,
        middle_names=pupil.middle_names,
        preferred_forename=pupil.preferred_forename,
        date_of_birth=pupil.date_of_birth,
        sex=pupil.sex,
        former_upns=pupil.former_upns,
        characteristics=characteristics,
        enrolment_start=pupil.enrolment_start,
        registration=pupil.registration,
        placing_school_id=school_ids[pupil.placing_school] if pupil.placing_school else None,
    )


def _pupils_by_upn(upns: Sequence[str]) -> dict[str, Pupil]:
    found: dict[str, Pupil] = {}
    for start in range(0, len(upns), LOOKUP_CHUNK):
        chunk = upns[start : start + LOOKUP_CHUNK]
        found.update({p.upn: p for p in Pupil.objects.filter(upn__in=chunk).only("id", "upn")})
    return found


class _Builder:
    def __init__(self, plan: DemoPlan, progress: Progress, *, bulk: bool = True) -> None:
        self.plan = plan
        self.bulk = bulk
        self.rolls: RollWriter | None = None
        self.progress = progress
        self.schools: dict[str, School] = {}
        self.users: dict[str, User] = {}

    def organisations(self) -> None:
        plan = self.plan
        self.trust = organisations.create_trust(None, plan.trust_name, TRUST_SLUG, reason=REASON)
        regions = {
            name: organisations.create_region(None, self.trust, name, reason=REASON) for name in plan.regions
        }
        organisations.ensure_academic_year(None, self.trust, plan.start_year - 1)
        self.year = organisations.ensure_academic_year(None, self.trust, plan.start_year)
        for school in plan.schools:
            self.schools[school.key] = organisations.create_school(
                None,
                self.trust if school.in_trust else None,
                name=school.name,
                urn=school.urn,
                la_code=school.la_code,
                establishment_number=school.establishment_number,
                school_type=school.school_type,
                phase=school.phase,
                region=regions.get(school.region) if school.region else None,
                joined_trust_on=school.joined_trust_on,
            )

    def people(self) -> None:
        if self.bulk:
            self.users = staff_writer.write_people(
                self.plan.staff, self.trust, self.schools, email_domain=EMAIL_DOMAIN, password=DEMO_PASSWORD
            )
            return
        for staff in self.plan.staff:
            user = accounts.create_user(
                None,
                staff.username,
                email=f"{staff.username}@{EMAIL_DOMAIN}",
                first_name=staff.first_name,
                last_name=staff.last_name,
                # only the demo logins can sign in; every other invented colleague has no password
                password=DEMO_PASSWORD if staff.login else None,
                validate=False,
            )
            self.users[staff.username] = user
            if staff.role not in PARENT_ROLES:  # a parent's link is made with their child
                school = self.schools[staff.school] if staff.school else None
                accounts.grant_role(None, user, staff.role, self.trust, school)

    def school_roll(self, key: str, members: list[PupilPlan]) -> int:
        """Put one school's pupils on roll, writing each pupil's history date by date."""
        school = self.schools[key]
        school_ids = {k: s.pk for k, s in self.schools.items()}
        by_date: dict[dt.date, list[pupils.PupilRecord]] = defaultdict(list)
        for pupil in members:
            for effective, values in pupil.stages:
                by_date[effective].append(_record_for(pupil, values, school_ids))
        placements = [p for p in self.plan.placements if p.ap_school == key]
        if placements:
            # pupils of trust schools placed here: already on roll at home, now dual registered
            placed_upns = {p.upn for p in placements}
            home = {p.upn: p for p in self.plan.pupils if p.upn in placed_upns}
            for placement in placements:
                pupil = home[placement.upn]
                by_date[placement.start].append(
                    replace(
                        _record_for(pupil, pupil.current, school_ids),
                        enrolment_start=placement.start,
                        registration=RegistrationType.SUBSIDIARY_DUAL,
                        placing_school_id=school_ids[placement.placing_school],
                    )
                )
        for effective in sorted(by_date):
            if self.rolls is not None:
                self.rolls.upsert(school, by_date[effective], effective)
            else:
                pupils.upsert_pupils(None, school, by_date[effective], effective=effective, reason=REASON)
        if self.rolls is not None:
            self.rolls.flush()
        ended = [p for p in placements if p.end is not None]
        if ended:
            by_upn = _pupils_by_upn([p.upn for p in ended])
            for placement in ended:
                enrolment = Enrolment.objects.get(
                    pupil=by_upn[placement.upn], school=school, end_date__isnull=True
                )
                pupils.end_enrolment(None, enrolment, placement.end, LeavingReason.PLACEMENT_ENDED)
                if self.rolls is not None:
                    self.rolls.ended(enrolment.pupil_id, school.pk)
        return len(members) + len(placements) - len(ended)

    def school_classes(self, key: str) -> int:
        school = self.schools[key]
        groups = [c for c in self.plan.classes if c.school == key]
        by_upn = _pupils_by_upn(sorted({upn for c in groups for upn in c.pupils}))
        if self.bulk:
            ids = {upn: pupil.pk for upn, pupil in by_upn.items()}
            return staff_writer.write_classes(school, self.year, groups, ids, self.users)
        for group_plan in groups:
            group = classes.create_group(
                None,
                school,
                self.year,
                group_plan.name,
                nc_year=group_plan.nc_year,
                subject=group_plan.subject,
            )
            classes.set_pupils(None, group, [by_upn[upn] for upn in group_plan.pupils])
            for username in group_plan.teachers:
                classes.assign_staff(None, group, self.users[username], StaffRole.TEACHER)
            for username in group_plan.assistants:
                classes.assign_staff(None, group, self.users[username], StaffRole.TEACHING_ASSISTANT)
        return len(groups)

    def links(self) -> None:
        for school_key, username, kind in self.plan.officers:
            organisations.assign_officer(None, self.schools[school_key], self.users[username], kind)
        by_upn = _pupils_by_upn([upn for _, upn, _ in self.plan.parent_links])
        for username, upn, relationship in self.plan.parent_links:
            accounts.link_parent(None, self.users[username], by_upn[upn], self.trust, relationship)

    def run(self) -> BuildSummary:
        started = time.monotonic()
        plan = self.plan
        self.organisations()
        self.people()
        self.progress(
            f"{plan.trust_name}: {len(self.schools)} schools and {len(self.users)} people "
            f"({time.monotonic() - started:.1f}s)"
        )
        by_school: dict[str, list[PupilPlan]] = defaultdict(list)
        for pupil in plan.pupils:
            by_school[pupil.school].append(pupil)
        # the set-based roll writer knows every pupil it writes: on a database that already has
        # some of the demo's pupils, they go through the service, which finds them
        known = _pupils_by_upn([p.upn for p in plan.pupils]) if self.bulk else {}
        self.rolls = RollWriter(REASON) if self.bulk and not known else None
        trust_schools = [s for s in plan.schools if s.in_trust]
        for index, school in enumerate(trust_schools, start=1):
            began = time.monotonic()
            on_roll = self.school_roll(school.key, by_school[school.key])
            groups = self.school_classes(school.key)
            self.progress(
                f"[{index}/{len(trust_schools)}] {school.name}: {on_roll} pupils, "
                f"{groups} classes ({time.monotonic() - began:.1f}s)"
            )
        if self.bulk:  # rows written with their own ids: PostgreSQL's sequences go past them
            # before links(), whose service inserts memberships of its own
            reset_sequences([Pupil, CharacteristicsPeriod, Enrolment, TeachingGroup, GroupStaff, Membership])
        self.links()
        return BuildSummary(
            trust=self.trust,
            schools=len(trust_schools),
            pupils=Pupil.objects.count(),
            classes=TeachingGroup.objects.filter(school__trust=self.trust).count(),
            users=len(self.users),
            seconds=time.monotonic() - started,
        )


def build(plan: DemoPlan, progress: Progress | None = None, *, bulk: bool = True) -> BuildSummary:
    """Write ``plan`` to the database (which must hold no trust with the demo's slug). ``bulk``:
    the big tables set-based (:mod:`strides.demo.bulk`), the rows the services would write;
    False: every row through the services (what the tests compare the fast way with)."""
    with transaction.atomic():
        summary = _Builder(plan, progress or (lambda message: None), bulk=bulk).run()
        refresh_planner_statistics()  # the history that follows reads what was just written
        return summary


ROLE_ORDER = {username: index for index, username in enumerate(DEMO_USERNAMES)}


def demo_logins() -> list[Login]:
    """The demo logins present in the database, one per role, described for people to try."""
    users = User.objects.filter(username__in=DEMO_USERNAMES).prefetch_related("memberships__school")
    logins = []
    for user in users:
        memberships = list(user.memberships.all())
        role = memberships[0].get_role_display() if memberships else "No role"
        logins.append(Login(user.username, role, _where(user, memberships)))
    return sorted(logins, key=lambda login: ROLE_ORDER.get(login.username, len(ROLE_ORDER)))


def _where(user: User, memberships: Iterable) -> str:
    roles = {m.role for m in memberships}
    if roles & OFFICER_ROLES:
        schools = [a.school.name for a in SchoolOfficer.objects.filter(user=user).select_related("school")]
        return "assigned: " + ", ".join(sorted(schools))
    if roles & PARENT_ROLES:
        children = [
            link.pupil.display_name for link in ParentLink.objects.filter(user=user).select_related("pupil")
        ]
        return "parent of " + ", ".join(children)
    schools = [m.school.name for m in memberships if m.school_id]
    if roles & CLASS_REACH_ROLES:
        groups = TeachingGroup.objects.filter(staff_links__user=user).order_by("name")
        return f"{', '.join(schools)} (class {', '.join(g.name for g in groups)})"
    return ", ".join(schools) or "whole trust"
