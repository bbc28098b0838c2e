"""Escalation fixtures: acme's margins at known values (agency commission 30 %), a debtor in Paris with a postal
address and a debt of 1,000.00 € 70 days overdue. The clock is frozen at tests.factories.NOW."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debtors.services import contact_point_add
from apps.debts.models import Debt
from apps.policies.models import Margins
from apps.policies.selectors import margins_get
from apps.tenants.models import Tenant
from tests.factories import NOW, make_debt, make_debtor

MARGINS = {
    "max_settlement_discount_pct": 20,
    "settlement_after_days_overdue": 60,
    "min_down_payment_pct": 10,
    "max_plan_instalments": 6,
    "min_instalment_minor": 20_00,
    "allowed_frequencies": ["weekly", "monthly"],
    "max_promise_deferral_days": 30,
    "agency_commission_pct": 30,
}


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
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
    d = make_debtor(actor, "C-100", "Camille Durand", preferred_language="en")
    contact_point_add(debtor=d, kind="email", value="camille@example.fr", is_primary=True, actor=actor)
    contact_point_add(
        debtor=d,
        kind="address",
        address_line1="8 avenue Foch",
        postal_code="75116",
        city="Paris",
        country="FR",
        actor=actor,
    )
    return d


@pytest.fixture
def debt(actor: Actor, debtor: Debtor, margins: Margins) -> Debt:
    return make_debt(actor, debtor, "INV-1", 1000_00, days_past_due=70, description="Order 1")
