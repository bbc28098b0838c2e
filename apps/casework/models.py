"""Cases: the work a person must do for a debtor — a dispute, a hardship request, a request outside the margins,
a chargeback, a callback. Opened by the portal, the engine and payments; worked by support agents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.debtors.models import Debtor
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


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
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
            )
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
