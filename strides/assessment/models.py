"""Termly data drops and the judgements recorded in them. See docs/adr/0006 and 0007."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from strides.frameworks.models import Term
from strides.imports.models import UploadBatch


class DropKind(models.TextChoices):
    TERMLY = "termly", "Termly data drop"
    BASELINE = "baseline", "Baseline"


class DataDrop(models.Model):
    """A dated collection of summative judgements across the trust (or some of its schools)."""

    trust = models.ForeignKey("organisations.Trust", on_delete=models.CASCADE, related_name="data_drops")
    academic_year = models.ForeignKey(
        "organisations.AcademicYear", on_delete=models.PROTECT, related_name="data_drops"
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=DropKind.choices, default=DropKind.TERMLY)
    term = models.CharField(max_length=6, choices=Term.choices)
    opens_on = models.DateField()
    deadline = models.DateField()
    assessed_on = models.DateField(
        help_text="The date judgements describe: characteristics are taken as at it."
    )
    subjects = models.ManyToManyField("frameworks.Subject", related_name="data_drops")
    nc_years = models.JSONField(default=list, blank=True, help_text="NC years included; empty for all.")
    schools = models.ManyToManyField("organisations.School", through="DropSchool", related_name="data_drops")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")), name="deadline_after_open"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        """The name with its academic year said once: "Autumn 2026/27" whether the drop is named
        "Autumn" or, as the calendar names them, "Autumn 2026/27"."""
        return drop_title(self.name, self.academic_year.label)


def drop_title(name: str, year_label: str) -> str:
    """``name`` followed by ``year_label``, unless the name already says the year."""
    return name if year_label in name else f"{name} {year_label}"


class DropStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted by the head"
    LOCKED = "locked", "Locked by the trust"
    REOPENED = "reopened", "Reopened"


class DropSchool(models.Model):
    """One school's part in a drop and where it stands. Transitions go through
    ``strides.assessment.services`` and are audited."""

    drop = models.ForeignKey(DataDrop, on_delete=models.CASCADE, related_name="school_parts")
    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="drop_parts")
    status = models.CharField(max_length=12, choices=DropStatus.choices, default=DropStatus.NOT_STARTED)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopen_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["drop_id", "school__name"]
        constraints = [models.UniqueConstraint(fields=["drop", "school"], name="unique_drop_school")]

    def __str__(self) -> str:
        return f"{self.school} in {self.drop}"

    @property
    def teachers_may_edit(self) -> bool:
        return self.status in {DropStatus.NOT_STARTED, DropStatus.IN_PROGRESS, DropStatus.REOPENED}


class CurrentJudgements(models.Manager):
    """Judgements in force: a withdrawn one is left out of every figure, list, board, export and
    grid by default (ADR 7's amendment), so no reader has to remember to filter it out."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class Judgement(models.Model):
    """The current judgement for pupil x subject x drop. Every change is kept in
    :class:`JudgementRevision`; ``version`` counts them, so a save made against an older version
    is refused instead of silently overwriting someone else's newer edit.

    A judgement withdrawn as a mistake keeps its row (with its last level, who withdrew it, when
    and why) and its history, but ``Judgement.objects`` no longer returns it: every reader leaves
    it out without a filter of its own. ``Judgement.history`` returns every row (the writes, the
    history, the version of a withdrawn cell); re-entering a level reinstates it as a new version.
    """

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="judgements")
    subject = models.ForeignKey("frameworks.Subject", on_delete=models.PROTECT, related_name="+")
    drop = models.ForeignKey(DataDrop, on_delete=models.CASCADE, related_name="judgements")
    school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, related_name="judgements",
        help_text="The school that made the judgement.",
    )  # fmt: skip
    level = models.ForeignKey("frameworks.Level", on_delete=models.PROTECT, related_name="judgements")
    point = models.ForeignKey(
        "frameworks.ScalePoint", null=True, blank=True, on_delete=models.PROTECT, related_name="judgements"
    )
    crosswalk = models.ForeignKey(
        "frameworks.Crosswalk", null=True, blank=True, on_delete=models.PROTECT, related_name="judgements"
    )
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    objects = CurrentJudgements()
    history = models.Manager()  # noqa: DJ012 - the managers together, the default first

    class Meta:
        # the related managers (pupil.judgements, drop.judgements) leave withdrawn ones out too
        default_manager_name = "objects"
        base_manager_name = "history"
        ordering = ["drop_id", "pupil_id", "subject_id"]
        indexes = [models.Index(fields=["drop", "school"]), models.Index(fields=["pupil", "subject"])]
        constraints = [models.UniqueConstraint(fields=["pupil", "subject", "drop"], name="unique_judgement")]

    def __str__(self) -> str:
        return f"{self.pupil} {self.subject} {self.drop}: {self.level.code}"


class JudgementRevision(models.Model):
    """Append-only history of a judgement: who changed what, from what, to what."""

    judgement = models.ForeignKey(Judgement, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    level_before = models.ForeignKey(
        "frameworks.Level", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level_after = models.ForeignKey(
        "frameworks.Level", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    point_after = models.ForeignKey(
        "frameworks.ScalePoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=120, blank=True, help_text="e.g. grid, import FILE, crosswalk v2")

    class Meta:
        ordering = ["judgement_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["judgement", "version"], name="unique_judgement_version")
        ]


class DropImportBatch(UploadBatch):
    """An uploaded data-drop spreadsheet, kept between its preview and its commit
    (``strides.assessment.sheets``). The preview is a dry run; the commit reads the same file again
    and refuses any judgement whose version moved since (``versions``, as the preview saw them).
    The file's bytes are kept only until the import is committed."""

    drop = models.ForeignKey(DataDrop, on_delete=models.CASCADE, related_name="import_batches")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    versions = models.JSONField(
        default=dict, blank=True, help_text='"pupil_id:subject_id" -> the judgement version the preview saw.'
    )
    described_as = "drop import"

    def __str__(self) -> str:
        return f"{self.filename} → {self.drop_id} ({self.status})"

    @classmethod
    def import_only_fields(cls) -> dict[str, object]:
        return {**super().import_only_fields(), "versions": {}}
