from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from strides.pupils.census_codes import (
    NC_YEAR_LABELS,
    Ethnicity,
    LeavingReason,
    RegistrationType,
    SenNeed,
    SenProvision,
    Sex,
)


class Pupil(models.Model):
    """A child, identified across schools by their UPN. Facts that change over time are kept in
    :class:`CharacteristicsPeriod`, never here."""

    upn = models.CharField("UPN", max_length=13, unique=True)
    legal_forename = models.CharField(max_length=100)
    legal_surname = models.CharField(max_length=100)
    middle_names = models.CharField(max_length=200, blank=True)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_surname", "legal_forename", "id"]
        indexes = [models.Index(fields=["legal_surname", "legal_forename"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.surname}"


class FormerUpn(models.Model):
    """A UPN the pupil used to have (a temporary UPN, or a duplicate permanent one)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="former_upns")
    upn = models.CharField("former UPN", max_length=13, db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "upn"], name="unique_former_upn")]

    def __str__(self) -> str:
        return f"Former UPN of {self.pupil}"


CHARACTERISTIC_FIELDS = (
    "nc_year",
    "ethnicity",
    "first_language",
    "eal",
    "sen_provision",
    "primary_need",
    "secondary_need",
    "fsm",
    "fsm_ever6",
    "looked_after",
    "previously_looked_after",
    "child_in_need",
)
# Special educational needs: only users holding EDIT_SEN at the school may change these.
SEN_FIELDS = ("sen_provision", "primary_need", "secondary_need")


class CharacteristicsPeriod(models.Model):
    """What was true of a pupil from ``valid_from`` until the day before ``valid_to``.

    Periods of one pupil never overlap and the open one has no ``valid_to``, so "as at" a date is
    one indexed look-up and analytics joins on a date range (see docs/adr/0003).
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="characteristics")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Exclusive; empty while current.")
    nc_year = models.SmallIntegerField("NC year", help_text="Actual NC year: N1=-2, N2=-1, R=0, 1-14.")
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOBT)
    first_language = models.CharField(max_length=8, blank=True, help_text="Census language code, e.g. ENG.")
    eal = models.BooleanField("EAL", default=False)
    sen_provision = models.CharField(max_length=1, choices=SenProvision.choices, default=SenProvision.NONE)
    primary_need = models.CharField(max_length=4, choices=SenNeed.choices, blank=True)
    secondary_need = models.CharField(max_length=4, choices=SenNeed.choices, blank=True)
    fsm = models.BooleanField("FSM", default=False)
    fsm_ever6 = models.BooleanField("FSM in the last six years (Ever 6)", default=False)
    looked_after = models.BooleanField(default=False)
    previously_looked_after = models.BooleanField(default=False)
    child_in_need = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil_id", "valid_from"]
        indexes = [models.Index(fields=["pupil", "valid_from"])]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "valid_from"], name="unique_period_start"),
            models.UniqueConstraint(
                fields=["pupil"], condition=models.Q(valid_to__isnull=True), name="one_open_period"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="period_ends_after_start",
            ),
        ]

    @property
    def disadvantaged(self) -> bool:
        """Disadvantaged as in DfE KS2 statistics: Ever 6 FSM, looked after, or previously."""
        return self.fsm_ever6 or self.fsm or self.looked_after or self.previously_looked_after

    @property
    def nc_year_label(self) -> str:
        return NC_YEAR_LABELS.get(self.nc_year, str(self.nc_year))

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in CHARACTERISTIC_FIELDS}


class Enrolment(models.Model):
    """A pupil on a school's roll. AP placements record the school that placed the pupil."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="enrolments")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="enrolments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day on roll; empty while on roll.")
    leaving_reason = models.CharField(max_length=20, choices=LeavingReason.choices, blank=True)
    registration = models.CharField(
        max_length=1, choices=RegistrationType.choices, default=RegistrationType.SINGLE
    )
    placing_school = models.ForeignKey(
        "organisations.School",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements_made",
        help_text="For alternative provision: the school that placed the pupil here.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["school", "end_date"]),
            models.Index(fields=["placing_school", "end_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="enrolment_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} at {self.school} from {self.start_date:%d/%m/%Y}"

    def is_current(self, on: dt.date | None = None) -> bool:
        day = on or dt.date.today()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    @property
    def is_placement(self) -> bool:
        return self.placing_school_id is not None


class StagedSenChange(models.Model):
    """A change to a pupil's SEN record that an import carried but its importer may not make (they
    lack EDIT_SEN at the school): kept for the school's SENCO or head to confirm or reject, never
    dropped. ``before`` is the record as the import saw it and ``proposed`` the record the file
    gives (each a mapping of :data:`SEN_FIELDS`). A pupil has at most one pending change: a newer
    import supersedes it. See docs/importing-pupils.md, "SEN changes for the SENCO"."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be confirmed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded by a later import"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="staged_sen_changes")
    school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, related_name="staged_sen_changes"
    )
    batch = models.ForeignKey(
        "imports.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staged_sen_changes",
        help_text="The upload it came from; empty for an import on the command line.",
    )
    source = models.CharField(max_length=255, help_text="The imported file's name.")
    row = models.PositiveIntegerField(null=True, blank=True, help_text="The pupil's row in the file.")
    before = models.JSONField(help_text="The SEN record when the file was imported.")
    proposed = models.JSONField(help_text="The SEN record the file gives.")
    effective = models.DateField(help_text="The day of the import: the change is recorded from then.")
    staged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who imported the file; empty for a command run on the server.",
    )
    staged_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded"
    )

    class Meta:
        ordering = ["-staged_at", "-id"]
        indexes = [models.Index(fields=["school", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=models.Q(status="pending"), name="one_pending_sen_change"
            ),
        ]

    def __str__(self) -> str:
        # no pupil name: audit entries of bulk staging read no pupil row each
        return f"SEN change for pupil {self.pupil_id} from {self.source} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
