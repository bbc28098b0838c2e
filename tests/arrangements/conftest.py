"""Arrangement fixtures: acme's margins set to known values, a debtor (Paris) with a debt 70 days overdue, signed in
to the portal when a test asks for `portal`. The clock is frozen at tests.factories.NOW."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.debts.services import debt_payment_record
from apps.policies.models import Margins
from apps.policies.selectors import margins_get
from apps.portal.access import SESSION_KEY
from apps.tenants.models import Tenant
from tests.factories import NOW, TODAY, make_debt, make_debtor

MARGINS = {
    "max_settlement_discount_pct": 20,
    "settlement_after_days_overdue": 60,
    "min_down_payment_pct": 10,
    "max_plan_instalments": 6,
    "min_instalment_minor": 20_00,
    "allowed_frequencies": ["weekly", "monthly"],
    "max_promise_deferral_days": 30,
}


@pytest.fixture(autouse=True)
def clock(tenant: Tenant) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def margins(tenant: Tenant) -> Margins:
    row = margins_get()
    Margins.objects.filter(pk=row.pk).update(**MARGINS)
    row.refresh_from_db()
    return row


@pytest.fixture
def debtor(actor: Actor) -> Debtor:
    return make_debtor(actor, "C-100", "Camille Durand", preferred_language="en")


@pytest.fixture
def debt(actor: Actor, debtor: Debtor, margins: Margins) -> Debt:
    return make_debt(actor, debtor, "INV-1", 1000_00, days_past_due=70, description="Order 1")


@pytest.fixture
def other_debtor(actor: Actor) -> Debtor:
    return make_debtor(actor, "C-200", "Bruno Autre")


@pytest.fixture
def other_debt(actor: Actor, other_debtor: Debtor, margins: Margins) -> Debt:
    return make_debt(actor, other_debtor, "INV-OTHER", 300_00, days_past_due=70)


def sign_in(client: Client, debtor: Debtor) -> Client:
    session = client.session
    session[SESSION_KEY] = str(debtor.pk)
    session.save()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def portal(tenant: Tenant, debtor: Debtor) -> Client:
    return sign_in(Client(HTTP_HOST=f"{tenant.subdomain}.localhost"), debtor)


def pay(debt: Debt, amount_minor: int, actor: Actor, *, on: dt.date = TODAY, reference: str = "") -> Any:
    return debt_payment_record(
        debt=debt, amount_minor=amount_minor, received_on=on, method="transfer", reference=reference, actor=actor
    )


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
