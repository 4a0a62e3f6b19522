"""Writes of classes / teaching groups and the year-end rollover. Atomic and audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from strides.access.actor import Actor
from strides.audit.models import AuditAction
from strides.audit.services import Change, record, record_many, snapshot
from strides.classes.models import GroupMembership, GroupStaff, StaffRole, TeachingGroup
from strides.organisations.models import AcademicYear, School
from strides.organisations.services import ensure_academic_year
from strides.pupils.census_codes import NC_YEAR_LABELS, LeavingReason
from strides.pupils.models import CharacteristicsPeriod, Enrolment, Pupil
from strides.pupils.queries import on_roll

if TYPE_CHECKING:
    from strides.accounts.models import User


class ClassError(ValueError):
    """A refused class change, said in a sentence. ``field`` names the form field it is about
    (``"name"`` for a taken name), or is empty when it is about the whole request."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# The last NC year of each kind of school: pupils in it leave at the end of the year.
FINAL_NC_YEAR = {"primary": 6, "secondary": 11, "all_through": 11, "special": 14, "ap": 11}

GROUP_FIELDS = frozenset({"name", "nc_year", "subject"})


def _name_taken_error(school: School, year: AcademicYear, name: str) -> ClassError:
    return ClassError(f"{school} already has a class called {name!r} in {year.label}.", field="name")


def _clean_name(school: School, year: AcademicYear, name: str, *, exclude_pk: int | None = None) -> str:
    """The name stripped, refused when empty or already used by another class of the school and
    year (whatever its case: "3t" and "3T" would be the same class to a person)."""
    name = (name or "").strip()
    if not name:
        raise ClassError("A class needs a name.", field="name")
    taken = TeachingGroup.objects.filter(school=school, academic_year=year, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise _name_taken_error(school, year, name)
    return name


def _save_group(group: TeachingGroup) -> None:
    """Save in a savepoint: when another request took the name between the check and the save,
    the database's unique constraint refuses it, and that is the same refusal as the check's."""
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as error:
        raise _name_taken_error(group.school, group.academic_year, group.name) from error


@transaction.atomic
def create_group(
    actor: Actor | None,
    school: School,
    year: AcademicYear,
    name: str,
    *,
    nc_year: int | None = None,
    subject: str = "",
) -> TeachingGroup:
    name = _clean_name(school, year, name)
    group = TeachingGroup(school=school, academic_year=year, name=name, nc_year=nc_year, subject=subject)
    _save_group(group)
    record(actor, AuditAction.CREATE, group, school_id=school.pk)
    return group


@transaction.atomic
def update_group(actor: Actor | None, group: TeachingGroup, **changes: Any) -> TeachingGroup:
    unknown = sorted(set(changes) - GROUP_FIELDS)
    if unknown:
        raise ClassError(f"{', '.join(unknown)} cannot be changed here")
    before = snapshot(group)
    if "name" in changes:
        changes["name"] = _clean_name(group.school, group.academic_year, changes["name"], exclude_pk=group.pk)
    for name, value in changes.items():
        setattr(group, name, value)
    _save_group(group)
    record(
        actor,
        AuditAction.UPDATE,
        group,
        before=before,
        after=snapshot(group),
        school_id=group.school_id,
    )
    return group


@transaction.atomic
def set_pupils(actor: Actor | None, group: TeachingGroup, pupils: Iterable[Pupil | int]) -> None:
    """Make the group's pupils exactly ``pupils`` (pupils or their ids, who must be on the
    school's roll)."""
    wanted = {p if isinstance(p, int) else p.pk for p in pupils}
    on_roll = set(
        Enrolment.objects.filter(pupil_id__in=wanted, school=group.school).values_list("pupil_id", flat=True)
    )
    if wanted - on_roll:
        raise ClassError("Only pupils on the school's roll can join its classes.")
    current = set(group.memberships.values_list("pupil_id", flat=True))
    add, remove = wanted - current, current - wanted
    if not add and not remove:
        return
    GroupMembership.objects.filter(group=group, pupil_id__in=remove).delete()
    GroupMembership.objects.bulk_create(GroupMembership(group=group, pupil_id=pid) for pid in add)
    record(
        actor,
        AuditAction.UPDATE,
        group,
        before={"pupils": sorted(current)},
        after={"pupils": sorted(wanted)},
        school_id=group.school_id,
        reason="class list changed",
    )


@transaction.atomic
def assign_staff(
    actor: Actor | None, group: TeachingGroup, user: User, role: str = StaffRole.TEACHER
) -> GroupStaff:
    link, created = GroupStaff.objects.update_or_create(group=group, user=user, defaults={"role": role})
    record(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        link,
        school_id=group.school_id,
        reason=f"{user} as {role} of {group}",
    )
    return link


@transaction.atomic
def remove_staff(actor: Actor | None, link: GroupStaff) -> None:
    record(actor, AuditAction.DELETE, link, before=snapshot(link), school_id=link.group.school_id)
    link.delete()


@dataclass
class RolloverResult:
    pupils_moved_on: int
    leavers_closed: int
    classes_created: int


# Early-years names that do not move up by adding one to a number: Reception becomes Year 1,
# the nursery's last year (N2, or a nursery without a number) becomes Reception.
_RECEPTION_WORD = re.compile(r"\bReception\b", re.IGNORECASE)
_RECEPTION_SHORT = re.compile(r"^(?:Year\s+R|Rec\.?|R)(?=[\s\-:/]|$)", re.IGNORECASE)
_NURSERY_FIRST = re.compile(r"^(?:Nursery\s*1|N1)(?=[\s\-:/]|$)", re.IGNORECASE)
_NURSERY_LAST = re.compile(r"^(?:Nursery\s*2|N2)(?=[\s\-:/]|$)", re.IGNORECASE)
_NURSERY_WORD = re.compile(r"\bNursery\b(?!\s*\d)", re.IGNORECASE)


def next_group_name(name: str) -> str:
    """The name of a class a year on. 'Year 3 Oak' -> 'Year 4 Oak', '3T' -> '4T';
    'Reception Oak' / 'R Oak' / 'Rec Oak' / 'Year R Oak' -> 'Year 1 Oak'; 'N1 Oak' -> 'N2 Oak';
    'Nursery Oak' / 'N2 Oak' -> 'Reception Oak'. A name with no year in it is kept as it is."""
    if _RECEPTION_WORD.search(name):
        return _RECEPTION_WORD.sub("Year 1", name, count=1)
    if match := _RECEPTION_SHORT.match(name):
        return "Year 1" + name[match.end() :]
    if match := _NURSERY_FIRST.match(name):
        return ("Nursery 2" if match.group().lower().startswith("nursery") else "N2") + name[match.end() :]
    if match := _NURSERY_LAST.match(name):
        return "Reception" + name[match.end() :]
    if _NURSERY_WORD.search(name):
        return _NURSERY_WORD.sub("Reception", name, count=1)
    match = re.search(r"\d+", name)
    if not match:
        return name
    return name[: match.start()] + str(int(match.group()) + 1) + name[match.end() :]


def open_enrolments(school: School, last_day: dt.date) -> QuerySet[Enrolment]:
    """Enrolments at the school begun by the year's last day and not ended: for a leaver, what the
    rollover closes (one already closed is left as it is)."""
    return Enrolment.objects.filter(school=school, start_date__lte=last_day, end_date__isnull=True)


@transaction.atomic
def rollover(
    actor: Actor | None, school: School, from_year: AcademicYear, *, final_nc_year: int | None = None
) -> RolloverResult:
    """Year-end rollover for one school: NC years move on, the next year's classes are made from
    this year's (same staff, pupils moved up), and pupils leaving the school's last year are
    taken off roll on the last day of the year. Running it twice changes nothing the second time.
    """
    if final_nc_year is None:
        final_nc_year = FINAL_NC_YEAR[school.school_type]
    if school.trust is None:
        raise ClassError(f"{school} is not in a trust, so it has no academic years to roll over into.")
    to_year = ensure_academic_year(actor, school.trust, from_year.start_year + 1)
    last_day = from_year.ends_on
    first_day = to_year.starts_on
    periods = list(
        CharacteristicsPeriod.objects.filter(
            pupil_id__in=Pupil.objects.filter(on_roll(school.pk, last_day)).values("pk"),
            valid_to__isnull=True,
            valid_from__lt=first_day,
        ).select_related("pupil")
    )
    leavers = {p.pupil_id for p in periods if p.nc_year >= final_nc_year}
    moving = [p for p in periods if p.pupil_id not in leavers]
    new_periods = []
    for period in moving:
        period.valid_to = first_day
        values = period.values()
        values["nc_year"] = period.nc_year + 1
        new_periods.append(
            CharacteristicsPeriod(pupil_id=period.pupil_id, valid_from=first_day, recorded_by=None, **values)
        )
    CharacteristicsPeriod.objects.bulk_update(moving, ["valid_to"], batch_size=2000)
    CharacteristicsPeriod.objects.bulk_create(new_periods, batch_size=2000)

    closing = list(open_enrolments(school, last_day).filter(pupil_id__in=leavers))
    for enrolment in closing:
        enrolment.end_date = last_day
        enrolment.leaving_reason = LeavingReason.END_OF_PHASE
    Enrolment.objects.bulk_update(closing, ["end_date", "leaving_reason"], batch_size=2000)

    class_changes: list[Change] = []
    for group in TeachingGroup.objects.filter(school=school, academic_year=from_year).prefetch_related(
        "memberships", "staff_links"
    ):
        if group.nc_year is not None and group.nc_year >= final_nc_year:
            continue
        name = next_group_name(group.name)
        new_group, made = TeachingGroup.objects.get_or_create(
            school=school,
            academic_year=to_year,
            name=name,
            defaults={
                "nc_year": None if group.nc_year is None else group.nc_year + 1,
                "subject": group.subject,
            },
        )
        if not made:
            continue
        pupils = sorted(m.pupil_id for m in group.memberships.all() if m.pupil_id not in leavers)
        staff = [(s.user_id, s.role) for s in group.staff_links.all()]
        GroupMembership.objects.bulk_create(GroupMembership(group=new_group, pupil_id=pid) for pid in pupils)
        GroupStaff.objects.bulk_create(
            GroupStaff(group=new_group, user_id=user_id, role=role) for user_id, role in staff
        )
        after = {
            **snapshot(new_group),
            "made_from": group.pk,
            "pupils": pupils,
            "staff": [{"user": u, "role": r} for u, r in sorted(staff)],
        }
        class_changes.append(Change(AuditAction.CREATE, new_group, None, after, school.pk))
    record_many(
        actor,
        [
            Change(
                AuditAction.UPDATE,
                period.pupil,
                {"nc_year": period.nc_year},
                {"nc_year": period.nc_year + 1},
                school.pk,
            )
            for period in moving
        ],
        reason=f"rollover {from_year.label}: NC year from {first_day:%d/%m/%Y}",
    )
    record_many(
        actor,
        [
            Change(AuditAction.UPDATE, e, {"end_date": None}, {"end_date": last_day.isoformat()}, school.pk)
            for e in closing
        ],
        reason=f"rollover {from_year.label} leavers",
    )
    record_many(actor, class_changes, reason=f"rollover {from_year.label} classes")
    created = len(class_changes)
    record(
        actor,
        AuditAction.UPDATE,
        school,
        before={"academic_year": from_year.label},
        after={
            "academic_year": to_year.label,
            "pupils_moved_on": len(new_periods),
            "leavers_closed": len(closing),
            "classes_created": created,
        },
        school_id=school.pk,
        reason="year-end rollover",
    )
    return RolloverResult(len(new_periods), len(closing), created)


def rollover_date_check(from_year: AcademicYear, today: dt.date | None = None) -> str | None:
    """A warning when the rollover is run well before the end of the year."""
    today = today or dt.date.today()
    if today < from_year.ends_on - dt.timedelta(days=45):
        return f"{from_year.label} does not end until {from_year.ends_on:%d %B %Y}."
    return None


@transaction.atomic
def set_staff(actor: Actor | None, group: TeachingGroup, staff: Iterable[tuple[User, str]]) -> None:
    """Make ``staff`` (user, role) the group's whole staff list: links not in it are removed,
    new or changed ones assigned; unchanged ones are left alone (and not audited)."""
    wanted = {user.pk: (user, role) for user, role in staff}
    current = {link.user_id: link for link in group.staff_links.select_related("user", "group")}
    for user_id, link in current.items():
        if user_id not in wanted:
            remove_staff(actor, link)
    for user_id, (user, role) in wanted.items():
        if user_id not in current or current[user_id].role != role:
            assign_staff(actor, group, user, role)


# --- the rollover's preview: its plan, read without changing anything --------------------------


@dataclass
class ClassPlan:
    name: str
    new_name: str
    pupils: int


@dataclass
class RolloverPreview:
    """What a rollover would do, worked out without changing anything."""

    from_year: AcademicYear
    to_label: str
    final_nc_year: int
    moving: list[tuple[str, str, int]] = field(default_factory=list)  # (from label, to label, pupils)
    leaving: list[tuple[str, int]] = field(default_factory=list)  # (NC year label, pupils)
    leavers_closed: int = 0
    classes: list[ClassPlan] = field(default_factory=list)
    warning: str | None = None

    @property
    def pupils_moving_on(self) -> int:
        return sum(count for _, _, count in self.moving)

    @property
    def pupils_leaving(self) -> int:
        return sum(count for _, count in self.leaving)

    @property
    def nothing_to_do(self) -> bool:
        return not (self.moving or self.leaving or self.classes)


def rollover_preview(
    school: School, from_year: AcademicYear, today: dt.date | None = None
) -> RolloverPreview:
    final = FINAL_NC_YEAR[school.school_type]
    last_day = from_year.ends_on
    first_day = dt.date(from_year.start_year + 1, 9, 1)
    next_start = from_year.start_year + 1
    preview = RolloverPreview(
        from_year=from_year,
        to_label=f"{next_start}/{(next_start + 1) % 100:02d}",
        final_nc_year=final,
        warning=rollover_date_check(from_year, today),
    )
    periods = CharacteristicsPeriod.objects.filter(
        pupil_id__in=Pupil.objects.filter(on_roll(school.pk, last_day)).values("pk"),
        valid_to__isnull=True,
        valid_from__lt=first_day,
    )
    moving = periods.filter(nc_year__lt=final).values_list("nc_year").annotate(pupils=Count("id"))
    for nc_year, count in sorted(moving):
        label = NC_YEAR_LABELS.get(nc_year, str(nc_year))
        preview.moving.append((label, NC_YEAR_LABELS.get(nc_year + 1, str(nc_year + 1)), count))
    leaver_ids = periods.filter(nc_year__gte=final).values("pupil_id")
    # Leavers whose enrolment is still open: a second run finds them already taken off roll.
    still_open = open_enrolments(school, last_day).filter(pupil_id__in=leaver_ids)
    leaving = (
        periods.filter(nc_year__gte=final, pupil_id__in=still_open.values("pupil_id"))
        .values_list("nc_year")
        .annotate(pupils=Count("id"))
    )
    preview.leaving = [
        (NC_YEAR_LABELS.get(nc_year, str(nc_year)), count) for nc_year, count in sorted(leaving)
    ]
    preview.leavers_closed = still_open.count()

    existing: set[str] = set()  # a school outside a trust has no academic years, so no classes
    if school.trust_id is not None:
        existing.update(
            TeachingGroup.objects.filter(
                school=school, academic_year__trust_id=school.trust_id, academic_year__start_year=next_start
            ).values_list("name", flat=True)
        )
    groups = (
        TeachingGroup.objects.filter(school=school, academic_year=from_year)
        .filter(Q(nc_year__isnull=True) | Q(nc_year__lt=final))
        .annotate(staying=Count("memberships", filter=~Q(memberships__pupil_id__in=leaver_ids)))
        .order_by("nc_year", "name")
    )
    for group in groups:
        new_name = next_group_name(group.name)
        if new_name not in existing:
            preview.classes.append(ClassPlan(group.name, new_name, group.staying))
    return preview
