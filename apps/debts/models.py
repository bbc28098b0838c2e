"""Debts, whose balance is the sum of an append-only ledger in integer minor units."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.debtors.models import Debtor


class DebtStatus(models.TextChoices):
    OPEN = "open", _("Open")
    OVERDUE = "overdue", _("Overdue")
    PROMISED = "promised", _("Promised")
    IN_PLAN = "in_plan", _("In a payment plan")
    DISPUTED = "disputed", _("Disputed")
    ON_HOLD = "on_hold", _("On hold")
    ESCALATED = "escalated", _("Escalated")
    PAID = "paid", _("Paid")
    SETTLED = "settled", _("Settled")
    WRITTEN_OFF = "written_off", _("Written off")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = frozenset(
    {
        DebtStatus.OPEN,
        DebtStatus.OVERDUE,
        DebtStatus.PROMISED,
        DebtStatus.IN_PLAN,
        DebtStatus.DISPUTED,
        DebtStatus.ON_HOLD,
        DebtStatus.ESCALATED,
    }
)
CLOSED_STATUSES = frozenset(DebtStatus) - ACTIVE_STATUSES


class AgingBucket(models.TextChoices):
    CURRENT = "current", _("Current")
    D1_30 = "1-30", _("1–30 days")
    D31_60 = "31-60", _("31–60 days")
    D61_90 = "61-90", _("61–90 days")
    D90_PLUS = "90+", _("90+ days")


def aging_bucket_range(bucket: str, today: dt.date) -> Q:
    """The due-date filter for an aging bucket, as days past due on `today`."""
    days = dt.timedelta
    match bucket:
        case AgingBucket.CURRENT:
            return Q(due_date__gte=today)
        case AgingBucket.D1_30:
            return Q(due_date__lt=today, due_date__gte=today - days(30))
        case AgingBucket.D31_60:
            return Q(due_date__lt=today - days(30), due_date__gte=today - days(60))
        case AgingBucket.D61_90:
            return Q(due_date__lt=today - days(60), due_date__gte=today - days(90))
        case AgingBucket.D90_PLUS:
            return Q(due_date__lt=today - days(90))
    raise ValueError(bucket)


def aging_bucket_for(due_date: dt.date, today: dt.date) -> str:
    late = (today - due_date).days
    if late <= 0:
        return AgingBucket.CURRENT
    if late <= 30:
        return AgingBucket.D1_30
    if late <= 60:
        return AgingBucket.D31_60
    if late <= 90:
        return AgingBucket.D61_90
    return AgingBucket.D90_PLUS


class DebtQuerySet(models.QuerySet["Debt"]):
    def with_balance(self) -> DebtQuerySet:
        return self.annotate(balance_minor=Coalesce(Sum("entries__amount_minor"), Value(0)))

    def active(self) -> DebtQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def in_aging_bucket(self, bucket: str, today: dt.date) -> DebtQuerySet:
        return self.filter(aging_bucket_range(bucket, today))


class Debt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_ref = models.CharField(_("reference"), max_length=100, unique=True)
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="debts")
    description = models.CharField(_("description"), max_length=500, blank=True)
    # The invoice amount as the creditor states it; money owed is always the ledger sum.
    original_amount_minor = models.BigIntegerField(_("original amount"))
    currency = models.CharField(_("currency"), max_length=3)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=DebtStatus.choices, default=DebtStatus.OPEN)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # E5: days the collection schedule has been paused in total; steps fall due this much later.
    schedule_shift_days = models.IntegerField(default=0, db_default=0)
    # US9/US11/US13: validation notice, end of the validation period, and verification after a dispute.
    validation_notice_sent_on = models.DateField(null=True, blank=True)
    validation_ends_on = models.DateField(null=True, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    # FR8 / PL5 / US15: after this date the debt is time-barred (no legal-stage message).
    limitation_expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DebtQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "external_ref"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["due_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(original_amount_minor__gt=0), name="debt_amount_positive"),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("issue_date")), name="debt_due_after_issue"),
        ]

    def __str__(self) -> str:
        return self.external_ref

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    INTEREST = "interest", _("Interest")
    FEE = "fee", _("Fee")
    PAYMENT = "payment", _("Payment")
    DISCOUNT = "discount", _("Discount")
    ADJUSTMENT = "adjustment", _("Adjustment")
    WRITE_OFF = "write_off", _("Write-off")
    REFUND = "refund", _("Refund")
    CHARGEBACK = "chargeback", _("Chargeback")


# The sign each kind carries: +1 increases what is owed, -1 reduces it, 0 either way.
ENTRY_SIGN: dict[str, int] = {
    EntryKind.CHARGE: 1,
    EntryKind.INTEREST: 1,
    EntryKind.FEE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.DISCOUNT: -1,
    EntryKind.ADJUSTMENT: 0,
    EntryKind.WRITE_OFF: -1,
    EntryKind.REFUND: 1,
    EntryKind.CHARGEBACK: 1,
}


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Bank transfer")
    CHEQUE = "cheque", _("Cheque")
    CASH = "cash", _("Cash")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    OTHER = "other", _("Other")


def _sign_constraint() -> Q:
    positive = [k for k, s in ENTRY_SIGN.items() if s == 1]
    negative = [k for k, s in ENTRY_SIGN.items() if s == -1]
    return (
        Q(kind__in=positive, amount_minor__gt=0)
        | Q(kind__in=negative, amount_minor__lt=0)
        | (Q(kind=EntryKind.ADJUSTMENT) & ~Q(amount_minor=0))
    )


class LedgerEntry(models.Model):
    """One line of a debt's ledger. Rows are never updated or deleted (a database trigger refuses it)."""

    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    occurred_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    # Required for anything beyond principal: the contract clause or statute that allows it.
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod.choices, blank=True)
    # Idempotency key for payments and imports: a retried request finds its entry instead of adding one.
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=_sign_constraint(), name="ledger_entry_sign_matches_kind"),
            models.CheckConstraint(
                condition=~Q(kind__in=[EntryKind.FEE, EntryKind.INTEREST]) | ~Q(legal_basis=""),
                name="ledger_fee_interest_need_legal_basis",
            ),
            models.UniqueConstraint(
                fields=["debt", "kind", "reference"],
                condition=~Q(reference=""),
                name="ledger_entry_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} {self.currency}"
