from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffRole(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    TEACHING_ASSISTANT = "teaching_assistant", "Teaching assistant"


class TeachingGroup(models.Model):
    """A class or teaching group of one school in one academic year."""

    school = models.ForeignKey(
        "organisations.School", on_delete=models.CASCADE, related_name="teaching_groups"
    )
    academic_year = models.ForeignKey(
        "organisations.AcademicYear", on_delete=models.PROTECT, related_name="teaching_groups"
    )
    name = models.CharField(max_length=60)
    nc_year = models.SmallIntegerField(
        "NC year", null=True, blank=True, help_text="Empty for mixed-year groups."
    )
    subject = models.CharField(max_length=60, blank=True, help_text="Empty for a registration / form class.")
    pupils = models.ManyToManyField("pupils.Pupil", through="GroupMembership", related_name="teaching_groups")
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupStaff", related_name="teaching_groups"
    )

    class Meta:
        ordering = ["nc_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "academic_year", "name"], name="unique_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="memberships")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="group_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "pupil"], name="unique_group_member")]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.group}"


class GroupStaff(models.Model):
    group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="staff_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_links")
    role = models.CharField(max_length=20, choices=StaffRole.choices, default=StaffRole.TEACHER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="unique_group_staff")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display().lower()}) of {self.group}"
