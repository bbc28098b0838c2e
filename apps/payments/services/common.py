"""Helpers the payment services share."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.debts.models import Debt
from apps.debts.services import TRANSITIONS, debt_balance_minor, debt_transition
from apps.payments import selectors
from apps.payments.models import StripeAccount


def money_words(amount_minor: int, currency: str) -> str:
    """An amount in the language of the page or message being written."""
    return format_money(amount_minor, currency, get_language() or "en")


# A payment still "created" after this long never reached Stripe (or its answer was lost): see reconciliation.
IN_FLIGHT = dt.timedelta(minutes=10)
# A payment waiting for the debtor's bank (3-D Secure) this long was abandoned: its PaymentIntent is cancelled.
ABANDONED = dt.timedelta(hours=24)


def stripe_account_required() -> StripeAccount:
    account = selectors.stripe_account_get()
    if account is None:
        raise DomainError(_("Card payment is not available here."), code="unavailable")
    return account


def debt_reopen_if_owed(debt: Debt, *, actor: Actor, reason: str) -> None:
    """A closed debt that is owed again (refund, chargeback) is reopened, so its balance and status agree."""
    if debt.status in TRANSITIONS["reopen"].sources and debt_balance_minor(debt) > 0:
        debt_transition(debt=debt, name="reopen", actor=actor, reason=reason)
