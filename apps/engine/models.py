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


class ScheduleBreak(models.Model):
    """E5: a promise or an instalment that was missed. Its debt is back in the schedule and owes a reaction step."""

    debt = models.ForeignKey("debts.Debt", on_delete=models.PROTECT, related_name="+")
    # StepKind.BROKEN_PROMISE or StepKind.MISSED_INSTALMENT
    kind = models.CharField(max_length=20)
    broken_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-broken_on"]
        indexes = [models.Index(fields=["debt", "-broken_on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.broken_on}"


class StepOutcome(models.TextChoices):
    QUEUED = "queued", _("Message queued")
    DEFERRED = "deferred", _("Message deferred")
    DENIED = "denied", _("Refused by the contact rules")


class StepDone(models.Model):
    """A policy step a run has acted on for one debt: a step is due once, whatever the gate answered.

    Scheduled steps are remembered by their offset (the schedule continues at the next offset even after a new
    policy version is published); broken-promise steps by the break they react to.
    """

    debt = models.ForeignKey("debts.Debt", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(CollectionRun, on_delete=models.PROTECT, related_name="steps_done")
    step = models.ForeignKey("policies.Step", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)
    offset_days = models.IntegerField()
    schedule_break = models.ForeignKey(ScheduleBreak, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=10, choices=StepOutcome.choices)
    message = models.ForeignKey("outbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            # Also the index the runs read "how far along is this debt" from.
            models.UniqueConstraint(
                fields=["debt", "kind", "offset_days"],
                condition=models.Q(schedule_break__isnull=True),
                name="step_done_once_per_debt",
            ),
            models.UniqueConstraint(
                fields=["debt", "schedule_break", "offset_days"],
                condition=models.Q(schedule_break__isnull=False),
                name="break_step_done_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.offset_days:+d} ({self.outcome})"
