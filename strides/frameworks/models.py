"""Assessment frameworks, the trust's common scale, and the crosswalk between them.

A school records a judgement as a *level* of its own framework (PK4, "Y3 EXS", Entry Level 2...).
The trust compares every pupil on one *common scale* ("Next Steps" by default): a versioned
*crosswalk* maps each framework level to a common point, best fit, many to one. See docs/adr/0006.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SubjectPhase(models.TextChoices):
    """Which schools owe a subject in a drop (docs/frameworks.md, "Subjects"): "all" subjects are
    owed everywhere; primary and secondary ones by schools of that phase. Special, all-through and
    middle schools take every phase."""

    ALL = "all", "All phases"
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class Subject(models.Model):
    """A subject judgements are recorded in. Shipped subjects (no trust) are offered to every
    trust; a trust's own subjects have its trust; a school's own addition has its school and that
    school's trust. Codes are unique within a trust's namespace: shipped codes, the trust's and its
    schools' (the database holds the last two; ``services.add_subject`` the shipped ones). Archived
    subjects are never deleted: hidden from pickers and new drops, kept for history. A shipped
    subject is archived for one trust by a :class:`TrustSubject` row."""

    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=100)
    phase = models.CharField(max_length=10, choices=SubjectPhase.choices, default=SubjectPhase.ALL)
    trust = models.ForeignKey(
        "organisations.Trust", null=True, blank=True, on_delete=models.CASCADE, related_name="subjects"
    )
    school = models.ForeignKey(
        "organisations.School", null=True, blank=True, on_delete=models.CASCADE, related_name="subjects"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(trust__isnull=True), name="unique_shipped_subject_code"
            ),
            models.UniqueConstraint(
                fields=["trust", "code"], condition=Q(trust__isnull=False), name="unique_trust_subject_code"
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(trust__isnull=False), name="school_subject_has_trust"
            ),
            models.CheckConstraint(
                condition=Q(trust__isnull=False) | Q(archived_at__isnull=True),
                name="shipped_subject_archived_per_trust",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shipped(self) -> bool:
        return self.trust_id is None


class TrustSubject(models.Model):
    """One trust's settings for a shipped subject: archived for the trust (hidden from its pickers
    and new drops, restorable), and the phase the trust gives it when it differs from the shipped
    one. Absent: the shipped subject as shipped."""

    trust = models.ForeignKey("organisations.Trust", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="trust_settings")
    phase = models.CharField(max_length=10, choices=SubjectPhase.choices, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trust", "subject"], name="unique_trust_subject")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.trust}"


class Framework(models.Model):
    """An ordered scale of levels. Shipped frameworks have no trust; bespoke ones belong to a
    trust, or to one school of it."""

    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    trust = models.ForeignKey(
        "organisations.Trust", null=True, blank=True, on_delete=models.CASCADE, related_name="frameworks"
    )
    school = models.ForeignKey(
        "organisations.School", null=True, blank=True, on_delete=models.CASCADE, related_name="frameworks"
    )
    subjects = models.ManyToManyField(Subject, related_name="frameworks", blank=True)
    # Engagement-model style frameworks record *that* a pupil was assessed on them, plus notes on
    # named areas (exploration, realisation, ...), rather than a graded level.
    note_areas = models.JSONField(default=list, blank=True)
    shipped = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(trust__isnull=True), name="unique_shipped_framework_code"
            ),
            models.UniqueConstraint(
                fields=["trust", "code"], condition=Q(trust__isnull=False), name="unique_trust_framework_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="levels")
    code = models.CharField(max_length=30)
    label = models.CharField(max_length=120)
    descriptor = models.TextField(blank=True)
    order = models.PositiveIntegerField()
    # Other spellings teachers and spreadsheets use for this level ("Y3 Exp", "3EXS", "pk 4").
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["framework_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_level_code"),
            models.UniqueConstraint(fields=["framework", "order"], name="unique_level_order"),
        ]

    def __str__(self) -> str:
        return self.code


class CommonScale(models.Model):
    """The trust's one scale, spanning earliest engagement to GCSE."""

    trust = models.OneToOneField("organisations.Trust", on_delete=models.CASCADE, related_name="common_scale")
    name = models.CharField(max_length=60, default="Next Steps")
    short_name = models.CharField(max_length=10, default="NS")

    def __str__(self) -> str:
        return self.name


class ScalePoint(models.Model):
    scale = models.ForeignKey(CommonScale, on_delete=models.CASCADE, related_name="points")
    value = models.PositiveIntegerField(help_text="Position on the scale: higher is further on.")
    code = models.CharField(max_length=20)
    label = models.CharField(max_length=120)
    descriptor = models.TextField(blank=True)

    class Meta:
        ordering = ["scale_id", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="unique_point_value"),
            models.UniqueConstraint(fields=["scale", "code"], name="unique_point_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Term(models.TextChoices):
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


class ExpectedPoint(models.Model):
    """The point a pupil of an NC year is expected to have reached by the end of a term."""

    scale = models.ForeignKey(CommonScale, on_delete=models.CASCADE, related_name="expected_points")
    nc_year = models.SmallIntegerField()
    term = models.CharField(max_length=6, choices=Term.choices)
    point = models.ForeignKey(ScalePoint, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["nc_year", "term"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "nc_year", "term"], name="unique_expected_point")
        ]


class Crosswalk(models.Model):
    """One version of the mapping from framework levels to common points, in force from a date."""

    scale = models.ForeignKey(CommonScale, on_delete=models.CASCADE, related_name="crosswalks")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scale_id", "-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "version"], name="unique_crosswalk_version"),
            models.UniqueConstraint(fields=["scale", "effective_from"], name="unique_crosswalk_date"),
        ]

    def __str__(self) -> str:
        return f"Crosswalk v{self.version} from {self.effective_from:%d/%m/%Y}"


class CrosswalkEntry(models.Model):
    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="entries")
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="crosswalk_entries")
    point = models.ForeignKey(ScalePoint, on_delete=models.PROTECT, related_name="crosswalk_entries")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crosswalk", "level"], name="unique_crosswalk_level")]

    def __str__(self) -> str:
        return f"{self.level} -> {self.point.code} (crosswalk v{self.crosswalk.version})"


class FrameworkAssignment(models.Model):
    """Which framework a school uses for a subject: for the whole school (no NC year, no pupil),
    a year group, or one pupil, from a date (pupils can change framework over time)."""

    school = models.ForeignKey(
        "organisations.School", on_delete=models.CASCADE, related_name="framework_assignments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assignments")
    nc_year = models.SmallIntegerField(null=True, blank=True)
    pupil = models.ForeignKey(
        "pupils.Pupil", null=True, blank=True, on_delete=models.CASCADE, related_name="framework_assignments"
    )
    valid_from = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["school_id", "subject_id", "-valid_from"]
        indexes = [models.Index(fields=["school", "subject", "valid_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "subject", "nc_year", "pupil", "valid_from"], name="unique_assignment"
            )
        ]

    def __str__(self) -> str:
        who = (
            f"pupil {self.pupil_id}"
            if self.pupil_id
            else (f"NC year {self.nc_year}" if self.nc_year is not None else "whole school")
        )
        return f"{self.framework} for {self.subject} at {self.school} ({who}) from {self.valid_from:%d/%m/%Y}"


class ConfigurationStamp(models.Model):
    """One row whose ``token`` becomes a new random value, by database triggers (migration 0006:
    strides/frameworks/configuration.py), in the same transaction as any change to the tables a
    trust's assessment configuration is read from: subjects, frameworks and their levels and
    subjects, framework assignments, the common scale, crosswalks and a drop's subjects.

    A process keeps what it built from those tables (``configuration.stamped``) under the token
    it read with the request's own first query, so a change anywhere, by any path (a service,
    ``bulk_create``, a migration, SQL), is seen by the next request of every process. A random
    token, not a counter, so a rolled-back transaction or a restored backup never meets what
    was built for other rows under the same number. No row (a new or flushed database): nothing
    is kept."""

    token = models.CharField(max_length=40)
