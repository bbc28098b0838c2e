"""Arrangements a debtor agreed to in the portal (or an agent on their behalf): a settlement, a payment plan or a
promise to pay. Inside the tenant's margins they are active at once; outside, they wait on a case."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.casework.models import Case
from apps.debts.models import Debt
from apps.policies.models import Frequency


class ArrangementKind(models.TextChoices):
    SETTLEMENT = "settlement", _("Settlement")
    PLAN = "plan", _("Payment plan")
    PROMISE = "promise", _("Promise to pay")


class ArrangementStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a reply")  # outside the margins: a person decides (see `case`)
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Broken")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


LIVE_STATUSES = frozenset({ArrangementStatus.PENDING, ArrangementStatus.ACTIVE})


class ArrangementQuerySet(models.QuerySet["Arrangement"]):
    def live(self) -> ArrangementQuerySet:
        return self.filter(status__in=LIVE_STATUSES)


class Arrangement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="arrangements")
    kind = models.CharField(_("kind"), max_length=12, choices=ArrangementKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ArrangementStatus.choices)
    # The balance when agreed, and what the debtor pays in total (less than the balance only for a settlement).
    balance_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField(_("total"))
    currency = models.CharField(max_length=3)
    discount_pct = models.PositiveSmallIntegerField(null=True, blank=True)  # settlement
    pay_by = models.DateField(_("pay by"), null=True, blank=True)  # settlement expiry, promise date
    frequency = models.CharField(max_length=12, blank=True)  # plan: policies.Frequency
    instalment_count = models.PositiveSmallIntegerField(null=True, blank=True)  # plan, without the down payment
    down_payment_minor = models.BigIntegerField(null=True, blank=True)  # plan
    within_margins = models.BooleanField()
    # Outside the margins: the case a person answers. Its reply_by is what the debtor was told.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="arrangements")
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Who approved or declined a request outside the margins, and what they wrote (staff only).
    decided_by_label = models.CharField(max_length=200, blank=True, default="", db_default="")
    decision_note = models.TextField(_("decision note"), blank=True, default="", db_default="")
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = ArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total_minor__gt=0), name="arrangement_total_positive"),
            models.CheckConstraint(condition=Q(total_minor__lte=models.F("balance_minor")), name="arrangement_le_bal"),
            # One live arrangement per debt: a second request waits until the first is decided.
            models.UniqueConstraint(
                fields=["debt"], condition=Q(status__in=["pending", "active"]), name="arrangement_one_live_per_debt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.debt_id}"

    @property
    def frequency_label(self) -> str:
        return str(Frequency(self.frequency).label) if self.frequency in Frequency.values else self.frequency


class InstalmentStatus(models.TextChoices):
    DUE = "due", _("Due")
    PAID = "paid", _("Paid")
    MISSED = "missed", _("Missed")


class Instalment(models.Model):
    """One dated amount of an arrangement. A plan's down payment is number 0; a settlement or a promise has one."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField(_("due on"))
    amount_minor = models.BigIntegerField(_("amount"))
    status = models.CharField(max_length=8, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Autopay: the reminder before the date is sent once.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["arrangement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "number"], name="instalment_number_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount_minor} on {self.due_on}"
