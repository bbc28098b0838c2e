"""Cases: the work a person must do for a debtor — a dispute, a hardship request, a request outside the margins,
a chargeback, a callback, a phone step, a contact point to fix. Opened by the portal, the engine, the outbox and
payments; worked by support agents, who write dated notes on them and log the calls they make from them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.contact.models import CallOutcome
from apps.debtors.models import ContactPoint, Debtor, NonPaymentReason
from apps.debts.models import Debt


class CaseKind(models.TextChoices):
    DISPUTE = "dispute", _("Dispute")
    HARDSHIP = "hardship", _("Hardship")
    OUT_OF_MARGIN = "out_of_margin", _("Request outside the margins")
    NONE_FIT = "none_fit", _("No option fits")
    NOT_ME = "not_me", _("Not me")
    ALREADY_PAID = "already_paid", _("Already paid")
    CALLBACK = "callback", _("Callback request")
    CHARGEBACK = "chargeback", _("Chargeback")
    BROKEN_PROMISE = "broken_promise", _("Broken promise")
    MISSED_INSTALMENT = "missed_instalment", _("Missed instalment")
    PHONE_STEP = "phone_step", _("Phone step")
    CONTACT_FIX = "contact_fix", _("Contact to fix")
    FOLLOW_UP = "follow_up", _("Follow-up call")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    RESOLVED = "resolved", _("Resolved")


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    NORMAL = 2, _("Normal")
    LOW = 3, _("Low")


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.filter(status=CaseStatus.OPEN)


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="cases")
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="cases", null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    # What the debtor (or the system) said, in their words.
    details = models.TextField(_("details"), blank=True)
    # Structured request, e.g. the plan a debtor proposed outside the margins; read by the case view.
    data = models.JSONField(default=dict, blank=True)
    # When the debtor was told a person will answer by; the worklist sorts on it.
    reply_by = models.DateTimeField(_("reply by"), null=True, blank=True)
    # E5: debts whose collection this case paused (disputed or put on hold); resolving it offers to resume them.
    paused_debt_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    opened_by_label = models.CharField(max_length=200)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "reply_by", "created_at"]
        indexes = [models.Index(fields=["status", "priority", "reply_by"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False) | ~Q(status="resolved"),
                name="case_resolved_has_time",
            ),
            # One phone-step case per phone task (the outbox message), ever: a redelivery finds the first.
            models.UniqueConstraint(
                KT("data__message"), condition=Q(kind="phone_step"), name="case_one_per_phone_task"
            ),
            # One open contact-fix case per contact point: a second bounce joins it.
            models.UniqueConstraint(
                KT("data__contact_point"),
                condition=Q(kind="contact_fix", status="open"),
                name="case_one_open_contact_fix_per_point",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @property
    def is_overdue(self) -> bool:
        """Open after the time the debtor was told to expect an answer."""
        return self.status == CaseStatus.OPEN and self.reply_by is not None and self.reply_by < timezone.now()


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    # The stored name is ours; the debtor's file name is kept in original_name only.
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class CaseAttachment(models.Model):
    """A document a debtor uploaded with a request (proof of payment, identity)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # The same document sent twice (a double click, a second request) is stored once per case.
    sha256 = models.CharField(max_length=64, blank=True, db_default="")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "sha256"], condition=~Q(sha256=""), name="case_attachment_once_per_case"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class CaseNote(models.Model):
    """A dated note an agent writes on a case. Notes are kept as written: a correction is a new note."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=200)
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        return self.body[:50]


class CallLog(models.Model):
    """One call an agent made from a case (C4): the number, how it went, what was said and agreed, what comes next.
    Only a call the contact gate allowed is logged; its contact attempt is what the gate's caps count."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="calls")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="calls")
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agent_label = models.CharField(max_length=200)
    called_at = models.DateTimeField(_("called at"))
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The number as it was when called (a contact point may be edited later).
    number = models.CharField(_("number called"), max_length=40)
    outcome = models.CharField(_("outcome"), max_length=15, choices=CallOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    reason = models.CharField(_("reason for non-payment"), max_length=20, choices=NonPaymentReason.choices, blank=True)
    reason_record = models.ForeignKey(
        "debtors.ReasonRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The promise, plan or settlement agreed on the call (active, or waiting for a manager).
    arrangement = models.ForeignKey(
        "arrangements.Arrangement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_at = models.DateTimeField(_("follow-up"), null=True, blank=True)
    # Where the follow-up waits: this case (rescheduled) or a follow-up case of its own.
    follow_up_case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contact_attempt = models.OneToOneField("contact.ContactAttempt", on_delete=models.PROTECT, related_name="call_log")
    # The phone task (outbox message) this call did, when it came from the phone-task list.
    message = models.ForeignKey("outbox.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-called_at"]
        indexes = [models.Index(fields=["debtor", "-called_at"])]

    def __str__(self) -> str:
        return f"{self.outcome} {self.number}"
