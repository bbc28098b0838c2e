"""Outbox: every outbound message is written first, then delivered by workers, so a retry never sends twice."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt
from apps.engine.models import CollectionRun
from apps.policies.models import Channel, MessageTemplate, PolicyVersion, Stage, Step


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    # "Cancelled" and "Failed" agree with a message, not a debt or an import, in French and Polish: own context.
    FAILED = "failed", pgettext_lazy("message status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("message status", "Cancelled")


class Source(models.TextChoices):
    AUTOMATIC = "automatic", _("Collection policy")
    MANUAL = "manual", _("Sent by staff")


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Unique per intent (e.g. "run:<date>:<debtor>"): writing the same message twice finds the first.
    idempotency_key = models.CharField(max_length=120, unique=True)
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="messages")
    debts = models.ManyToManyField(Debt, related_name="messages", blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The address as it was when the message was written (email, E.164 number, postal address).
    to_address = models.CharField(max_length=500)
    locale = models.CharField(max_length=5)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AUTOMATIC)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    template = models.ForeignKey(MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    run = models.ForeignKey(CollectionRun, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    # Rendered when written: editing a template never rewrites what was sent.
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    pdf = models.FileField(upload_to="letters/", blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    not_before = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "channel"]),
            models.Index(fields=["debtor", "-created_at"]),
            models.Index(fields=["provider_message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to_address} ({self.status})"


class InboundMessage(models.Model):
    """A reply received from a provider (SMS), kept as received; a STOP reply becomes an opt-out."""

    provider = models.CharField(max_length=40)
    provider_message_id = models.CharField(max_length=200)
    from_address = models.CharField(max_length=320)
    to_address = models.CharField(max_length=320, blank=True)
    body = models.TextField(blank=True)
    debtor = models.ForeignKey(Debtor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stop_detected = models.BooleanField(default=False)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # Providers retry webhooks: the same message id is stored once.
            models.UniqueConstraint(fields=["provider", "provider_message_id"], name="inbound_message_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} from {self.from_address}"
