"""Debtors and debts made through the same services staff use, for the page tests; `frozen_clock` sets NOW."""

from __future__ import annotations

import datetime as dt
from typing import Any

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debtors.services import debtor_create
from apps.debts.models import Debt
from apps.debts.services import debt_create

# Every page test runs with the clock here (tenant acme is in Europe/Paris).
NOW = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)


def make_debtor(actor: Actor, ref: str, name: str, **fields: Any) -> Debtor:
    return debtor_create(external_ref=ref, name=name, actor=actor, **fields)


def make_debt(
    actor: Actor,
    debtor: Debtor,
    ref: str,
    amount_minor: int,
    *,
    currency: str = "EUR",
    days_past_due: int = 0,
    description: str = "",
) -> Debt:
    due = TODAY - dt.timedelta(days=days_past_due)
    return debt_create(
        debtor=debtor,
        external_ref=ref,
        amount_minor=amount_minor,
        currency=currency,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        description=description,
        actor=actor,
    )
