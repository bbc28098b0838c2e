"""Settling a payment as Stripe reports it: one service for the webhook, the result page and reconciliation.
Idempotent and order-independent: a success is recorded once and never undone; a failure records nothing."""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.arrangements.models import Arrangement, ArrangementStatus, Instalment, InstalmentStatus
from apps.audit.services import Actor, audit_record
from apps.casework.models import CaseKind
from apps.casework.services import case_open
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.tenancy import on_commit_in_tenant
from apps.debts.models import ACTIVE_STATUSES, Debt, EntryKind, LedgerEntry, PaymentMethod
from apps.debts.services import debt_balance_minor, debt_payment_record
from apps.payments import selectors
from apps.payments.models import (
    FINAL_STATUSES,
    CardPayment,
    CardRefund,
    PaymentStatus,
    RefundKind,
    SavedCard,
)
from apps.payments.services.common import money_words, stripe_account_required
from apps.payments.stripe_api import error_words, failure_words, object_id, stripe_client

logger = logging.getLogger(__name__)


STATUS_FROM_STRIPE = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.PROCESSING,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "requires_confirmation": PaymentStatus.REQUIRES_ACTION,
    "canceled": PaymentStatus.CANCELED,
    # With a card attached, only a failed attempt sends a PaymentIntent back to this state.
    "requires_payment_method": PaymentStatus.FAILED,
}


def card_payment_for_intent(intent: Any) -> CardPayment | None:
    """The payment a PaymentIntent belongs to in this tenant, by its id or (before we stored it) its metadata."""
    payment = CardPayment.objects.filter(stripe_payment_intent_id=intent.id).first()
    if payment is not None:
        return payment
    metadata = getattr(intent, "metadata", None) or {}
    ref = metadata.get("amiable_card_payment") if hasattr(metadata, "get") else None
    if not ref:
        return None
    try:
        return CardPayment.objects.filter(pk=ref, stripe_payment_intent_id__isnull=True).first()
    except (ValueError, DjangoValidationError):
        return None


def card_payment_apply(
    *, card_payment: CardPayment, payment_intent: Any, client: stripe.StripeClient | None = None, actor: Actor
) -> CardPayment:
    """Bring a payment in line with its PaymentIntent as Stripe reports it. Idempotent and order-independent: a
    success is recorded once and never undone; a failure records nothing in the ledger."""
    client = client or stripe_client(stripe_account_required())
    with transaction.atomic():
        payment = CardPayment.objects.select_for_update().select_related("debt").get(pk=card_payment.pk)
        if payment.stripe_payment_intent_id and payment.stripe_payment_intent_id != payment_intent.id:
            raise ValueError(f"PaymentIntent {payment_intent.id} does not belong to card payment {payment.pk}")
        if (
            int(payment_intent.amount) != payment.amount_minor
            or str(payment_intent.currency).upper() != payment.currency
        ):
            # Never happens with intents we created; refuse rather than record a different amount.
            raise ValueError(f"PaymentIntent {payment_intent.id} amount differs from card payment {payment.pk}")
        fields = ["updated_at"]
        if not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = payment_intent.id
            fields.append("stripe_payment_intent_id")
        charge_id = object_id(getattr(payment_intent, "latest_charge", None))
        if charge_id and payment.stripe_charge_id != charge_id:
            payment.stripe_charge_id = charge_id
            fields.append("stripe_charge_id")
        status = STATUS_FROM_STRIPE.get(str(payment_intent.status), PaymentStatus.PROCESSING)
        if payment.status == PaymentStatus.SUCCEEDED or status == payment.status:
            if len(fields) > 1:
                payment.save(update_fields=fields)
            return payment
        before = payment.status
        if status == PaymentStatus.SUCCEEDED:
            _record_success(payment, client=client, actor=actor)
            fields += ["status", "succeeded_at", "ledger_entry", "recorded_minor", "failure_code", "failure_message"]
        else:
            payment.status = status
            fields.append("status")
            if status == PaymentStatus.FAILED:
                error = getattr(payment_intent, "last_payment_error", None)
                payment.failure_code = str(getattr(error, "decline_code", None) or getattr(error, "code", "") or "")[
                    :60
                ]
                payment.failure_message = str(getattr(error, "message", "") or "")[:500]
                fields += ["failure_code", "failure_message"]
            elif status == PaymentStatus.CANCELED:
                payment.failure_code, payment.failure_message = "canceled", ""
                fields += ["failure_code", "failure_message"]
        payment.save(update_fields=list(dict.fromkeys(fields)))
        audit_record(
            actor=actor,
            action=f"payments.card_payment_{payment.status}",
            obj=payment,
            before={"status": before},
            after={"status": payment.status, "payment_intent": payment_intent.id, "code": payment.failure_code},
        )
        if payment.status in FINAL_STATUSES and payment.payment_method_id:
            # Unless the debtor agreed to keep it for the plan (a saved card), Stripe forgets the card: the setup
            # attached it to the customer.
            method, account = payment.payment_method_id, client
            on_commit_in_tenant(lambda: _detach(account, method))
        if payment.status == PaymentStatus.SUCCEEDED:
            payment_id = payment.pk
            on_commit_in_tenant(lambda: _receipt_on_commit(payment_id))
        elif payment.status == PaymentStatus.FAILED and payment.off_session and payment.instalment_id:
            _autopay_failed(payment, actor=actor)
    return payment


def _detach(client: stripe.StripeClient, payment_method_id: str) -> None:
    if SavedCard.objects.filter(stripe_payment_method_id=payment_method_id, revoked_at__isnull=True).exists():
        return
    try:
        client.v1.payment_methods.detach(payment_method_id)
    except stripe.StripeError:
        logger.info("payment method %s was not detached (already, or gone)", payment_method_id)


def _receipt_on_commit(payment_id: Any) -> None:
    from apps.payments.tasks import card_payment_receipt_send

    card_payment_receipt_send.delay(str(payment_id))


def _record_success(payment: CardPayment, *, client: stripe.StripeClient, actor: Actor) -> None:
    """Ledger, instalment, saved card and excess refund for a payment Stripe says succeeded (row locked)."""
    debt = Debt.objects.select_for_update().get(pk=payment.debt_id)
    balance = debt_balance_minor(debt) if debt.status in ACTIVE_STATUSES else 0
    already = LedgerEntry.objects.filter(
        debt=debt, kind=EntryKind.PAYMENT, reference=payment.stripe_payment_intent_id
    ).first()
    fits = -already.amount_minor if already is not None else max(min(payment.amount_minor, balance), 0)
    entry = already
    if entry is None and fits > 0:
        entry = debt_payment_record(
            debt=debt,
            amount_minor=fits,
            received_on=tenant_today(),
            method=PaymentMethod.CARD,
            reference=str(payment.stripe_payment_intent_id),
            note=_("Card payment"),
            actor=actor,
        )
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.ledger_entry = entry
    payment.recorded_minor = fits
    payment.failure_code, payment.failure_message = "", ""
    excess = payment.amount_minor - fits
    if excess > 0:
        # The balance fell while the debtor paid (a cheque, a transfer): what was not owed goes straight back.
        _refund_excess(payment, amount_minor=excess, client=client, actor=actor)
    if payment.instalment_id and fits > 0:
        _instalment_paid(payment, actor=actor)
    if payment.save_card_consent and payment.arrangement_id and payment.saved_card_id is None:
        payment.saved_card = _save_card(payment, client=client, actor=actor)
        if payment.saved_card is not None:
            payment.save(update_fields=["saved_card"])


def _instalment_paid(payment: CardPayment, *, actor: Actor) -> None:
    from apps.arrangements.services import instalment_paid

    instalment_id = payment.instalment_id
    assert instalment_id is not None
    instalment = Instalment.objects.select_for_update().get(pk=instalment_id)
    if instalment.status == InstalmentStatus.PAID:
        return
    try:
        with transaction.atomic():
            instalment_paid(instalment=instalment, actor=actor)
    except DomainError as error:
        # The money is recorded on the debt either way; the plan's bookkeeping is a person's to check.
        logger.warning("instalment %s not marked paid after card payment %s: %s", instalment.pk, payment.pk, error)
        audit_record(
            actor=actor,
            action="payments.instalment_not_marked_paid",
            obj=payment,
            reason=str(error.message)[:500],
        )


def _refund_excess(payment: CardPayment, *, amount_minor: int, client: stripe.StripeClient, actor: Actor) -> None:
    try:
        refund = client.v1.refunds.create(
            params={
                "payment_intent": str(payment.stripe_payment_intent_id),
                "amount": amount_minor,
                "metadata": {"amiable_card_payment": str(payment.pk), "amiable_reason": "excess"},
            },
            options={"idempotency_key": f"excess-{payment.idempotency_key}"},
        )
    except stripe.StripeError as error:
        logger.exception("excess of card payment %s not refunded", payment.pk)
        case_open(
            kind=CaseKind.ALREADY_PAID,
            debtor=payment.debt.debtor,
            debt=payment.debt,
            subject=_("Refund %(amount)s of a card payment by hand")
            % {"amount": money_words(amount_minor, payment.currency)},
            details=_(
                "A card payment of %(paid)s arrived after the balance had fallen, so %(excess)s of it is not owed. "
                "Refunding it through Stripe failed (%(error)s): refund it in Stripe (payment %(pi)s)."
            )
            % {
                "paid": money_words(payment.amount_minor, payment.currency),
                "excess": money_words(amount_minor, payment.currency),
                "error": error_words(error),
                "pi": payment.stripe_payment_intent_id,
            },
            data={"card_payment": str(payment.pk), "excess_minor": amount_minor},
            actor=actor,
        )
        return
    CardRefund.objects.get_or_create(
        stripe_refund_id=refund.id,
        defaults={
            "card_payment": payment,
            "kind": RefundKind.EXCESS,
            "amount_minor": int(refund.amount),
            "currency": payment.currency,
            "status": str(refund.status),
            "reason": _("More than the balance due when the payment arrived"),
            "created_by_label": actor.label,
        },
    )
    audit_record(
        actor=actor,
        action="payments.excess_refunded",
        obj=payment,
        after={"refund": refund.id, "amount_minor": int(refund.amount)},
    )


def _save_card(payment: CardPayment, *, client: stripe.StripeClient, actor: Actor) -> SavedCard | None:
    arrangement_id = payment.arrangement_id
    assert arrangement_id is not None
    arrangement = Arrangement.objects.select_for_update().get(pk=arrangement_id)
    if arrangement.status != ArrangementStatus.ACTIVE:
        return None
    card: Any = None
    try:
        card = getattr(client.v1.payment_methods.retrieve(payment.payment_method_id), "card", None)
    except stripe.StripeError:
        logger.exception("card details of %s could not be read", payment.payment_method_id)
    now = timezone.now()
    # A new consent replaces the card saved before for the same plan.
    SavedCard.objects.filter(arrangement=arrangement, revoked_at__isnull=True).update(revoked_at=now)
    saved = SavedCard.objects.create(
        debtor=payment.debt.debtor,
        arrangement=arrangement,
        stripe_payment_method_id=payment.payment_method_id,
        brand=str(getattr(card, "brand", "") or "")[:20],
        last4=str(getattr(card, "last4", "") or "")[:4],
        exp_month=getattr(card, "exp_month", None),
        exp_year=getattr(card, "exp_year", None),
        consent_text=payment.save_card_consent,
        consented_at=payment.created_at,
    )
    audit_record(
        actor=actor,
        action="payments.card_saved",
        obj=saved,
        after={"arrangement": arrangement.pk, "last4": saved.last4, "consent": saved.consent_text},
    )
    return saved


def saved_card_revoke(*, saved_card: SavedCard, actor: Actor) -> SavedCard:
    """The debtor withdraws consent: no more automatic charges; Stripe forgets the card."""
    with transaction.atomic():
        locked = SavedCard.objects.select_for_update().get(pk=saved_card.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="payments.card_consent_revoked", obj=locked, after={"revoked": True})
        account = selectors.stripe_account_get()
        if account is not None:
            method = locked.stripe_payment_method_id
            on_commit_in_tenant(lambda: _detach(stripe_client(account), method))
    return locked


def _autopay_failed(payment: CardPayment, *, actor: Actor) -> None:
    from apps.arrangements.services import instalment_payment_failed

    instalment_id = payment.instalment_id
    assert instalment_id is not None
    instalment = Instalment.objects.select_for_update().get(pk=instalment_id)
    if instalment.status != InstalmentStatus.DUE:
        return
    try:
        with transaction.atomic():
            instalment_payment_failed(
                instalment=instalment,
                actor=actor,
                reason=failure_words(payment.failure_code, payment.failure_message),
            )
    except DomainError as error:
        logger.warning("instalment %s: failed autopay not passed on: %s", instalment.pk, error)
