"""Refunds: by a manager or in the Stripe dashboard, each recorded once by its refund id (a REFUND ledger entry)."""

from __future__ import annotations

from typing import Any

import stripe
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.debts.models import Debt, EntryKind, LedgerEntry, PaymentMethod
from apps.payments import selectors
from apps.payments.models import (
    CardPayment,
    CardRefund,
    RefundKind,
)
from apps.payments.services.common import debt_reopen_if_owed, money_words, stripe_account_required
from apps.payments.stripe_api import error_words, stripe_client


def card_refund_create(
    *, card_payment: CardPayment, amount_minor: int, reason: str, request_key: str, actor: Actor
) -> CardRefund:
    """A manager gives money back on a card payment (full or part). The refunded amount is owed again: a REFUND
    entry (by the refund id, so the webhook's report of the same refund adds nothing); a paid debt reopens.
    The same form sent twice (its request key) refunds once."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the money is refunded."), field="reason")
    if amount_minor <= 0:
        raise DomainError(_("The refund must be more than zero."), field="amount")
    client = stripe_client(stripe_account_required())
    with transaction.atomic():
        # Held while Stripe answers: a second submission of the form waits, then finds the first refund.
        payment = CardPayment.objects.select_for_update().get(pk=card_payment.pk)
        existing = CardRefund.objects.filter(request_key=request_key).first()
        if existing is not None:
            return existing
        refundable = selectors.refundable_minor(payment)
        if amount_minor > refundable:
            raise DomainError(
                _("At most %(amount)s can still be refunded on this payment.")
                % {"amount": money_words(refundable, payment.currency)},
                field="amount",
            )
        try:
            refund = client.v1.refunds.create(
                params={
                    "payment_intent": str(payment.stripe_payment_intent_id),
                    "amount": amount_minor,
                    "metadata": {"amiable_card_payment": str(payment.pk), "amiable_reason": reason[:400]},
                },
                options={"idempotency_key": f"refund-{payment.pk}-{request_key}"},
            )
        except stripe.StripeError as error:
            raise DomainError(error_words(error), field="amount") from error
        return card_refund_record(
            card_payment=payment,
            refund=refund,
            kind=RefundKind.STAFF,
            reason=reason,
            request_key=request_key,
            actor=actor,
        )


def card_refund_record(
    *, card_payment: CardPayment, refund: Any, kind: str, reason: str = "", request_key: str | None = None, actor: Actor
) -> CardRefund:
    """One Stripe refund, once: from the staff action or from the webhook, whichever comes first."""
    with transaction.atomic():
        payment = CardPayment.objects.select_for_update().get(pk=card_payment.pk)
        row = CardRefund.objects.select_for_update().filter(stripe_refund_id=refund.id).first()
        status = str(getattr(refund, "status", "") or "succeeded")
        if row is None:
            row = CardRefund.objects.create(
                card_payment=payment,
                stripe_refund_id=refund.id,
                kind=kind,
                amount_minor=int(refund.amount),
                currency=payment.currency,
                status=status,
                reason=reason[:500],
                request_key=request_key,
                created_by_label=actor.label,
            )
            audit_record(
                actor=actor,
                action="payments.card_refunded",
                obj=payment,
                after={"refund": refund.id, "amount_minor": row.amount_minor, "kind": kind},
                reason=reason,
            )
        elif row.status != status:
            row.status = status
            row.save(update_fields=["status"])
        if row.kind != RefundKind.EXCESS and row.ledger_entry_id is None and status in ("succeeded", "pending"):
            row.ledger_entry = _refund_entry(payment, row, actor=actor)
            row.save(update_fields=["ledger_entry"])
    return row


def _refund_entry(payment: CardPayment, refund: CardRefund, *, actor: Actor) -> LedgerEntry | None:
    if payment.ledger_entry_id is None:
        return None  # nothing of this payment reached the ledger
    debt = Debt.objects.select_for_update().get(pk=payment.debt_id)
    entry, created = LedgerEntry.objects.get_or_create(
        debt=debt,
        kind=EntryKind.REFUND,
        reference=refund.stripe_refund_id,
        defaults={
            "amount_minor": refund.amount_minor,
            "currency": debt.currency,
            "occurred_on": tenant_today(),
            "method": PaymentMethod.CARD,
            "description": refund.reason or _("Card refund"),
            "created_by_label": actor.label,
        },
    )
    if created:
        audit_record(
            actor=actor,
            action="debt.refund_recorded",
            obj=debt,
            after={"amount_minor": refund.amount_minor, "reference": refund.stripe_refund_id},
        )
        debt_reopen_if_owed(debt, actor=actor, reason=_("Card payment refunded"))
    return entry


def card_payment_refunds_sync(
    *, card_payment: CardPayment, client: stripe.StripeClient, actor: Actor
) -> list[CardRefund]:
    """Every refund Stripe holds for this payment, recorded once (refunds made in the Stripe dashboard too)."""
    if not card_payment.stripe_payment_intent_id:
        return []
    refunds = client.v1.refunds.list(params={"payment_intent": card_payment.stripe_payment_intent_id, "limit": 100})
    return [
        card_refund_record(card_payment=card_payment, refund=refund, kind=RefundKind.STRIPE, actor=actor)
        for refund in refunds.data
        if str(getattr(refund, "status", "succeeded")) in ("succeeded", "pending")
    ]
