"""Contact history the gate reads (attempts, per-channel opt-outs) and the decisions it records."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt
from apps.outbox.models import Message, Source
from apps.policies.models import Channel


class CallOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Voicemail")
    CONVERSATION = "conversation", _("Conversation")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class ContactAttempt(models.Model):
    """One attempt to reach a debtor (a message handed to a provider, or a call). Caps count these."""

    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="contact_attempts")
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    occurred_at = models.DateTimeField(db_index=True)
    call_outcome = models.CharField(max_length=15, choices=CallOutcome.choices, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="contact_attempts"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    actor_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["debtor", "channel", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.occurred_at:%Y-%m-%d %H:%M}"


class OptOutSource(models.TextChoices):
    STOP_KEYWORD = "stop_keyword", _("Replied STOP")
    UNSUBSCRIBE_LINK = "unsubscribe", _("Unsubscribe link")
    PORTAL = "portal", _("Debtor portal")
    STAFF = "staff", _("Recorded by staff")


class ChannelOptOut(models.Model):
    """Per-medium suppression: "stop emailing me" stops email, not letters."""

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="channel_opt_outs")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=15, choices=OptOutSource.choices)
    evidence = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "channel"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_opt_out_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} opted out of {self.channel}"


class GateOutcome(models.TextChoices):
    ALLOW = "allow", _("Allowed")
    DENY = "deny", _("Refused")
    DEFER = "defer", _("Deferred")


class GateDecision(models.Model):
    """Every answer of the contact gate, with the rule that decided it. Denials and deferrals show on timelines."""

    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="gate_decisions")
    debt_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    decided_at = models.DateTimeField(db_index=True)
    outcome = models.CharField(max_length=5, choices=GateOutcome.choices)
    rule = models.CharField(max_length=60)
    detail = models.CharField(max_length=500, blank=True)
    defer_until = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    actor_label = models.CharField(max_length=200)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["debtor", "-decided_at"])]

    def __str__(self) -> str:
        return f"{self.outcome} {self.channel} ({self.rule})"
