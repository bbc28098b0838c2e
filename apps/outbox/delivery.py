"""Delivery of queued messages: claim the row, ask the contact gate again, hand to the channel, record the result.

Exactly-once is impossible with SMTP and most SMS APIs, so the outbox chooses AT MOST ONCE:
1. The claim (queued -> sending, attempts + 1) commits BEFORE the provider is called; a second worker finds the row
   locked (skip_locked) or already 'sending' and does nothing.
2. The provider is called with the message id as idempotency key (SMS) / Message-ID header (email).
3. The result (sent + provider id + ContactAttempt) commits after the provider accepted.
If a worker dies between 2 and 3, the row stays 'sending'. After STALE_AFTER it is picked up again: a provider that
honours idempotency keys (backend.idempotent) gets the same key again and sends nothing new; for any other (SMTP,
Twilio) the message is marked failed with "outcome unknown" instead of risking a duplicate.
An error raised BY the provider (connection refused, 4xx/5xx before acceptance) means nothing was sent: the row goes
back to 'queued' with a back-off, or to 'failed' / 'bounced' when retrying cannot help.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import smtplib
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import Actor, audit_record
from apps.casework.services import phone_step_case_open
from apps.contact.gate import contact_attempt_record
from apps.core.tenancy import current_tenant
from apps.outbox import letters
from apps.outbox.models import Message, MessageStatus
from apps.outbox.services import contact_point_mark_invalid, gate_verdict
from apps.outbox.sms import sms_backend
from apps.outbox.sms.base import SmsError
from apps.outbox.unsubscribe import unsubscribe_url
from apps.policies.models import Channel

STALE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
DELIVERY_ACTOR = "outbox delivery"


class PermanentFailure(Exception):
    """Retrying cannot help (hard bounce, invalid number)."""

    def __init__(self, message: str, *, status: str = MessageStatus.FAILED, invalid_contact: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.invalid_contact = invalid_contact


@dataclass(frozen=True)
class Handed:
    provider: str
    provider_message_id: str
    # A message handed to a provider is a contact attempt; a phone task is not (the call will be).
    attempt: bool = True


def _claim(message_id: Any, now: dt.datetime) -> tuple[Message, bool] | None:
    """Take the message for this worker: (message, was_stale) or None if it is not ours to send."""
    with transaction.atomic():
        ready = Q(status=MessageStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        stale = Q(status=MessageStatus.SENDING, status_changed_at__lt=now - STALE_AFTER)
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("debtor", "contact_point", "template", "run")
            .filter(ready | stale, pk=message_id)
            .first()
        )
        if message is None:
            return None
        was_stale = message.status == MessageStatus.SENDING
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.status_changed_at = now
        message.save(update_fields=["status", "attempts", "status_changed_at"])
    return message, was_stale


def _set(message: Message, actor: Actor, reason: str = "", **fields: Any) -> None:
    before = {"status": message.status}
    for name, value in fields.items():
        setattr(message, name, value)
    message.status_changed_at = timezone.now()
    message.save(update_fields=[*fields, "status_changed_at"])
    audit_record(
        actor=actor, action=f"message.{message.status}", obj=message, before=before, after=fields, reason=reason
    )


def message_deliver(message_id: Any) -> Message | None:
    """Deliver one message if it is due and nobody else is delivering it. Safe to run twice, concurrently."""
    now = timezone.now()
    actor = Actor.system(DELIVERY_ACTOR)
    claimed = _claim(message_id, now)
    if claimed is None:
        return None
    message, was_stale = claimed
    backend = _backend_for(message)
    if was_stale and not getattr(backend, "idempotent", False):
        with transaction.atomic():
            _set(
                message,
                actor,
                status=MessageStatus.FAILED,
                last_error="Delivery outcome unknown: the worker stopped while sending. Not resent, to avoid a "
                "duplicate; check with the provider.",
            )
        return message
    if not was_stale:
        verdict = gate_verdict(message=message, at=now, source=message.source, actor_label=DELIVERY_ACTOR)
        if not verdict.allowed:
            with transaction.atomic():
                if verdict.defer_until is not None:
                    _set(
                        message, actor, reason=verdict.rule, status=MessageStatus.QUEUED, not_before=verdict.defer_until
                    )
                else:
                    _set(
                        message,
                        actor,
                        reason=verdict.rule,
                        status=MessageStatus.CANCELLED,
                        last_error=f"{verdict.rule}: {verdict.detail}".strip(": "),
                    )
            return message
    try:
        handed = _hand_over(message, backend)
    except PermanentFailure as exc:
        with transaction.atomic():
            _set(message, actor, status=exc.status, last_error=str(exc)[:2000])
            if exc.invalid_contact or exc.status == MessageStatus.BOUNCED:
                contact_point_mark_invalid(contact_point=message.contact_point, note=str(exc), actor=actor)
        return message
    except Exception as exc:
        # Nothing was accepted: back to the queue with a back-off, or failed after MAX_ATTEMPTS.
        with transaction.atomic():
            if message.attempts >= MAX_ATTEMPTS:
                _set(message, actor, status=MessageStatus.FAILED, last_error=repr(exc)[:2000])
            else:
                retry_at = timezone.now() + dt.timedelta(minutes=2**message.attempts)
                _set(message, actor, status=MessageStatus.QUEUED, not_before=retry_at, last_error=repr(exc)[:2000])
        return message
    _record_sent(message, handed, actor)
    return message


def _record_sent(message: Message, handed: Handed, actor: Actor) -> None:
    with transaction.atomic():
        now = timezone.now()
        _set(
            message,
            actor,
            status=MessageStatus.SENT,
            provider=handed.provider,
            provider_message_id=handed.provider_message_id,
            sent_at=now,
            last_error="",
        )
        if handed.attempt:
            contact_attempt_record(
                debtor=message.debtor,
                debt=message.debts.order_by("due_date").first(),
                channel=message.channel,
                occurred_at=now,
                message=message,
                source=message.source,
                actor_label=DELIVERY_ACTOR,
            )
        if message.channel == Channel.PHONE:
            # The task is in the agents' phone-task list now, and a case in their worklist (C1).
            phone_step_case_open(message=message, actor=actor)


def _backend_for(message: Message) -> Any:
    if message.channel == Channel.SMS:
        return sms_backend()
    if message.channel == Channel.EMAIL:
        return EMAIL
    return NO_PROVIDER


class _EmailProvider:
    # SMTP has no idempotency key: the Message-ID header lets the receiver de-duplicate, nothing more.
    idempotent = False


class _NoProvider:
    # Letters and phone tasks stay inside Amiable: producing them again is harmless.
    idempotent = True


EMAIL = _EmailProvider()
NO_PROVIDER = _NoProvider()


def _hand_over(message: Message, backend: Any) -> Handed:
    if message.channel == Channel.EMAIL:
        return _send_email(message)
    if message.channel == Channel.SMS:
        return _send_sms(message, backend)
    if message.channel == Channel.LETTER:
        return _print_letter(message)
    return Handed(provider="agent", provider_message_id="", attempt=False)


class OutboxEmail(EmailMessage):
    def message(self, *, policy: Any = email.policy.default) -> Any:
        # The signed unsubscribe URL is one long word: with the 78-character default the header would be folded
        # into RFC 2047 encoded words that mail clients do not read as a URL. RFC 5322 allows 998 per line.
        return super().message(policy=policy.clone(max_line_length=998))


def email_message(message: Message) -> EmailMessage:
    """The email as it goes out: plain text, one-click unsubscribe (RFC 8058), Message-ID = the message id."""
    tenant = current_tenant()
    unsubscribe = unsubscribe_url(debtor_id=message.debtor_id, channel=Channel.EMAIL)
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = from_address.rsplit("@", 1)[-1] or "amiable.localhost"
    headers = {
        "Message-ID": f"<{message.pk}@{domain}>",
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    reply_to = [tenant.support_email] if tenant.support_email else []
    return OutboxEmail(
        subject=message.subject,
        body=message.body,
        from_email=formataddr((tenant.legal_name, from_address)),
        to=[message.to_address],
        reply_to=reply_to,
        headers=headers,
    )


def _send_email(message: Message) -> Handed:
    email = email_message(message)
    try:
        mailers.default.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(
            f"Address refused by the mail server: {exc.recipients}", status=MessageStatus.BOUNCED
        ) from exc
    return Handed(provider="smtp", provider_message_id=email.extra_headers["Message-ID"])


def _send_sms(message: Message, backend: Any) -> Handed:
    try:
        provider_id = backend.send(to=message.to_address, body=message.body, idempotency_key=str(message.pk))
    except SmsError as exc:
        if exc.permanent:
            raise PermanentFailure(str(exc), invalid_contact=True) from exc
        raise
    return Handed(provider=backend.name, provider_message_id=provider_id)


def _print_letter(message: Message) -> Handed:
    """A letter of a run is in the run's print file already; any other letter gets its own PDF."""
    run = message.run
    if run is not None and run.letters_pdf:
        return Handed(provider="print", provider_message_id=run.letters_pdf.name or "")
    pdf = letters.letter_pdf(message)
    message.pdf.save(f"letter-{message.pk}.pdf", ContentFile(pdf), save=False)
    Message.objects.filter(pk=message.pk).update(pdf=message.pdf.name)
    return Handed(provider="print", provider_message_id=message.pdf.name or "")


def messages_due(now: dt.datetime | None = None) -> list[Any]:
    """Ids of queued messages whose time has come (and stale sends to settle), oldest first."""
    now = now or timezone.now()
    ready = Q(status=MessageStatus.QUEUED) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    stale = Q(status=MessageStatus.SENDING, status_changed_at__lt=now - STALE_AFTER)
    return list(Message.objects.filter(ready | stale).order_by("created_at").values_list("pk", flat=True)[:1000])
