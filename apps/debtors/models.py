"""Debtors (people or businesses) and their contact points, each with consent, opt-out and validity."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DebtorKind(models.TextChoices):
    PERSON = "person", _("Person")
    BUSINESS = "business", _("Business")


class Debtor(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_ref = models.CharField(_("external reference"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DebtorKind.choices, default=DebtorKind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    preferred_language = models.CharField(_("preferred language"), max_length=5, blank=True)
    timezone = models.CharField(_("timezone"), max_length=64, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    lifetime_revenue_minor = models.BigIntegerField(_("lifetime revenue"), null=True, blank=True)
    lifetime_revenue_currency = models.CharField(max_length=3, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Principle 6: new / on_time / repeatedly_late / at_risk, recomputed when the payment history changes.
    segment = models.CharField(_("segment"), max_length=20, blank=True, db_default="", db_index=True)
    segment_computed_at = models.DateTimeField(null=True, blank=True)
    # R4: a written request to stop all contact (only confirmations and remedies may follow).
    cease_requested_at = models.DateTimeField(_("asked to stop all contact"), null=True, blank=True)
    # R4 / FDCPA 805(a)(2): represented by an attorney — no direct contact.
    attorney_details = models.CharField(_("represented by (attorney)"), max_length=300, blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "external_ref"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifetime_revenue_minor__isnull=True) | Q(lifetime_revenue_minor__gte=0),
                name="debtor_lifetime_revenue_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_ref})"


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    ADDRESS = "address", _("Postal address")


class Consent(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    GRANTED = "granted", _("Granted")
    REVOKED = "revoked", _("Revoked")


class Validity(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid — needs update")


class ContactPoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique (debtor, kind, value) index below starts with debtor and serves its lookups.
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="contact_points", db_index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    label = models.CharField(_("label"), max_length=50, blank=True, help_text=_("e.g. home, work, mobile"))
    # Email address, E.164 phone number, or the one-line form of a postal address.
    value = models.CharField(_("value"), max_length=320)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    is_workplace = models.BooleanField(_("workplace"), default=False)
    consent = models.CharField(_("consent"), max_length=10, choices=Consent.choices, default=Consent.UNKNOWN)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    validity = models.CharField(_("validity"), max_length=10, choices=Validity.choices, default=Validity.UNVERIFIED)
    validity_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-is_primary", "value"]
        constraints = [
            models.UniqueConstraint(fields=["debtor", "kind", "value"], name="contact_point_unique_per_debtor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    @property
    def is_opted_out(self) -> bool:
        return self.opted_out_at is not None

    @property
    def is_usable(self) -> bool:
        return self.opted_out_at is None and self.validity != Validity.INVALID and self.consent != Consent.REVOKED


class NonPaymentReason(models.TextChoices):
    """Why a debtor has not paid (principle 7): recorded from calls, portal requests and staff notes; reported."""

    FORGOT = "forgot", _("Forgot")
    CASH_FLOW = "cash_flow", _("Cash flow")
    UNHAPPY = "unhappy", _("Unhappy with the goods or service")
    BILLING_PROBLEM = "billing_problem", _("Billing problem")
    HARDSHIP = "hardship", _("Hardship")
    REFUSES = "refuses", _("Refuses to pay")
    OTHER = "other", _("Other")


class ReasonSource(models.TextChoices):
    CALL = "call", _("Call")
    PORTAL = "portal", _("Portal")
    STAFF = "staff", _("Staff note")


class ReasonRecord(models.Model):
    """One time a reason for non-payment was recorded. Rows are kept; the latest one is the debtor's current reason."""

    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="reasons")
    # The debt it was about, when it was about one (a reason given on a call covers the debtor).
    debt = models.ForeignKey("debts.Debt", on_delete=models.PROTECT, null=True, blank=True, related_name="reasons")
    reason = models.CharField(_("reason for non-payment"), max_length=20, choices=NonPaymentReason.choices)
    source = models.CharField(max_length=10, choices=ReasonSource.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["reason", "recorded_at"])]

    def __str__(self) -> str:
        return self.reason
