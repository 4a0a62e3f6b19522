from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

if TYPE_CHECKING:
    from strides.accounts.models import User


class Trust(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="regions")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["trust", "name"], name="unique_region_name")]

    def __str__(self) -> str:
        return self.name


class SchoolType(models.TextChoices):
    PRIMARY = "primary", "Mainstream primary"
    SECONDARY = "secondary", "Mainstream secondary"
    ALL_THROUGH = "all_through", "All-through"
    SPECIAL = "special", "Special"
    AP = "ap", "Alternative provision"


class Phase(models.TextChoices):
    NURSERY = "nursery", "Nursery"
    PRIMARY = "primary", "Primary"
    MIDDLE = "middle", "Middle"
    SECONDARY = "secondary", "Secondary"
    ALL_THROUGH = "all_through", "All-through"
    SIXTEEN_PLUS = "16_plus", "16 plus"


urn_validator = RegexValidator(r"^\d{6}$", "A URN is six digits.")
la_validator = RegexValidator(r"^\d{3}$", "An LA code is three digits.")
estab_validator = RegexValidator(r"^\d{4}$", "An establishment number is four digits.")


class School(models.Model):
    """A school. Schools with no trust are outside it: known only as placing schools of AP pupils."""

    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=6, unique=True, validators=[urn_validator])
    la_code = models.CharField("LA code", max_length=3, validators=[la_validator])
    establishment_number = models.CharField(max_length=4, validators=[estab_validator])
    school_type = models.CharField(max_length=16, choices=SchoolType.choices)
    phase = models.CharField(max_length=16, choices=Phase.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="schools"
    )
    joined_trust_on = models.DateField(null=True, blank=True)
    officers: models.ManyToManyField[User, SchoolOfficer] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="SchoolOfficer",
        related_name="assigned_schools",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["la_code", "establishment_number"], name="unique_laestab")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def laestab(self) -> str:
        return f"{self.la_code}{self.establishment_number}"

    @property
    def in_trust(self) -> bool:
        return self.trust_id is not None


class OfficerKind(models.TextChoices):
    EAP = "eap", "Executive assurance partner"
    REGIONAL_DIRECTOR = "regional_director", "Regional director"


class SchoolOfficer(models.Model):
    """A trust officer (EAP or regional director) assigned to support and challenge a school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="officer_assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_assignments"
    )
    kind = models.CharField(max_length=20, choices=OfficerKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "user", "kind"], name="unique_officer")]

    def __str__(self) -> str:
        return f"{self.user}, {self.get_kind_display().lower()} for {self.school}"


class AcademicYear(models.Model):
    """An academic year of the trust, 1 September to 31 August unless set otherwise."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="academic_years")
    start_year = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["start_year"]
        constraints = [models.UniqueConstraint(fields=["trust", "start_year"], name="unique_academic_year")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @staticmethod
    def start_year_for(day: dt.date) -> int:
        return day.year if day.month >= 9 else day.year - 1


class HalfTerm(models.TextChoices):
    AUTUMN_1 = "autumn_1", "Autumn 1"
    AUTUMN_2 = "autumn_2", "Autumn 2"
    SPRING_1 = "spring_1", "Spring 1"
    SPRING_2 = "spring_2", "Spring 2"
    SUMMER_1 = "summer_1", "Summer 1"
    SUMMER_2 = "summer_2", "Summer 2"


class TermDates(models.Model):
    """Dates of one half-term. ``school`` empty: the trust default; set: that school's override."""

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="term_dates")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="term_dates"
    )
    half_term = models.CharField(max_length=10, choices=HalfTerm.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "school", "half_term"], name="unique_school_half_term"
            ),
            models.UniqueConstraint(
                fields=["academic_year", "half_term"],
                condition=models.Q(school__isnull=True),
                name="unique_trust_half_term",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        where = self.school.name if self.school else "trust default"
        return f"{self.get_half_term_display()} {self.academic_year.label} ({where})"

    @property
    def term(self) -> str:
        return self.half_term.split("_")[0]
