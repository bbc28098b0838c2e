"""The emails card payments send: a receipt after a payment, a reminder a few days before autopay charges a card.

Both go through the contact gate like every message. Their templates are confirmations (is_exception), so a cease
request does not stop them; an opt-out from email, a missing address or an attorney still does, and the gate's
caps and quiet hours may defer them. Each is written once (its idempotency key).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from babel.dates import format_date
from django.db import transaction
from django.utils import timezone

from apps.arrangements.models import Instalment, InstalmentStatus
from apps.contact.gate import ContactRequest, gate_decide
from apps.contact.models import GateOutcome
from apps.core.money import format_money
from apps.core.tenancy import current_tenant
from apps.debtors.models import ContactKind, ContactPoint, Debtor
from apps.debts.models import Debt
from apps.outbox.models import Message, Source
from apps.outbox.services import message_enqueue
from apps.outbox.unsubscribe import unsubscribe_url
from apps.payments.models import CardPayment, PaymentStatus, SavedCard
from apps.policies.models import Channel
from apps.policies.rendering import render_message
from apps.policies.selectors import template_get
from apps.portal.links import portal_link

logger = logging.getLogger(__name__)

RECEIPT_TEMPLATE = "payment-receipt"
REMINDER_TEMPLATE = "autopay-reminder"
ACTOR_LABEL = "card payments"


def _card_words(card: SavedCard | None) -> str:
    if card is None or not card.last4:
        return ""
    return f"{(card.brand or 'card').title()} •••• {card.last4}"


def _send(*, key: str, template_key: str, debtor: Debtor, debt: Debt, payment: dict[str, str]) -> Message | None:
    tenant = current_tenant()
    template = template_get(template_key, Channel.EMAIL, debtor.preferred_language or tenant.default_locale)
    if template is None:
        logger.warning("no %s email template in %s", template_key, tenant.schema_name)
        return None
    contact_point = (
        ContactPoint.objects.filter(debtor=debtor, kind=ContactKind.EMAIL).order_by("-is_primary", "created_at").first()
    )
    verdict = gate_decide(
        ContactRequest(
            debtor=debtor,
            channel=Channel.EMAIL,
            at=timezone.now(),
            debts=(debt,),
            contact_point=contact_point,
            template=template,
            source=Source.AUTOMATIC,
            actor_label=ACTOR_LABEL,
        )
    )
    if verdict.outcome == GateOutcome.DENY:
        return None
    rendered = render_message(
        template=template,
        debtor=debtor,
        debts=[debt],
        tenant=tenant,
        links={
            "opt_out_link": unsubscribe_url(debtor_id=debtor.pk, channel=Channel.EMAIL),
            "portal_link": portal_link(debtor),
        },
        payment=payment,
    )
    return message_enqueue(
        idempotency_key=key,
        debtor=debtor,
        debts=[debt],
        channel=Channel.EMAIL,
        contact_point=contact_point,
        template=template,
        rendered=rendered,
        stage=template.stage,
        source=Source.AUTOMATIC,
        not_before=verdict.defer_until,
        actor_label=ACTOR_LABEL,
    )


def _locale(debtor: Debtor) -> str:
    return debtor.preferred_language or getattr(current_tenant(), "default_locale", "en") or "en"


def card_payment_receipt_send(*, card_payment: CardPayment) -> Message | None:
    """The receipt email of a successful card payment (once)."""
    if card_payment.status != PaymentStatus.SUCCEEDED:
        return None
    debt = card_payment.debt
    locale = _locale(debt.debtor)
    paid_on: dt.date = timezone.localtime(card_payment.succeeded_at or card_payment.updated_at).date()
    return _send(
        key=f"receipt:{card_payment.pk}",
        template_key=RECEIPT_TEMPLATE,
        debtor=debt.debtor,
        debt=debt,
        payment={
            "amount": format_money(card_payment.amount_minor, card_payment.currency, locale),
            "date": str(format_date(paid_on, format="long", locale=locale.replace("-", "_"))),
            "invoice": debt.external_ref,
            "reference": str(card_payment.stripe_payment_intent_id or card_payment.pk),
            "card": _card_words(card_payment.saved_card),
        },
    )


def autopay_reminder_send(*, instalment: Instalment, card: SavedCard) -> Message | None:
    """The reminder before a saved card is charged for an instalment: at most once per instalment."""
    with transaction.atomic():
        locked = (
            Instalment.objects.select_for_update().select_related("arrangement__debt__debtor").get(pk=instalment.pk)
        )
        if locked.reminded_at is not None or locked.status != InstalmentStatus.DUE:
            return None
        locked.reminded_at = timezone.now()
        locked.save(update_fields=["reminded_at"])
        debt = locked.arrangement.debt
        locale = _locale(debt.debtor)
        payment: dict[str, Any] = {
            "amount": format_money(locked.amount_minor, debt.currency, locale),
            "date": str(format_date(locked.due_on, format="long", locale=locale.replace("-", "_"))),
            "invoice": debt.external_ref,
            "reference": "",
            "card": _card_words(card),
        }
        return _send(
            key=f"autopay-reminder:{locked.pk}",
            template_key=REMINDER_TEMPLATE,
            debtor=debt.debtor,
            debt=debt,
            payment=payment,
        )
