"""Every write of card payments: the tenant's Stripe settings, paying from the portal, settling what Stripe reports
(one service for the webhook, the result page and reconciliation), refunds, chargebacks, saved cards and autopay.

Money rules: the amount is fixed on the server and never differs from the one the page showed; every request that
moves money carries an Idempotency-Key; a payment is recorded in the ledger once (its reference is the
PaymentIntent id), a refund once (the refund id), a chargeback once (the dispute id); a success is never undone by a
late or out-of-order failure. There is no fee anywhere (US16, FR1, PAY1).

The writes live in the modules beside this one (account, checkout, settle, refunds, disputes, autopay); this
package exports the services other code calls.
"""

from __future__ import annotations

from apps.payments.services.account import (
    payment_instructions_save,
    stripe_account_check,
    stripe_account_save,
    stripe_secrets_reencrypt,
)
from apps.payments.services.autopay import REMIND_DAYS_BEFORE, autopay_charge, card_payment_reconcile
from apps.payments.services.checkout import (
    CardSetup,
    card_payment_cancel,
    card_payment_start,
    card_setup_start,
    stripe_customer_ensure,
)
from apps.payments.services.common import ABANDONED, IN_FLIGHT
from apps.payments.services.disputes import card_dispute_close, card_dispute_open
from apps.payments.services.refunds import card_payment_refunds_sync, card_refund_create, card_refund_record
from apps.payments.services.settle import card_payment_apply, card_payment_for_intent, saved_card_revoke

__all__ = [
    "ABANDONED",
    "IN_FLIGHT",
    "REMIND_DAYS_BEFORE",
    "CardSetup",
    "autopay_charge",
    "card_dispute_close",
    "card_dispute_open",
    "card_payment_apply",
    "card_payment_cancel",
    "card_payment_for_intent",
    "card_payment_reconcile",
    "card_payment_refunds_sync",
    "card_payment_start",
    "card_refund_create",
    "card_refund_record",
    "card_setup_start",
    "payment_instructions_save",
    "saved_card_revoke",
    "stripe_account_check",
    "stripe_account_save",
    "stripe_customer_ensure",
    "stripe_secrets_reencrypt",
]
