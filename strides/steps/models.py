"""Small-step frameworks, what pupils secure on them, engagement observations and the termly
conversations personal thresholds raise. See docs/small-steps.md and docs/adr/0016-small-steps.md.

A framework has a *shape*: linear small steps (areas -> ordered steps -> statements), a milestone
map (strands of numbered milestones reached in any order), a domain x level matrix (domains ->
levels -> elements) or the engagement model (five areas observed in words, never scored). The
first three share one structure: :class:`StepArea` (area, strand, domain) -> :class:`Step`
(step, level; none in a milestone map) -> :class:`Statement` (statement, milestone, element).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Shape(models.TextChoices):
    LINEAR = "linear", "Linear small steps"
    MILESTONES = "milestones", "Milestone map"
    MATRIX = "matrix", "Domain x level matrix"
    ENGAGEMENT = "engagement", "Engagement model"


class StepFramework(models.Model):
    """A small-step framework. Shipped examples have no trust; a trust's own have its trust and
    no school (offered to its schools once ``shared``); a school's own have both."""

    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    shape = models.CharField(max_length=12, choices=Shape.choices)
    trust = models.ForeignKey(
        "organisations.Trust", null=True, blank=True, on_delete=models.CASCADE, related_name="step_frameworks"
    )
    school = models.ForeignKey(
        "organisations.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="step_frameworks",
    )
    shared = models.BooleanField(
        default=False, help_text="A trust framework its schools may use (shipped ones always are)."
    )
    # how "% of a step" is worked out (docs/small-steps.md, "Measures")
    partial_credit = models.BooleanField(
        default=False, help_text="Levels below secured count for their credit (e.g. developing = 0.5)."
    )
    step_complete_percent = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # the level framework whose levels stand for "within step N" on the common scale (linear only)
    levels_framework = models.OneToOneField(
        "frameworks.Framework",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="step_framework",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(trust__isnull=True), name="unique_shipped_step_framework_code"
            ),
            models.UniqueConstraint(
                fields=["trust", "code"],
                condition=Q(trust__isnull=False),
                name="unique_trust_step_framework_code",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(trust__isnull=False),
                name="school_step_framework_has_trust",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scored(self) -> bool:
        """Whether the framework has statements to secure: the engagement model has none."""
        return self.shape != Shape.ENGAGEMENT


class AchievementLevel(models.Model):
    """One level of security a framework records (not yet, emerging, developing, secured, not
    applicable by default). ``secured`` levels count towards % of a step; ``not_applicable`` ones
    leave the statement out; ``credit`` is what a level counts for when the framework gives
    partial credit."""

    framework = models.ForeignKey(StepFramework, on_delete=models.CASCADE, related_name="achievement_levels")
    code = models.CharField(max_length=3, help_text="What a teacher types in the grid: 0-4, E, D, S...")
    label = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField()
    secured = models.BooleanField(default=False)
    not_applicable = models.BooleanField(default=False)
    credit = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        ordering = ["framework_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_achievement_level_code"),
            models.UniqueConstraint(fields=["framework", "order"], name="unique_achievement_level_order"),
        ]

    def __str__(self) -> str:
        return self.label


class StepArea(models.Model):
    """An area (linear), strand (milestone map), domain (matrix) or engagement area."""

    framework = models.ForeignKey(StepFramework, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    # the subject a linear area stands for in data drops (communication -> English...), if any
    subject = models.ForeignKey(
        "frameworks.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["framework_id", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_step_area_code")]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """An ordered step of a linear area, or a level of a matrix domain."""

    area = models.ForeignKey(StepArea, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    # the levels of ``framework.levels_framework`` standing for this step on the common scale: the
    # first half of the step, and half or more (linear frameworks only)
    level_within = models.ForeignKey(
        "frameworks.Level", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level_beyond_half = models.ForeignKey(
        "frameworks.Level", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["area_id", "number"]
        constraints = [models.UniqueConstraint(fields=["area", "number"], name="unique_step_number")]

    def __str__(self) -> str:
        return f"{self.area.name}: {self.name}"


class Statement(models.Model):
    """A statement (linear), milestone (map) or element (matrix). A reworded statement keeps its
    wordings (:class:`StatementWording`); a removed one keeps its row and its records, and no
    longer counts in a step from the day it was removed."""

    area = models.ForeignKey(StepArea, on_delete=models.CASCADE, related_name="statements")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.CASCADE, related_name="statements")
    code = models.CharField(max_length=20)
    text = models.TextField()
    order = models.PositiveIntegerField()
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    key = models.BooleanField(default=False, help_text="A key statement or key milestone.")
    leads_to = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="led_from")
    wording_version = models.PositiveIntegerField(default=1)
    removed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["area_id", "step_id", "order"]
        constraints = [models.UniqueConstraint(fields=["area", "code"], name="unique_statement_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class StatementWording(models.Model):
    """Every wording a statement has had, so a record is read with the words it was made against."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="wordings")
    version = models.PositiveIntegerField()
    text = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "version"], name="unique_statement_wording")
        ]


class StepAssignment(models.Model):
    """A pupil follows a framework at a school from a date (until ``ends_on``, exclusive of
    nothing: the last day it applied). A pupil may change framework mid-year."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="step_assignments")
    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(StepFramework, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pupil_id", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "framework", "starts_on"], name="unique_step_assignment"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="step_assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} on {self.framework} from {self.starts_on:%d/%m/%Y}"


# The four aspects of lateral progress (MAPP's assessment of lateral progress, after Equals),
# each rated on LATERAL_SCALE. docs/small-steps.md, "Lateral progress".
ASPECTS = ("independence", "fluency", "maintenance", "generalisation")


class LateralRating(models.IntegerChoices):
    """One scale for each aspect, worded per aspect in ``ASPECT_WORDS`` (steps/lateral.py)."""

    NOT_YET = 1, "1 Not yet"
    BEGINNING = 2, "2 Beginning"
    SOMETIMES = 3, "3 Sometimes"
    MOSTLY = 4, "4 Mostly"
    FULLY = 5, "5 Fully"


class AchievementRecord(models.Model):
    """One judgement of a pupil on a statement, kept for ever (append-only): a change is a new
    record with the next ``version`` for that pupil and statement, so a save made against an
    older version is refused rather than overwriting someone's newer record."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="achievement_records")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="records")
    level = models.ForeignKey(AchievementLevel, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    version = models.PositiveIntegerField()
    wording_version = models.PositiveIntegerField(default=1)
    note = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    independence = models.PositiveSmallIntegerField(null=True, blank=True, choices=LateralRating.choices)
    fluency = models.PositiveSmallIntegerField(null=True, blank=True, choices=LateralRating.choices)
    maintenance = models.PositiveSmallIntegerField(null=True, blank=True, choices=LateralRating.choices)
    generalisation = models.PositiveSmallIntegerField(null=True, blank=True, choices=LateralRating.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil_id", "statement_id", "version"]
        indexes = [
            models.Index(fields=["statement", "pupil"]),
            # a pupil's records read through the gate filter on the pupil and the school that made
            # them: with this index SQLite needs no statistics to start from the pupil
            models.Index(fields=["pupil", "school"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "statement", "version"], name="unique_achievement_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} {self.statement.code}: {self.level} ({self.assessed_on:%d/%m/%Y})"


class EngagementObservation(models.Model):
    """A dated observation of a pupil in one area of the engagement model, in words and evidence.
    It has no score, and there is deliberately no field to hold one."""

    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="engagement_observations"
    )
    area = models.ForeignKey(StepArea, on_delete=models.PROTECT, related_name="observations")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    observed_on = models.DateField()
    narrative = models.TextField()
    evidence_links = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil_id", "area_id", "observed_on"]

    def __str__(self) -> str:
        return f"{self.pupil} {self.area} {self.observed_on:%d/%m/%Y}"


class Delegation(models.Model):
    """A teacher lets a teaching assistant of their class record in one area of a framework."""

    group = models.ForeignKey(
        "classes.TeachingGroup", on_delete=models.CASCADE, related_name="step_delegations"
    )
    assistant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(StepArea, on_delete=models.CASCADE, related_name="delegations")
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delegated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "assistant", "area"], name="unique_step_delegation")
        ]

    def __str__(self) -> str:
        return f"{self.area} in {self.group} to {self.assistant}"


class ThresholdPolicy(models.Model):
    """A school's personal progress thresholds, for all its frameworks or one: a term's progress
    below ``below_percent`` or above ``above_percent`` of a step raises a conversation."""

    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(
        StepFramework, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    below_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("2"))
    above_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("20"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "framework"], name="unique_threshold_policy"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(framework__isnull=True), name="unique_school_threshold_policy"
            ),
            models.CheckConstraint(
                condition=Q(below_percent__lt=models.F("above_percent")), name="threshold_below_under_above"
            ),
        ]


class Crossing(models.TextChoices):
    BELOW = "below", "Below the lower threshold"
    LATERAL_ONLY = "lateral_only", "Below the lower threshold, with lateral gains only"
    ABOVE = "above", "Above the upper threshold"


class AgreedAction(models.TextChoices):
    """What a conversation may agree, until a school sets its own list (:class:`SchoolAction`)."""

    CLUB = "club", "Lunchtime or after-school club"
    THERAPY = "therapy", "Therapy input"
    INDIVIDUAL = "individual", "Individual sessions"
    CHANGE_TARGET = "change_target", "Change of target"
    NO_ACTION = "no_action", "No action"
    OTHER = "other", "Other"


class Conversation(models.Model):
    """A conversation a term's progress in one area raised for the class teacher and SENCO: who
    met, when, what was agreed and when to follow it up; closed with its outcome."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="step_conversations")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(StepArea, on_delete=models.PROTECT, related_name="conversations")
    academic_year = models.ForeignKey(
        "organisations.AcademicYear", on_delete=models.PROTECT, related_name="+"
    )
    term = models.CharField(max_length=6)
    crossing = models.CharField(max_length=12, choices=Crossing.choices)
    progress_percent = models.DecimalField(max_digits=6, decimal_places=2)
    lateral_gains = models.PositiveSmallIntegerField(default=0)
    below_percent = models.DecimalField(max_digits=5, decimal_places=2)
    above_percent = models.DecimalField(max_digits=5, decimal_places=2)
    raised_at = models.DateTimeField(auto_now_add=True)
    held_on = models.DateField(null=True, blank=True)
    attendees = models.CharField(max_length=300, blank=True)
    # the code of one of the school's actions (SchoolAction, or AgreedAction's defaults) and its
    # words as they were when agreed, so a renamed or retired action keeps its meaning here
    agreed_action = models.CharField(max_length=40, blank=True)
    agreed_label = models.CharField(max_length=80, blank=True)
    agreed_detail = models.TextField(blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "area", "academic_year", "term"], name="one_conversation_per_area_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} {self.area} {self.term}: {self.get_crossing_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SchoolAction(models.Model):
    """One of what a school's conversations may agree (a lunchtime club, therapy input...). A school
    with none uses :class:`AgreedAction`'s; "Other" (with details) is always offered. Retired ones
    stay for the conversations that agreed them."""

    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField()
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["school_id", "order"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="unique_school_action_code")]

    def __str__(self) -> str:
        return self.label


class ProgressShare(models.Model):
    """The school has shared a pupil's progress page with their parents and carers."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="progress_shares")
    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "school"], name="unique_progress_share")]
