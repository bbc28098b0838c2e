"""What a tenant configures: collection policies (versioned steps), message templates, margins, contact rules."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone call")


class Stage(models.TextChoices):
    FRIENDLY = "friendly", _("Friendly")
    FIRM = "firm", _("Firm")
    FINAL = "final", _("Final")


STAGE_RANK = {Stage.FRIENDLY: 1, Stage.FIRM: 2, Stage.FINAL: 3}


class StepKind(models.TextChoices):
    SCHEDULE = "schedule", _("Scheduled step")
    BROKEN_PROMISE = "broken_promise", _("Broken promise")
    MISSED_INSTALMENT = "missed_instalment", _("Missed instalment")


class Policy(models.Model):
    """A named collection policy; which debtors it applies to is decided by segments and priority."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    # Empty: every segment. The first matching policy by priority applies to a debtor.
    segments = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    priority = models.PositiveIntegerField(_("priority"), default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Live")
    RETIRED = "retired", _("Retired")


class PolicyVersion(models.Model):
    """Steps belong to a version. Publishing freezes it; messages keep pointing at the version that sent them."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number_unique"),
            models.UniqueConstraint(fields=["policy"], condition=Q(status="draft"), name="policy_one_draft"),
            models.UniqueConstraint(fields=["policy"], condition=Q(status="published"), name="policy_one_live_version"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number} ({self.status})"


class MessageTemplate(models.Model):
    """One message per channel and locale, found by key. Sent messages store their rendered text."""

    key = models.SlugField(_("key"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    locale = models.CharField(_("language"), max_length=5)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.FRIENDLY)
    # Legal-stage templates threaten legal steps: refused for time-barred debts.
    is_legal = models.BooleanField(_("mentions legal action"), default=False)
    # Allowed under a cease request: confirmations and the remedies the debtor asked for.
    is_exception = models.BooleanField(_("allowed after a cease request"), default=False)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "channel", "locale"]
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "locale"], name="template_key_channel_locale_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.channel} · {self.locale}"


class Step(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices, default=StepKind.SCHEDULE)
    # Days from the due date (negative = before it); for broken-promise / missed-instalment steps, days after the miss.
    offset_days = models.IntegerField(_("day"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template_key = models.SlugField(_("template"), max_length=60)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    segments = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    min_balance_minor = models.BigIntegerField(_("minimum balance"), null=True, blank=True)
    min_debt_age_days = models.IntegerField(_("minimum days past due"), null=True, blank=True)
    max_debt_age_days = models.IntegerField(_("maximum days past due"), null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="step_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.offset_days:+d} {self.channel} {self.template_key}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


def default_frequencies() -> list[str]:
    return [Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.MONTHLY]


class Margins(models.Model):
    """R3 negotiation margins. One row per tenant; the portal approves at once inside them."""

    max_settlement_discount_pct = models.PositiveSmallIntegerField(default=20)
    settlement_after_days_overdue = models.PositiveIntegerField(default=60)
    min_down_payment_pct = models.PositiveSmallIntegerField(default=10)
    max_plan_instalments = models.PositiveSmallIntegerField(default=12)
    min_instalment_minor = models.PositiveIntegerField(default=20_00)
    allowed_frequencies = ArrayField(models.CharField(max_length=12), default=default_frequencies)
    max_promise_deferral_days = models.PositiveSmallIntegerField(default=30)
    # C5: what a collection agency keeps of what it recovers; the hand-off comparison uses it.
    agency_commission_pct = models.PositiveSmallIntegerField(default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "margins"
        constraints = [
            models.CheckConstraint(condition=Q(max_settlement_discount_pct__lte=100), name="margins_discount_pct"),
            models.CheckConstraint(condition=Q(min_down_payment_pct__lte=100), name="margins_down_payment_pct"),
            models.CheckConstraint(condition=Q(agency_commission_pct__lte=100), name="margins_agency_commission_pct"),
        ]

    def __str__(self) -> str:
        return "Negotiation margins"


class ContactRules(models.Model):
    """R4 contact rules. One row per tenant; jurisdiction limits (US 08:00–21:00) are enforced on top."""

    quiet_hours_start = models.TimeField(default=dt.time(8, 0))  # contact allowed from
    quiet_hours_end = models.TimeField(default=dt.time(20, 0))  # contact allowed until
    no_sundays = models.BooleanField(default=True)
    no_public_holidays = models.BooleanField(default=True)
    max_attempts_per_day = models.PositiveSmallIntegerField(default=1)
    max_emails_per_week = models.PositiveSmallIntegerField(default=3)
    max_sms_per_week = models.PositiveSmallIntegerField(default=2)
    max_letters_per_month = models.PositiveSmallIntegerField(default=2)
    max_calls_per_7_days = models.PositiveSmallIntegerField(default=7)
    call_cooldown_days_after_conversation = models.PositiveSmallIntegerField(default=7)
    run_hour = models.PositiveSmallIntegerField(default=9)  # tenant-local hour of the daily run
    # Call scripts show their recording notice only when calls are recorded (then it must be said first).
    calls_recorded = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "contact rules"
        constraints = [
            models.CheckConstraint(condition=Q(quiet_hours_start__lt=models.F("quiet_hours_end")), name="rules_window"),
            models.CheckConstraint(condition=Q(run_hour__lte=23), name="rules_run_hour"),
        ]

    def __str__(self) -> str:
        return "Contact rules"


ANY_SEGMENT = ""


class CallScript(models.Model):
    """C3: what an agent aims for, says and asks on a call, per stage, debtor segment ("" = any) and language.

    Plain text with the message placeholders ({{ debtor.name }}, {{ total }} ...); talking points and questions are
    one per line. `disclosures` holds what the jurisdiction requires on every call (validation.py checks it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    segment = models.CharField(_("segment"), max_length=20, blank=True)
    locale = models.CharField(_("language"), max_length=5)
    goal = models.TextField(_("goal"))
    talking_points = models.TextField(_("talking points"))
    open_questions = models.TextField(_("open questions"))
    voicemail = models.TextField(_("on voicemail"))
    disclosures = models.TextField(_("required disclosures"))
    recording_notice = models.TextField(_("call-recording notice"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["stage", "segment", "locale"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "segment", "locale"], name="call_script_stage_segment_locale"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} · {self.segment or 'any'} · {self.locale}"
