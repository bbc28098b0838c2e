"""Portal fixtures: a debtor of acme with an address and a birth date, a debt with interest, a fee and a payment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debtors.services import contact_point_add
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_payment_record
from apps.tenants.models import Tenant
from tests.factories import make_debt, make_debtor


def _forget_signin_failures() -> None:
    """Every sign-in failure record of the test cache (any reference, any client address)."""
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match="*portal:signin:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def clean_lockouts(tenant: Tenant) -> Iterator[None]:
    _forget_signin_failures()
    yield
    _forget_signin_failures()


@pytest.fixture
def debtor(actor: Actor) -> Debtor:
    d = make_debtor(actor, "C-100", "Camille Durand", date_of_birth=dt.date(1980, 5, 17), preferred_language="fr")
    contact_point_add(
        debtor=d,
        kind="address",
        value="8 avenue Foch, 75116 Paris, FR",
        address_line1="8 avenue Foch",
        postal_code="75116",
        city="Paris",
        country="FR",
        actor=actor,
    )
    debt = make_debt(actor, d, "INV-1", 120_00, days_past_due=40, description="Order 1")
    LedgerEntry.objects.create(
        debt=debt,
        kind=EntryKind.INTEREST,
        amount_minor=1_50,
        currency="EUR",
        occurred_on=dt.date(2026, 11, 1),
        legal_basis="Code de commerce L441-10",
        created_by_label="test",
    )
    LedgerEntry.objects.create(
        debt=debt,
        kind=EntryKind.FEE,
        amount_minor=40_00,
        currency="EUR",
        occurred_on=dt.date(2026, 11, 1),
        legal_basis="Code de commerce D441-5",
        created_by_label="test",
    )
    debt_payment_record(debt=debt, amount_minor=20_00, received_on=dt.date(2026, 11, 10), method="cheque", actor=actor)
    return d


@pytest.fixture
def portal_client(tenant: Tenant) -> Client:
    return Client(HTTP_HOST=f"{tenant.subdomain}.localhost")
