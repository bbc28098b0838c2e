"""Autopay of saved cards on instalment dates, and reconciliation of payments whose webhook never came (S3)."""

from __future__ import annotations

import datetime as dt
import logging

import stripe
from django.db import IntegrityError, transaction

from apps.arrangements.models import ArrangementStatus, Instalment, InstalmentStatus
from apps.audit.services import Actor, audit_record
from apps.payments import selectors
from apps.payments.models import (
    FINAL_STATUSES,
    CardPayment,
    PaymentStatus,
    StripeCustomer,
)
from apps.payments.services.checkout import card_payment_cancel, card_payment_charge, card_payment_fail
from apps.payments.services.common import ABANDONED
from apps.payments.services.settle import card_payment_apply
from apps.payments.stripe_api import stripe_client

logger = logging.getLogger(__name__)


REMIND_DAYS_BEFORE = 3


def autopay_charge(*, instalment: Instalment, today: dt.date, actor: Actor) -> CardPayment | None:
    """Charge the saved card for an instalment due today, once per instalment and day (however often this runs)."""
    arrangement = instalment.arrangement
    saved = selectors.active_saved_card(arrangement)
    account = selectors.stripe_account_get()
    if saved is None or account is None:
        return None
    if instalment.status != InstalmentStatus.DUE or arrangement.status != ArrangementStatus.ACTIVE:
        return None
    target = selectors.pay_target_for_instalment(instalment)
    if not target.payable:
        return None
    customer = StripeCustomer.objects.filter(debtor=saved.debtor).first()
    if customer is None:
        return None
    key = f"{instalment.pk}:{today.isoformat()}"
    try:
        with transaction.atomic():
            payment = CardPayment.objects.create(
                debt=target.debt,
                arrangement=arrangement,
                instalment=instalment,
                purpose=target.purpose,
                amount_minor=target.amount_minor,
                currency=target.currency,
                payment_method_id=saved.stripe_payment_method_id,
                saved_card=saved,
                off_session=True,
                autopay_key=key,
                created_by_label=actor.label,
            )
            audit_record(
                actor=actor,
                action="payments.autopay_started",
                obj=payment,
                after={"instalment": instalment.pk, "amount_minor": payment.amount_minor, "card": saved.last4},
            )
    except IntegrityError:
        return None  # today's attempt exists already
    return card_payment_charge(
        payment, client=stripe_client(account), customer_id=customer.stripe_id, off_session=True, actor=actor
    )


def card_payment_reconcile(*, card_payment: CardPayment, now: dt.datetime, actor: Actor) -> CardPayment:
    """S3: a payment whose webhook never came is settled from Stripe's state."""
    account = selectors.stripe_account_get()
    if account is None or card_payment.status in FINAL_STATUSES:
        return card_payment
    client = stripe_client(account)
    if not card_payment.stripe_payment_intent_id:
        # The request never reached Stripe, or its answer was lost; a late webhook still finds it by metadata.
        return card_payment_fail(card_payment, code="not_started", message="", actor=actor)
    try:
        intent = client.v1.payment_intents.retrieve(card_payment.stripe_payment_intent_id)
    except stripe.StripeError:
        logger.exception("reconciliation: PaymentIntent %s could not be read", card_payment.stripe_payment_intent_id)
        return card_payment
    payment = card_payment_apply(card_payment=card_payment, payment_intent=intent, client=client, actor=actor)
    if payment.status == PaymentStatus.REQUIRES_ACTION and now - payment.created_at > ABANDONED:
        payment = card_payment_cancel(card_payment=payment, client=client, actor=actor)
    return payment
