"""C5 escalations of a debt: attorney letters sent and hand-offs to a collection agency (write-offs are a debt
status with its ledger line). Rows are kept as records of who decided what, when and why."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.debts.models import Debt
from apps.outbox.models import Message


class AttorneyLetter(models.Model):
    """A letter announcing the step to an attorney, sent through the outbox after the contact gate allowed it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="attorney_letters")
    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    sent_at = models.DateTimeField(_("sent"))
    sent_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Attorney letter {self.debt_id} {self.sent_at:%Y-%m-%d}"


class AgencyHandoff(models.Model):
    """A debt handed to a collection agency: the engine no longer collects it (the debt is escalated) until the
    hand-off ends (recalled, or the debt written off)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="agency_handoffs")
    agency_name = models.CharField(_("agency"), max_length=200)
    commission_pct = models.PositiveSmallIntegerField(_("commission (%)"))
    # What was handed over and what the tenant expected to keep of it, at the time.
    balance_minor = models.BigIntegerField(_("balance handed over"))
    expected_net_minor = models.BigIntegerField(_("expected net"))
    currency = models.CharField(max_length=3)
    reason = models.TextField(_("reason"))
    handed_off_at = models.DateTimeField(_("handed off"))
    handed_off_by_label = models.CharField(max_length=200)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by_label = models.CharField(max_length=200, blank=True)
    end_reason = models.TextField(_("why it ended"), blank=True)

    class Meta:
        ordering = ["-handed_off_at"]
        constraints = [
            models.UniqueConstraint(fields=["debt"], condition=Q(ended_at__isnull=True), name="handoff_one_open"),
            models.CheckConstraint(condition=Q(commission_pct__lte=100), name="handoff_commission_pct"),
            models.CheckConstraint(condition=Q(balance_minor__gt=0), name="handoff_balance_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_name} ({self.commission_pct}%)"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
