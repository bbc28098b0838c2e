"""CSV and API imports of debtors and debts: one job per upload or API call, and the rows it rejected."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportSource(models.TextChoices):
    CSV = "csv", _("CSV file")
    API = "api", _("API")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DateOrder(models.TextChoices):
    """How dates that are not ISO (YYYY-MM-DD) are read. ISO dates are always accepted."""

    ISO = "ymd", _("ISO only (2024-03-31)")
    DAY_FIRST = "dmy", _("Day first (31/03/2024, 31.03.2024)")
    MONTH_FIRST = "mdy", _("Month first (03/31/2024)")


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=3, choices=ImportSource.choices, default=ImportSource.CSV)
    status = models.CharField(max_length=8, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    # What the job is doing right now, for the progress bar ("reading", "checking", "writing").
    phase = models.CharField(max_length=20, blank=True)
    file = models.FileField(upload_to="imports/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    header = models.JSONField(default=list, blank=True)
    # Target field → index of the file column it is read from.
    mapping = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(_("dates"), max_length=3, choices=DateOrder.choices, default=DateOrder.DAY_FIRST)
    decimal_comma = models.BooleanField(_("decimal comma"), default=False)
    default_currency = models.CharField(max_length=3)
    total_rows = models.BigIntegerField(default=0)
    processed_rows = models.BigIntegerField(default=0)
    created_count = models.BigIntegerField(default=0)
    updated_count = models.BigIntegerField(default=0)
    unchanged_count = models.BigIntegerField(default=0)
    rejected_count = models.BigIntegerField(default=0)
    failure_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_key_id = models.BigIntegerField(null=True, blank=True)
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name or f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, int(100 * self.processed_rows / self.total_rows))


class ImportRowError(models.Model):
    """Why one row of an import was rejected. A row can have several."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.BigIntegerField(_("row"))
    field = models.CharField(_("column"), max_length=40)
    message = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"row {self.row} {self.field}: {self.message}"
