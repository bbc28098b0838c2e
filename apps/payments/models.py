"""Card payments through the tenant's own Stripe account (S1–S4). There is no fee field anywhere: the debtor pays
exactly the amount the portal showed (US16, FR1, PAY1)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
    SUCCEEDED = "succeeded", _("Paid")
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
