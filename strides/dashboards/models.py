"""An external benchmark table for similar-learner percentiles (see ``strides.analytics.similar``).

By default a pupil's progress is compared with the trust's own rolling three-year pool. A trust
analyst may instead upload a benchmark table (for example a national one) as CSV, through
:func:`strides.dashboards.services.import_benchmark`; at most one per trust is in use."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExternalBenchmark(models.Model):
    trust = models.ForeignKey("organisations.Trust", on_delete=models.CASCADE, related_name="benchmarks")
    name = models.CharField(max_length=120, help_text="What the table is, e.g. 'National 2022-2025'.")
    source = models.CharField(max_length=300, blank=True, help_text="Where it came from, for the record.")
    filename = models.CharField(max_length=255)
    content = models.BinaryField(editable=False, help_text="The CSV file as uploaded (checked on upload).")
    cells = models.PositiveIntegerField(help_text="Rows of the table: cell x points gained.")
    pupils = models.PositiveBigIntegerField(help_text="Pupils in the any-need cells: the pool's size.")
    in_use = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust"], condition=models.Q(in_use=True), name="one_benchmark_in_use"
            )
        ]

    def __str__(self) -> str:
        return self.name
