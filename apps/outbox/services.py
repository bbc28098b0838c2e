"""Writes of the outbox: enqueue a message, record what providers report back, opt-outs and replies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.casework.services import contact_fix_case_open, phone_step_case_close
from apps.contact.gate import ContactRequest, Verdict, contact_attempt_record, gate_decide
from apps.contact.keywords import stop_intent
from apps.contact.models import CallOutcome, ChannelOptOut, GateOutcome, OptOutSource
from apps.contact.services import opt_out_record, sms_opt_out_record
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.tenancy import current_tenant, on_commit_in_tenant
from apps.debtors.models import ContactKind, ContactPoint, Debtor, Validity
from apps.debts.models import ACTIVE_STATUSES, Debt
from apps.outbox.models import InboundMessage, Message, MessageStatus, Source
from apps.outbox.unsubscribe import unsubscribe_url
from apps.policies.models import Channel, MessageTemplate, PolicyVersion, Step
from apps.policies.rendering import render_message
from apps.policies.selectors import template_get
from apps.portal.links import portal_link

# Statuses a provider callback may move a message out of (a late "sent" never undoes "delivered").
CALLBACK_FROM: dict[str, set[str]] = {
    MessageStatus.SENT: {MessageStatus.SENDING},
    MessageStatus.DELIVERED: {MessageStatus.SENDING, MessageStatus.SENT},
    MessageStatus.BOUNCED: {MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED},
    MessageStatus.FAILED: {MessageStatus.SENDING, MessageStatus.SENT},
}


def gate_verdict(*, message: Message, at: dt.datetime, source: str, actor_label: str) -> Verdict:
    """Ask the contact gate (and record its answer) for this message's channel, debts and contact point."""
    request = ContactRequest(
        debtor=message.debtor,
        channel=message.channel,
        at=at,
        debts=tuple(message.debts.all()),
        contact_point=message.contact_point,
        template=message.template,
        source=source,
        actor_label=actor_label,
    )
    return gate_decide(request)


def call_gate_decide(*, message: Message, at: dt.datetime, actor_label: str) -> Verdict:
    """Every call passes the gate first (US1 call caps, quiet hours, cease ...), even from a task list."""
    return gate_verdict(message=message, at=at, source=Source.MANUAL, actor_label=actor_label)


def _address(channel: str, contact_point: ContactPoint | None) -> str:
    if contact_point is None:
        return ""
    return contact_point.value


def message_enqueue(
    *,
    idempotency_key: str,
    debtor: Debtor,
    debts: Sequence[Debt],
    channel: str,
    contact_point: ContactPoint | None,
    template: MessageTemplate | None,
    rendered: Any,
    stage: str,
    source: str,
    policy_version: PolicyVersion | None = None,
    step: Step | None = None,
    run: Any = None,
    not_before: dt.datetime | None = None,
    actor_label: str,
) -> Message:
    """Write a message to the outbox once per idempotency key and queue its delivery after the commit.

    A second call with the same key returns the first message untouched (and queues nothing)."""
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    locale = getattr(template, "locale", "") or debtor.preferred_language or "en"
    try:
        with transaction.atomic():
            message = Message.objects.create(
                idempotency_key=idempotency_key,
                debtor=debtor,
                channel=channel,
                contact_point=contact_point,
                to_address=_address(channel, contact_point),
                locale=locale,
                stage=stage,
                source=source,
                policy_version=policy_version,
                step=step,
                template=template,
                run=run,
                subject=rendered.subject,
                body=rendered.body,
                not_before=not_before,
                created_by_label=actor_label,
                status_changed_at=timezone.now(),
            )
            if debts:
                message.debts.set(debts)
    except IntegrityError:
        # Another worker wrote the same key between our read and our insert.
        return Message.objects.get(idempotency_key=idempotency_key)
    if not_before is None or not_before <= timezone.now():
        _deliver_on_commit(message.pk)
    return message


def _deliver_on_commit(message_id: Any) -> None:
    from apps.outbox.tasks import message_deliver

    on_commit_in_tenant(lambda: message_deliver.delay(str(message_id)))


def contact_point_mark_invalid(*, contact_point: ContactPoint | None, note: str, actor: Actor) -> None:
    """A bounce or an undeliverable number: the contact point shows as needing an update (staff fix it)."""
    if contact_point is None:
        return
    with transaction.atomic():
        point = ContactPoint.objects.select_for_update().get(pk=contact_point.pk)
        if point.validity == Validity.INVALID and point.validity_note == note[:200]:
            return
        before = {"validity": point.validity, "validity_note": point.validity_note}
        point.validity = Validity.INVALID
        point.validity_note = note[:200]
        point.save(update_fields=["validity", "validity_note", "updated_at"])
        audit_record(
            actor=actor, action="contact_point.invalid", obj=point, before=before, after={"validity": point.validity}
        )
        # Someone must find the right address or number: a case in the worklist (C1), one per contact point.
        contact_fix_case_open(contact_point=point, note=note, actor=actor)


def message_status_record(
    *, message: Message, status: str, error: str = "", invalid_contact: bool = False, actor: Actor
) -> Message:
    """A provider's delivery report (sent / delivered / bounced / failed). Reports out of order are ignored."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if status not in CALLBACK_FROM or message.status not in CALLBACK_FROM[status]:
            return message
        now = timezone.now()
        before = {"status": message.status}
        message.status = status
        message.status_changed_at = now
        fields = ["status", "status_changed_at"]
        if status == MessageStatus.DELIVERED:
            message.delivered_at = now
            fields.append("delivered_at")
        if error:
            message.last_error = error[:2000]
            fields.append("last_error")
        message.save(update_fields=fields)
        audit_record(actor=actor, action=f"message.{status}", obj=message, before=before, after={"status": status})
        if invalid_contact or status == MessageStatus.BOUNCED:
            contact_point_mark_invalid(
                contact_point=message.contact_point,
                note=error or f"{message.get_channel_display()} {message.get_status_display()}",
                actor=actor,
            )
    return message


def unsubscribe_record(*, debtor: Debtor, channel: str, actor: Actor) -> ChannelOptOut:
    return opt_out_record(
        debtor=debtor,
        channel=channel,
        source=OptOutSource.UNSUBSCRIBE_LINK,
        evidence="one-click unsubscribe link",
        actor=actor,
    )


def _stop_intent(text: str) -> bool:
    return bool(stop_intent(text))


def sms_inbound_record(
    *, provider: str, provider_message_id: str, from_number: str, to_number: str, body: str, actor: Actor
) -> InboundMessage:
    """Store a reply once; a STOP reply (any language the keyword matcher knows) opts the sender's debtor out."""
    with transaction.atomic():
        inbound, created = InboundMessage.objects.get_or_create(
            provider=provider,
            provider_message_id=provider_message_id,
            defaults={
                "from_address": from_number,
                "to_address": to_number,
                "body": body,
                "received_at": timezone.now(),
            },
        )
        if not created:
            return inbound
        points = list(
            ContactPoint.objects.filter(kind="phone", value=from_number).select_related("debtor").order_by("created_at")
        )
        if points:
            inbound.debtor = points[0].debtor
        if _stop_intent(body):
            inbound.stop_detected = True
            for point in points:
                sms_opt_out_record(
                    debtor=point.debtor, contact_point=point, evidence=f"SMS reply: {body[:200]}", actor=actor
                )
        inbound.save(update_fields=["debtor", "stop_detected"])
    return inbound


def phone_task_done(*, message: Message, outcome: str, actor: Actor) -> Message:
    """An agent made the call of a phone task: record the attempt (with its outcome) and close the task."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.channel != Channel.PHONE or message.status != MessageStatus.SENT:
            return message
        now = timezone.now()
        first_debt = message.debts.order_by("due_date").first()
        contact_attempt_record(
            debtor=message.debtor,
            debt=first_debt,
            channel=Channel.PHONE,
            occurred_at=now,
            call_outcome=CallOutcome(outcome),
            message=message,
            source=Source.MANUAL,
            actor_label=actor.label,
        )
        message.status = MessageStatus.DELIVERED
        message.delivered_at = now
        message.status_changed_at = now
        message.save(update_fields=["status", "delivered_at", "status_changed_at"])
        audit_record(
            actor=actor,
            action="message.call_done",
            obj=message,
            before={"status": MessageStatus.SENT},
            after={"status": message.status, "call_outcome": outcome},
        )
        phone_step_case_close(message=message, outcome=outcome, actor=actor)
        if outcome == CallOutcome.WRONG_NUMBER:
            contact_point_mark_invalid(contact_point=message.contact_point, note="wrong number (call)", actor=actor)
    return message


def manual_email_send(*, debtor: Debtor, template_key: str, actor: Actor) -> tuple[Verdict, Message | None]:
    """An agent's email to a debtor from a template, about all their open debts. It passes the contact gate like
    every automatic message: refused → nothing is written; deferred → written to go when the gate allows.
    Sending the same template twice on one day writes one message."""
    tenant = current_tenant()
    template = template_get(template_key, Channel.EMAIL, debtor.preferred_language or tenant.default_locale)
    if template is None:
        raise DomainError(_("There is no email template “%(key)s”.") % {"key": template_key}, field="template")
    contact_point = (
        ContactPoint.objects.filter(debtor=debtor, kind=ContactKind.EMAIL).order_by("-is_primary", "created_at").first()
    )
    debts = list(Debt.objects.filter(debtor=debtor, status__in=ACTIVE_STATUSES).order_by("due_date"))
    verdict = gate_decide(
        ContactRequest(
            debtor=debtor,
            channel=Channel.EMAIL,
            at=timezone.now(),
            debts=tuple(debts),
            contact_point=contact_point,
            template=template,
            source=Source.MANUAL,
            actor_label=actor.label,
        )
    )
    if verdict.outcome == GateOutcome.DENY:
        return verdict, None
    rendered = render_message(
        template=template,
        debtor=debtor,
        debts=debts,
        tenant=tenant,
        links={
            "opt_out_link": unsubscribe_url(debtor_id=debtor.pk, channel=Channel.EMAIL),
            "portal_link": portal_link(debtor),
        },
    )
    message = message_enqueue(
        idempotency_key=f"manual:{tenant_today()}:{debtor.pk}:{template.key}",
        debtor=debtor,
        debts=debts,
        channel=Channel.EMAIL,
        contact_point=contact_point,
        template=template,
        rendered=rendered,
        stage=template.stage,
        source=Source.MANUAL,
        not_before=verdict.defer_until,
        actor_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="message.manual_email",
        obj=debtor,
        after={"template": template.key, "message": str(message.pk), "gate": verdict.outcome, "rule": verdict.rule},
    )
    return verdict, message
