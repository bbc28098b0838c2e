"""Card payments through the tenant's own Stripe account (S1–S4). There is no fee field anywhere: the debtor pays
exactly the amount the portal showed (US16, FR1, PAY1)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.arrangements.models import Arrangement, Instalment
from apps.debtors.models import Debtor
from apps.debts.models import Debt, LedgerEntry


class StripeAccount(models.Model):
    """The tenant's Stripe account: one row per tenant schema. Secrets are encrypted at rest (apps.payments.crypto)."""

    publishable_key = models.CharField(_("publishable key"), max_length=255)
    secret_key_encrypted = models.TextField()
    webhook_secret_encrypted = models.TextField(blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True)
    last_check_message = models.CharField(max_length=500, blank=True)
    updated_by_label = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.publishable_key

    @property
    def livemode(self) -> bool:
        return self.publishable_key.startswith("pk_live_")


class PaymentInstructions(models.Model):
    """How else a debtor can pay (bank transfer details, cheques, phone): shown where card payment is not possible.
    One row per tenant schema; it does not need a Stripe account."""

    text = models.TextField(_("other ways to pay"), blank=True)
    updated_by_label = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.text[:50]


class StripeCustomer(models.Model):
    debtor = models.OneToOneField(Debtor, on_delete=models.PROTECT, related_name="stripe_customer")
    stripe_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.stripe_id


class SavedCard(models.Model):
    """A card the debtor agreed, explicitly, to have charged for their plan's instalments on their dates."""

    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="saved_cards")
    arrangement = models.ForeignKey(Arrangement, on_delete=models.PROTECT, related_name="saved_cards")
    stripe_payment_method_id = models.CharField(max_length=255)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # The words the debtor agreed to, as shown, and when.
    consent_text = models.TextField()
    consented_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement"], condition=Q(revoked_at__isnull=True), name="one_active_card_per_arrangement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class PaymentPurpose(models.TextChoices):
    FULL = "full", _("Payment in full")
    SETTLEMENT = "settlement", _("Settlement")
    INSTALMENT = "instalment", _("Instalment")
    PARTIAL = "partial", _("Part payment")


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Started")
    REQUIRES_ACTION = "requires_action", _("Waiting for your bank")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", pgettext_lazy("card payment status", "Paid")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")


FINAL_STATUSES = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED})


class CardPayment(models.Model):
    """One attempt to take an amount by card: one Stripe PaymentIntent. The amount is fixed when the row is made."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="card_payments")
    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.PROTECT, null=True, blank=True, related_name="card_payments"
    )
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, null=True, blank=True, related_name="card_payments"
    )
    purpose = models.CharField(max_length=12, choices=PaymentPurpose.choices)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Sent to Stripe as the Idempotency-Key: a retried request never creates a second charge.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    off_session = models.BooleanField(default=False)  # autopay
    failure_message = models.CharField(max_length=500, blank=True)
    # Stripe's decline or error code; the page words it in the debtor's language (apps.payments.stripe_api).
    failure_code = models.CharField(max_length=60, blank=True)
    # The SetupIntent the card was set up through: one payment per page shown, however often it is submitted.
    setup_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    payment_method_id = models.CharField(max_length=255, blank=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    # Autopay: "<instalment id>:<date>", so one attempt per instalment and day, however often the task runs.
    autopay_key = models.CharField(max_length=60, unique=True, null=True, blank=True)
    # The debtor ticked the box to keep this card for the plan's next instalments: the words shown, as agreed.
    save_card_consent = models.TextField(blank=True)
    saved_card = models.ForeignKey(
        "SavedCard", on_delete=models.PROTECT, null=True, blank=True, related_name="card_payments"
    )
    # What part of a successful payment went into the ledger; the rest (the balance fell meanwhile) was refunded.
    recorded_minor = models.BigIntegerField(default=0)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="card_payment"
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="card_payment_amount_positive")]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} ({self.status})"


class RefundKind(models.TextChoices):
    STAFF = "staff", _("Refunded by staff")
    EXCESS = "excess", _("More than was owed")
    STRIPE = "stripe", _("Refunded in Stripe")


class CardRefund(models.Model):
    """Money given back on a card payment, one row per Stripe refund. A refund of money that reached the ledger
    adds a REFUND entry (referenced by the refund id); an excess refund never reached the ledger and adds none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    card_payment = models.ForeignKey(CardPayment, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=8, choices=RefundKind.choices)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=24)  # Stripe's: pending, succeeded, failed, canceled, requires_action
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # A staff refund's form key: the same form sent twice finds this row instead of refunding again.
    request_key = models.UUIDField(unique=True, null=True, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="card_refund"
    )
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="card_refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.stripe_refund_id} {self.amount_minor} {self.currency}"


class CardDispute(models.Model):
    """A chargeback on a card payment: a CHARGEBACK entry when opened, a PAYMENT entry if the tenant wins it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    card_payment = models.ForeignKey(CardPayment, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=30)  # Stripe's
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    chargeback_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="card_dispute_opened"
    )
    reinstated_entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="card_dispute_won"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event, stored once by its id before it is processed."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
