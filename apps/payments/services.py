"""Every write of card payments: the tenant's Stripe settings, paying from the portal, settling what Stripe reports
(one service for the webhook, the result page and reconciliation), refunds, chargebacks, saved cards and autopay.

Money rules: the amount is fixed on the server and never differs from the one the page showed; every request that
moves money carries an Idempotency-Key; a payment is recorded in the ledger once (its reference is the
PaymentIntent id), a refund once (the refund id), a chargeback once (the dispute id); a success is never undone by a
late or out-of-order failure. There is no fee anywhere (US16, FR1, PAY1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from typing import Any

import stripe
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.arrangements.models import Arrangement, ArrangementStatus, Instalment, InstalmentStatus
from apps.audit.services import Actor, audit_record
from apps.casework.models import CaseKind
from apps.casework.services import case_open
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.debtors.models import Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt, EntryKind, LedgerEntry, PaymentMethod
from apps.debts.services import TRANSITIONS, debt_balance_minor, debt_payment_record, debt_transition
from apps.payments import crypto, selectors
from apps.payments.models import (
    FINAL_STATUSES,
    CardDispute,
    CardPayment,
    CardRefund,
    PaymentInstructions,
    PaymentStatus,
    RefundKind,
    SavedCard,
    StripeAccount,
    StripeCustomer,
)
from apps.payments.stripe_api import error_words, failure_words, object_id, stripe_client

logger = logging.getLogger(__name__)


def _money(amount_minor: int, currency: str) -> str:
    """An amount in the language of the page or message being written."""
    return format_money(amount_minor, currency, get_language() or "en")


# A payment still "created" after this long never reached Stripe (or its answer was lost): see reconciliation.
IN_FLIGHT = dt.timedelta(minutes=10)
# A payment waiting for the debtor's bank (3-D Secure) this long was abandoned: its PaymentIntent is cancelled.
ABANDONED = dt.timedelta(hours=24)


# --- the tenant's Stripe account -------------------------------------------------------------------------------

KEY_RE = {
    "publishable": re.compile(r"^pk_(test|live)_[A-Za-z0-9_]+$"),
    "secret": re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]+$"),
    "webhook": re.compile(r"^whsec_[A-Za-z0-9_+/=]+$"),
}


def _mode(key: str) -> str:
    return "live" if "_live_" in key[:8] else "test"


def stripe_account_save(
    *, publishable_key: str, secret_key: str = "", webhook_secret: str = "", actor: Actor
) -> StripeAccount:
    """Save the tenant's keys. A blank secret keeps the stored one; secrets are stored encrypted, never logged."""
    publishable_key, secret_key, webhook_secret = publishable_key.strip(), secret_key.strip(), webhook_secret.strip()
    account = selectors.stripe_account_get()
    if not KEY_RE["publishable"].match(publishable_key):
        raise DomainError(
            _("A publishable key starts with pk_test_ or pk_live_. Copy it from Stripe → Developers → API keys."),
            field="publishable_key",
        )
    if secret_key and not KEY_RE["secret"].match(secret_key):
        raise DomainError(
            _("A secret key starts with sk_test_ or sk_live_ (a restricted key with rk_test_ or rk_live_)."),
            field="secret_key",
        )
    if not secret_key and account is None:
        raise DomainError(_("Enter the secret key."), field="secret_key")
    if webhook_secret and not KEY_RE["webhook"].match(webhook_secret):
        raise DomainError(
            _("A webhook signing secret starts with whsec_. Stripe shows it on the webhook endpoint's page."),
            field="webhook_secret",
        )
    secret_mode = (
        _mode(secret_key) if secret_key else (_mode(crypto.decrypt(account.secret_key_encrypted)) if account else "")
    )
    if secret_mode and secret_mode != _mode(publishable_key):
        raise DomainError(
            _(
                "The publishable key is a %(pk)s key but the secret key is a %(sk)s key: use both keys from the "
                "same mode."
            )
            % {"pk": _mode(publishable_key), "sk": secret_mode},
            field="publishable_key",
        )
    with transaction.atomic():
        locked = StripeAccount.objects.select_for_update().filter(pk=account.pk).first() if account else None
        before = {"publishable_key": locked.publishable_key} if locked else {}
        row = locked or StripeAccount(publishable_key=publishable_key)
        changed: dict[str, Any] = {}
        if row.publishable_key != publishable_key or not locked:
            changed["publishable_key"] = publishable_key
        row.publishable_key = publishable_key
        if secret_key:
            row.secret_key_encrypted = crypto.encrypt(secret_key)
            changed["new_secret_key"] = True
        if webhook_secret:
            row.webhook_secret_encrypted = crypto.encrypt(webhook_secret)
            changed["new_webhook_secret"] = True
        if changed.keys() & {"new_secret_key", "publishable_key"}:
            row.last_checked_at, row.last_check_ok, row.last_check_message = None, None, ""
        row.updated_by_label = actor.label
        row.save()
        if changed:
            # Which secrets changed, never their values.
            audit_record(actor=actor, action="payments.stripe_account_saved", obj=row, before=before, after=changed)
    return row


def stripe_account_check(*, account: StripeAccount, actor: Actor) -> StripeAccount:
    """Call Stripe with the stored secret key and record the answer (ok, or Stripe's error in plain words)."""
    try:
        stripe_client(account).v1.balance.retrieve()
        ok, message = True, ""
    except stripe.StripeError as error:
        ok, message = False, error_words(error)
    except crypto.DecryptionError:
        ok, message = False, _("The stored secret key cannot be read any more. Enter it again.")
    with transaction.atomic():
        locked = StripeAccount.objects.select_for_update().get(pk=account.pk)
        locked.last_checked_at = timezone.now()
        locked.last_check_ok = ok
        locked.last_check_message = message[:500]
        locked.save(update_fields=["last_checked_at", "last_check_ok", "last_check_message", "updated_at"])
        audit_record(
            actor=actor, action="payments.stripe_account_checked", obj=locked, after={"ok": ok, "message": message}
        )
    return locked


def payment_instructions_save(*, text: str, actor: Actor) -> PaymentInstructions:
    text = text.strip()
    if len(text) > 2000:
        raise DomainError(_("Keep it under 2,000 characters."), field="text")
    with transaction.atomic():
        row = PaymentInstructions.objects.select_for_update().order_by("pk").first()
        before = row.text if row else ""
        if row is None:
            row = PaymentInstructions(text=text, updated_by_label=actor.label)
        if before == text and row.pk:
            return row
        row.text, row.updated_by_label = text, actor.label
        row.save()
        audit_record(
            actor=actor, action="payments.instructions_saved", obj=row, before={"text": before}, after={"text": text}
        )
    return row


def stripe_secrets_reencrypt() -> int:
    """After a new key was put first in AMIABLE_FIELD_ENCRYPTION_KEYS: store every secret under it."""
    count = 0
    with transaction.atomic():
        for row in StripeAccount.objects.select_for_update():
            row.secret_key_encrypted = crypto.reencrypt(row.secret_key_encrypted)
            row.webhook_secret_encrypted = crypto.reencrypt(row.webhook_secret_encrypted)
            row.save(update_fields=["secret_key_encrypted", "webhook_secret_encrypted", "updated_at"])
            count += 1
    return count


# --- Stripe objects for the pay page ---------------------------------------------------------------------------


def _account() -> StripeAccount:
    account = selectors.stripe_account_get()
    if account is None:
        raise DomainError(_("Card payment is not available here."), code="unavailable")
    return account


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
    account = _account()
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


# --- paying from the portal ------------------------------------------------------------------------------------


def _amount_changed(target: selectors.PayTarget) -> DomainError:
    if not target.payable:
        message = _("There is nothing left to pay here any more, so nothing was charged.")
    else:
        message = _(
            "The amount due has changed since this page was shown: it is now %(amount)s. Nothing was charged. "
            "Please check the new amount and pay again."
        ) % {"amount": _money(target.amount_minor, target.currency)}
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
    account = _account()
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
    return _payment_intent_create(
        payment, client=client, customer_id=customer.stripe_id, off_session=False, actor=actor
    )


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


def _payment_intent_create(
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
            return _mark_failed(
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


def _mark_failed(payment: CardPayment, *, code: str, message: str, actor: Actor) -> CardPayment:
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
        return _mark_failed(card_payment, code="canceled", message="", actor=actor)
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


# --- settling a payment: webhook, result page and reconciliation -----------------------------------------------

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
    client = client or stripe_client(_account())
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
            transaction.on_commit(lambda: _detach(account, method))
        if payment.status == PaymentStatus.SUCCEEDED:
            payment_id = payment.pk
            transaction.on_commit(lambda: _receipt_on_commit(payment_id))
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
            % {"amount": _money(amount_minor, payment.currency)},
            details=_(
                "A card payment of %(paid)s arrived after the balance had fallen, so %(excess)s of it is not owed. "
                "Refunding it through Stripe failed (%(error)s): refund it in Stripe (payment %(pi)s)."
            )
            % {
                "paid": _money(payment.amount_minor, payment.currency),
                "excess": _money(amount_minor, payment.currency),
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
            transaction.on_commit(lambda: _detach(stripe_client(account), method))
    return locked


# --- refunds ----------------------------------------------------------------------------------------------------


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
    client = stripe_client(_account())
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
                % {"amount": _money(refundable, payment.currency)},
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
        _reopen_if_owed(debt, actor=actor, reason=_("Card payment refunded"))
    return entry


def _reopen_if_owed(debt: Debt, *, actor: Actor, reason: str) -> None:
    """A closed debt that is owed again (refund, chargeback) is reopened, so its balance and status agree."""
    if debt.status in TRANSITIONS["reopen"].sources and debt_balance_minor(debt) > 0:
        debt_transition(debt=debt, name="reopen", actor=actor, reason=reason)


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


# --- chargebacks ------------------------------------------------------------------------------------------------


def card_dispute_open(*, card_payment: CardPayment, dispute: Any, actor: Actor) -> CardDispute:
    """A chargeback: the money went back to the debtor's bank. It is owed again (CHARGEBACK entry by the dispute
    id), a paid or settled debt reopens, and a person gets a CHARGEBACK case."""
    with transaction.atomic():
        payment = CardPayment.objects.select_for_update().select_related("debt__debtor").get(pk=card_payment.pk)
        row = CardDispute.objects.select_for_update().filter(stripe_dispute_id=dispute.id).first()
        if row is not None:
            return row
        amount = int(dispute.amount)
        row = CardDispute.objects.create(
            card_payment=payment,
            stripe_dispute_id=dispute.id,
            amount_minor=amount,
            currency=payment.currency,
            reason=str(getattr(dispute, "reason", "") or "")[:60],
            status=str(getattr(dispute, "status", "") or "")[:30],
        )
        debt = Debt.objects.select_for_update().get(pk=payment.debt_id)
        if payment.ledger_entry_id is not None:
            row.chargeback_entry, _created = LedgerEntry.objects.get_or_create(
                debt=debt,
                kind=EntryKind.CHARGEBACK,
                reference=dispute.id,
                defaults={
                    "amount_minor": amount,
                    "currency": debt.currency,
                    "occurred_on": tenant_today(),
                    "method": PaymentMethod.CARD,
                    "description": _("Chargeback (%(reason)s)") % {"reason": row.reason or "—"},
                    "created_by_label": actor.label,
                },
            )
            _reopen_if_owed(debt, actor=actor, reason=_("Card payment charged back"))
        row.case = case_open(
            kind=CaseKind.CHARGEBACK,
            debtor=payment.debt.debtor,
            debt=debt,
            subject=_("Chargeback of %(amount)s on %(ref)s")
            % {"amount": _money(amount, payment.currency), "ref": debt.external_ref},
            details=_(
                "The debtor's bank took back a card payment (reason: %(reason)s). Answer the dispute in Stripe "
                "(%(dispute)s) before its deadline, and talk to the debtor: the amount is owed again."
            )
            % {"reason": row.reason or "—", "dispute": dispute.id},
            data={"card_payment": str(payment.pk), "dispute": dispute.id, "amount_minor": amount},
            actor=actor,
        )
        row.save(update_fields=["chargeback_entry", "case"])
        audit_record(
            actor=actor,
            action="payments.chargeback_opened",
            obj=payment,
            after={"dispute": dispute.id, "amount_minor": amount, "reason": row.reason},
        )
    return row


def card_dispute_close(*, card_payment: CardPayment, dispute: Any, actor: Actor) -> CardDispute:
    """A closed chargeback. Won: the money came back, so it is a payment again (PAYMENT entry by the dispute id);
    if less is owed now than came back, what fits is recorded and a person refunds the rest (a case)."""
    row = card_dispute_open(card_payment=card_payment, dispute=dispute, actor=actor)
    with transaction.atomic():
        row = CardDispute.objects.select_for_update().select_related("card_payment__debt__debtor").get(pk=row.pk)
        status = str(getattr(dispute, "status", "") or "")[:30]
        if row.closed_at is not None:
            return row
        row.status, row.closed_at = status, timezone.now()
        fields = ["status", "closed_at"]
        if status == "won" and row.chargeback_entry_id is not None and row.reinstated_entry_id is None:
            debt = Debt.objects.select_for_update().get(pk=row.card_payment.debt_id)
            balance = debt_balance_minor(debt) if debt.status in ACTIVE_STATUSES else 0
            fits = max(min(row.amount_minor, balance), 0)
            if fits > 0:
                row.reinstated_entry = debt_payment_record(
                    debt=debt,
                    amount_minor=fits,
                    received_on=tenant_today(),
                    method=PaymentMethod.CARD,
                    reference=dispute.id,
                    note=_("Chargeback won: the card payment came back"),
                    actor=actor,
                )
                fields.append("reinstated_entry")
            if fits < row.amount_minor:
                case_open(
                    kind=CaseKind.ALREADY_PAID,
                    debtor=debt.debtor,
                    debt=debt,
                    subject=_("Chargeback won: %(amount)s more than is owed")
                    % {"amount": _money(row.amount_minor - fits, row.currency)},
                    details=_(
                        "The chargeback %(dispute)s was won and %(back)s came back, but only %(fits)s was still "
                        "owed. Refund the difference to the debtor, or agree with them where it goes."
                    )
                    % {
                        "dispute": dispute.id,
                        "back": _money(row.amount_minor, row.currency),
                        "fits": _money(fits, row.currency),
                    },
                    data={"dispute": dispute.id, "excess_minor": row.amount_minor - fits},
                    actor=actor,
                )
        row.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="payments.chargeback_closed",
            obj=row.card_payment,
            after={"dispute": dispute.id, "status": status},
        )
    return row


# --- autopay ----------------------------------------------------------------------------------------------------

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
    return _payment_intent_create(
        payment, client=stripe_client(account), customer_id=customer.stripe_id, off_session=True, actor=actor
    )


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


def card_payment_reconcile(*, card_payment: CardPayment, now: dt.datetime, actor: Actor) -> CardPayment:
    """S3: a payment whose webhook never came is settled from Stripe's state."""
    account = selectors.stripe_account_get()
    if account is None or card_payment.status in FINAL_STATUSES:
        return card_payment
    client = stripe_client(account)
    if not card_payment.stripe_payment_intent_id:
        # The request never reached Stripe, or its answer was lost; a late webhook still finds it by metadata.
        return _mark_failed(card_payment, code="not_started", message="", actor=actor)
    try:
        intent = client.v1.payment_intents.retrieve(card_payment.stripe_payment_intent_id)
    except stripe.StripeError:
        logger.exception("reconciliation: PaymentIntent %s could not be read", card_payment.stripe_payment_intent_id)
        return card_payment
    payment = card_payment_apply(card_payment=card_payment, payment_intent=intent, client=client, actor=actor)
    if payment.status == PaymentStatus.REQUIRES_ACTION and now - payment.created_at > ABANDONED:
        payment = card_payment_cancel(card_payment=payment, client=client, actor=actor)
    return payment
