"""Paying from the portal: the Stripe customer and SetupIntent behind the card field, then the charge of exactly the
amount the page showed (one PaymentIntent per page, with an Idempotency-Key)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record
from apps.core.errors import DomainError
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.payments import selectors
from apps.payments.models import (
    FINAL_STATUSES,
    CardPayment,
    PaymentStatus,
    StripeCustomer,
)
from apps.payments.services.common import IN_FLIGHT, money_words, stripe_account_required
from apps.payments.services.settle import card_payment_apply
from apps.payments.stripe_api import object_id, stripe_client

logger = logging.getLogger(__name__)


def stripe_customer_ensure(*, debtor: Debtor, client: stripe.StripeClient) -> StripeCustomer:
    """The debtor's customer in the tenant's Stripe account (one per debtor; only their name and reference)."""
    existing = StripeCustomer.objects.filter(debtor=debtor).first()
    if existing is not None:
        return existing
    customer = client.v1.customers.create(
        params={"name": debtor.name[:200], "metadata": {"amiable_debtor": debtor.external_ref}},
        options={"idempotency_key": f"customer-{debtor.pk}"},
    )
    try:
        with transaction.atomic():
            return StripeCustomer.objects.create(debtor=debtor, stripe_id=customer.id)
    except IntegrityError:
        # Another request made it at the same moment (with the same idempotency key, the same customer).
        return StripeCustomer.objects.get(debtor=debtor)


@dataclasses.dataclass(frozen=True)
class CardSetup:
    publishable_key: str
    setup_intent_id: str
    client_secret: str


def card_setup_start(*, debtor: Debtor) -> CardSetup:
    """A SetupIntent for the pay page's card field: the card is checked by the debtor's bank, never seen by us."""
    account = stripe_account_required()
    client = stripe_client(account)
    customer = stripe_customer_ensure(debtor=debtor, client=client)
    intent = client.v1.setup_intents.create(
        params={  # type: ignore[arg-type]
            "customer": customer.stripe_id,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": {"amiable_debtor": debtor.external_ref},
        }
    )
    return CardSetup(account.publishable_key, intent.id, str(intent.client_secret))


def _amount_changed(target: selectors.PayTarget) -> DomainError:
    if not target.payable:
        message = _("There is nothing left to pay here any more, so nothing was charged.")
    else:
        message = _(
            "The amount due has changed since this page was shown: it is now %(amount)s. Nothing was charged. "
            "Please check the new amount and pay again."
        ) % {"amount": money_words(target.amount_minor, target.currency)}
    return DomainError(message, code="amount_changed")


def card_payment_start(
    *,
    debtor: Debtor,
    target: selectors.PayTarget,
    shown: dict[str, Any],
    setup_intent_id: str,
    payment_method_id: str,
    consent_text: str,
    actor: Actor,
) -> CardPayment:
    """Charge the card the debtor set up on the pay page, exactly the amount the page showed.

    `shown` is what the page displayed (signed); if the amount due is no longer the same, nothing is charged.
    The same SetupIntent submitted twice gives the same payment (one charge)."""
    if not setup_intent_id.startswith("seti_") or not payment_method_id.startswith("pm_"):
        raise DomainError(_("The card details did not come through. Please reload the page and try again."))
    account = stripe_account_required()
    now = timezone.now()
    with transaction.atomic():
        debt = Debt.objects.select_for_update().get(pk=target.debt.pk)
        existing = CardPayment.objects.filter(setup_intent_id=setup_intent_id).first()
        if existing is not None:
            if existing.debt_id != debt.pk:
                raise DomainError(_("This card setup belongs to another payment."))
            return existing
        # The amount again, under the lock: a payment recorded a moment ago changes it.
        current = selectors.pay_target_again(target)
        if not current.payable or current.signature() != shown:
            raise _amount_changed(current)
        busy = CardPayment.objects.filter(debt=debt).filter(
            status__in=[PaymentStatus.PROCESSING, PaymentStatus.CREATED], created_at__gte=now - IN_FLIGHT
        )
        if busy.exists():
            raise DomainError(
                _("A card payment for this invoice is already under way. Please wait a minute and reload the page."),
                code="in_progress",
            )
        payment = CardPayment.objects.create(
            debt=debt,
            arrangement=current.arrangement,
            instalment=current.instalment,
            purpose=current.purpose,
            amount_minor=current.amount_minor,
            currency=current.currency,
            setup_intent_id=setup_intent_id,
            payment_method_id=payment_method_id,
            save_card_consent=consent_text if current.later_instalments else "",
            created_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="payments.card_payment_started",
            obj=payment,
            after={"amount_minor": payment.amount_minor, "currency": payment.currency, "purpose": payment.purpose},
        )
    client = stripe_client(account)
    # Payments left waiting for the bank on this debt (another tab, an abandoned 3-D Secure) are cancelled first.
    for stale in CardPayment.objects.filter(debt=debt, status=PaymentStatus.REQUIRES_ACTION).exclude(pk=payment.pk):
        card_payment_cancel(card_payment=stale, client=client, actor=actor)
    try:
        setup = client.v1.setup_intents.retrieve(setup_intent_id)
    except stripe.StripeError:
        logger.exception("SetupIntent %s could not be read", setup_intent_id)
        return _not_started(payment, actor)
    customer = StripeCustomer.objects.filter(debtor=debtor).first()
    if (
        setup.status != "succeeded"
        or customer is None
        or object_id(setup.customer) != customer.stripe_id
        or object_id(setup.payment_method) != payment_method_id
    ):
        # Not a card this debtor set up on this page: nothing is charged.
        return _not_started(payment, actor)
    return card_payment_charge(payment, client=client, customer_id=customer.stripe_id, off_session=False, actor=actor)


def _not_started(payment: CardPayment, actor: Actor) -> CardPayment:
    with transaction.atomic():
        locked = CardPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == PaymentStatus.CREATED and not locked.stripe_payment_intent_id:
            locked.status = PaymentStatus.FAILED
            locked.failure_code = "not_started"
            locked.failure_message = "The card setup was not confirmed."
            locked.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
            audit_record(actor=actor, action="payments.card_payment_not_started", obj=locked)
        return locked


def card_payment_charge(
    payment: CardPayment, *, client: stripe.StripeClient, customer_id: str, off_session: bool, actor: Actor
) -> CardPayment:
    params: dict[str, Any] = {
        "amount": payment.amount_minor,  # integer minor units, as stored: Stripe gets exactly this (no fee)
        "currency": payment.currency.lower(),
        "customer": customer_id,
        "payment_method": payment.payment_method_id,
        "confirm": True,
        "metadata": {"amiable_card_payment": str(payment.pk), "amiable_debt": payment.debt.external_ref},
    }
    if off_session:
        params["off_session"] = True
    try:
        intent = client.v1.payment_intents.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": str(payment.idempotency_key)},
        )
    except stripe.CardError as error:
        intent = _intent_of_card_error(error, client)
        if intent is None:
            return card_payment_fail(
                payment, code=str(error.code or "card_declined"), message=error.user_message or "", actor=actor
            )
    except stripe.StripeError:
        # The answer is unknown (network, Stripe down): reconciliation or the webhook settles it.
        logger.exception("PaymentIntent for card payment %s: no answer from Stripe", payment.pk)
        return payment
    return card_payment_apply(card_payment=payment, payment_intent=intent, client=client, actor=actor)


def _intent_of_card_error(error: stripe.CardError, client: stripe.StripeClient) -> Any:
    """The PaymentIntent a declined confirmation left behind: in the error (Stripe), or through its charge."""
    body = error.error
    intent_ref = getattr(body, "payment_intent", None) if body is not None else None
    intent_id = object_id(intent_ref)
    try:
        if not intent_id:
            charge_id = object_id(getattr(body, "charge", None)) if body is not None else ""
            if not charge_id:
                return None
            intent_id = object_id(client.v1.charges.retrieve(charge_id).payment_intent)
        return client.v1.payment_intents.retrieve(intent_id) if intent_id else None
    except stripe.StripeError:
        logger.exception("declined PaymentIntent could not be read")
        return None


def card_payment_fail(payment: CardPayment, *, code: str, message: str, actor: Actor) -> CardPayment:
    with transaction.atomic():
        locked = CardPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in FINAL_STATUSES:
            return locked
        locked.status = PaymentStatus.FAILED
        locked.failure_code, locked.failure_message = code[:60], message[:500]
        locked.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
        audit_record(actor=actor, action="payments.card_payment_failed", obj=locked, after={"code": code})
    return locked


def card_payment_cancel(*, card_payment: CardPayment, client: stripe.StripeClient, actor: Actor) -> CardPayment:
    """Cancel a payment still waiting for the debtor's bank (its PaymentIntent too), then settle what Stripe says."""
    if not card_payment.stripe_payment_intent_id:
        return card_payment_fail(card_payment, code="canceled", message="", actor=actor)
    try:
        intent = client.v1.payment_intents.cancel(card_payment.stripe_payment_intent_id)
    except stripe.StripeError:
        # It may have moved on meanwhile (succeeded): Stripe's current state decides.
        try:
            intent = client.v1.payment_intents.retrieve(card_payment.stripe_payment_intent_id)
        except stripe.StripeError:
            logger.exception("PaymentIntent %s could not be read", card_payment.stripe_payment_intent_id)
            return card_payment
    return card_payment_apply(card_payment=card_payment, payment_intent=intent, client=client, actor=actor)
