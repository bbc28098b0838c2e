"""The daily collection run of a tenant: one row per tenant-local day, so running a day twice creates nothing new."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CollectionRun(models.Model):
    run_date = models.DateField(unique=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    debts_considered = models.PositiveIntegerField(default=0)
    messages_queued = models.PositiveIntegerField(default=0)
    denied = models.PositiveIntegerField(default=0)
    deferred = models.PositiveIntegerField(default=0)
    # All letters of the run merged into one print file.
    letters_pdf = models.FileField(upload_to="letters/", blank=True)
    failure_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-run_date"]

    def __str__(self) -> str:
        return f"Run {self.run_date}"
