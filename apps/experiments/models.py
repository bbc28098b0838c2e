"""R6 experiments: a policy's variants (arms), each debtor's arm, and the debts the debtor owed when assigned.

An arm points at a frozen (published at some point) version of the experiment's policy, or is the holdout, which
gets no automated message. A debtor's arm is recorded the first time the daily run considers them, so the arm never
moves, whatever happens to the weights later.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.policies.models import VersionStatus

# Versions an arm may follow: published at some point, so their steps can no longer change.
FROZEN = (VersionStatus.PUBLISHED, VersionStatus.RETIRED)
MAX_ARM_WEIGHT = 1000
MAX_ARMS = 8


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("experiment status", "Draft")
    RUNNING = "running", pgettext_lazy("experiment status", "Running")
    STOPPED = "stopped", pgettext_lazy("experiment status", "Stopped")


class Experiment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    policy = models.ForeignKey("policies.Policy", on_delete=models.PROTECT, related_name="experiments")
    name = models.CharField(_("name"), max_length=120)
    hypothesis = models.TextField(_("hypothesis"), blank=True)
    status = models.CharField(max_length=10, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_label = models.CharField(max_length=200)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by_label = models.CharField(max_length=200, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by_label = models.CharField(max_length=200, blank=True)
    stop_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two running experiments on one policy would both claim its debtors.
            models.UniqueConstraint(fields=["policy"], condition=Q(status="running"), name="one_running_per_policy"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == ExperimentStatus.DRAFT

    @property
    def is_running(self) -> bool:
        return self.status == ExperimentStatus.RUNNING


class ArmKind(models.TextChoices):
    VARIANT = "variant", _("Variant")
    HOLDOUT = "holdout", _("Holdout")


class Arm(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="arms")
    position = models.PositiveSmallIntegerField()
    # Variants are lettered A, B, C ... in the order they were added; the holdout has no letter.
    letter = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=10, choices=ArmKind.choices, default=ArmKind.VARIANT)
    version = models.ForeignKey(
        "policies.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="arms"
    )
    weight = models.PositiveSmallIntegerField(_("weight"))
    description = models.CharField(_("what differs"), max_length=200, blank=True)
    # The offer override: the settlement discount the portal offers this arm's debtors instead of the margins'.
    settlement_discount_pct = models.PositiveSmallIntegerField(_("settlement discount offered"), null=True, blank=True)

    class Meta:
        ordering = ["experiment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "position"], name="arm_position_unique"),
            models.UniqueConstraint(
                fields=["experiment"], condition=Q(kind="holdout"), name="arm_one_holdout_per_experiment"
            ),
            models.UniqueConstraint(
                fields=["experiment", "letter"], condition=Q(kind="variant"), name="arm_letter_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="holdout", version__isnull=True, settlement_discount_pct__isnull=True, letter="")
                | Q(kind="variant", version__isnull=False),
                name="arm_holdout_has_no_version",
            ),
            models.CheckConstraint(condition=Q(weight__lte=MAX_ARM_WEIGHT), name="arm_weight_max"),
            models.CheckConstraint(condition=Q(settlement_discount_pct__lte=99), name="arm_discount_pct"),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def is_holdout(self) -> bool:
        return self.kind == ArmKind.HOLDOUT

    @property
    def label(self) -> str:
        return str(_("Holdout")) if self.is_holdout else self.letter


class ArmAssignment(models.Model):
    """A debtor's arm in an experiment, written by the daily run the first time it considers the debtor."""

    experiment = models.ForeignKey(Experiment, on_delete=models.PROTECT, related_name="assignments")
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="assignments")
    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="arm_assignments")
    assigned_at = models.DateTimeField()
    # The run's (tenant-local) day: the start of the debtor's time to pay.
    assigned_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "debtor"], name="one_arm_per_debtor"),
        ]
        indexes = [models.Index(fields=["arm", "assigned_on"]), models.Index(fields=["debtor"])]

    def __str__(self) -> str:
        return f"{self.debtor_id} → {self.arm_id}"


class AssignedDebt(models.Model):
    """A debt in collection when its debtor was assigned, and what it owed then: the denominator of recovery."""

    assignment = models.ForeignKey(ArmAssignment, on_delete=models.CASCADE, related_name="debts")
    debt = models.ForeignKey("debts.Debt", on_delete=models.PROTECT, related_name="+")
    owed_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "debt"], name="assigned_debt_once"),
            models.CheckConstraint(condition=Q(owed_minor__gt=0), name="assigned_debt_owed_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.debt_id} ({self.owed_minor} {self.currency})"
