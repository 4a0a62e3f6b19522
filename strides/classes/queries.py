"""Reads about classes and the year-end rollover."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from strides.classes.models import GroupStaff, TeachingGroup
from strides.classes.services import FINAL_NC_YEAR, next_group_name, open_enrolments, rollover_date_check
from strides.organisations.models import AcademicYear, School
from strides.pupils.codes import NC_YEAR_LABELS
from strides.pupils.models import CharacteristicsPeriod, Pupil
from strides.pupils.queries import on_roll


def staff_with_users() -> Prefetch:
    """A class's staff and their names in one query, for class lists."""
    return Prefetch("staff_links", queryset=GroupStaff.objects.select_related("user").order_by("role", "id"))


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

    existing = set(
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
