"""Offline payments through the API (S5): idempotent by reference, never more than the balance, same currency."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.debts.models import DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PAYMENTS = "/api/v1/payments/"


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)):
        yield


def pay(invoice, **overrides):
    body = {
        "debt_id": str(invoice.pk),
        "amount": "49.90",
        "currency": "EUR",
        "received_on": "2026-11-18",
        "method": "transfer",
        "reference": "VIR-2026-0042",
        "note": "Bank statement 18 Nov",
        **overrides,
    }
    return {k: v for k, v in body.items() if v is not None}


def test_it_records_a_payment_and_reports_the_money_three_ways(api, invoice, write_key):
    response = api.post(PAYMENTS, pay(invoice), format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["amount_minor"], body["amount"], body["currency"]) == (4990, "49.90", "EUR")
    assert body["debt"] == {"id": str(invoice.pk), "external_ref": "INV-100"}
    assert (body["received_on"], body["method"], body["reference"]) == ("2026-11-18", "transfer", "VIR-2026-0042")
    assert debt_balance_minor(invoice) == 120_00 - 49_90
    event = AuditEvent.objects.get(action="debt.payment_recorded")
    assert event.actor_api_key_id == write_key[0].pk
    assert event.after["amount_minor"] == 4990


def test_a_retry_with_the_same_reference_returns_the_same_payment(api, invoice):
    first = api.post(PAYMENTS, pay(invoice), format="json")
    second = api.post(PAYMENTS, pay(invoice), format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert LedgerEntry.objects.filter(debt=invoice, kind=EntryKind.PAYMENT).count() == 1
    assert AuditEvent.objects.filter(action="debt.payment_recorded").count() == 1


def test_the_same_reference_with_another_amount_is_refused(api, invoice):
    api.post(PAYMENTS, pay(invoice), format="json")
    response = api.post(PAYMENTS, pay(invoice, amount="50.00"), format="json")
    assert response.status_code == 400
    assert "already used for a different amount" in response.json()["reference"][0]


def test_it_finds_the_debt_by_reference_and_marks_it_paid_in_full(api, invoice):
    response = api.post(PAYMENTS, pay(invoice, debt_id=None, debt_ref="INV-100", amount="120"), format="json")
    assert response.status_code == 201, response.json()
    invoice.refresh_from_db()
    assert invoice.status == DebtStatus.PAID


def test_an_overpayment_is_refused_with_the_balance(api, invoice):
    response = api.post(PAYMENTS, pay(invoice, amount="120.01"), format="json")
    assert response.status_code == 400
    assert response.json() == {"amount": ["The payment (€120.01) is more than the balance (€120.00)."]}
    assert debt_balance_minor(invoice) == 120_00


def test_a_payment_in_another_currency_is_refused(api, invoice):
    response = api.post(PAYMENTS, pay(invoice, currency="USD"), format="json")
    assert response.status_code == 400
    assert response.json()["currency"] == ["Debt INV-100 is in EUR; the payment must be in EUR too, not USD."]
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "49.999"}, "amount", "more decimals than EUR allows"),
        ({"amount": "-5"}, "amount", "negative"),
        ({"amount": "lots"}, "amount", "not a number"),
        ({"amount": "0"}, "amount", "more than zero"),
        ({"currency": "EURO"}, "currency", "no more than 3 characters"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217 currency"),
        ({"received_on": "2026-02-30"}, "received_on", "Date has wrong format"),
        ({"received_on": "2026-11-21"}, "received_on", "in the future"),
        ({"method": "bitcoin"}, "method", "not a valid choice"),
        ({"reference": "  "}, "reference", "may not be blank"),
        ({"debt_id": None}, "debt_id", "Give the debt's id or its reference"),
        ({"debt_id": "12"}, "debt_id", "Must be a valid UUID"),
        ({"debt_id": "6f1c1f53-1111-4a7b-9e0c-000000000000"}, "debt_id", "No debt has the id"),
        ({"debt_id": None, "debt_ref": "INV-404"}, "debt_ref", "No debt has the reference INV-404"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api, invoice, overrides, field, message):
    response = api.post(PAYMENTS, pay(invoice, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert debt_balance_minor(invoice) == 120_00


def test_a_payment_on_a_closed_debt_is_refused(api, invoice):
    api.post(PAYMENTS, pay(invoice, amount="120.00"), format="json")
    response = api.post(PAYMENTS, pay(invoice, amount="1.00", reference="VIR-2"), format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Debt INV-100 is Paid; there is nothing to pay."}


@pytest.mark.parametrize("body", ["[]", "null", '"amount"', '{"amount": '])
def test_a_body_that_is_not_a_payment_answers_400(api, body):
    response = api.post(PAYMENTS, body, content_type="application/json")
    assert response.status_code == 400


def test_it_lists_payments_by_debt_and_date_and_reads_one(api, invoice, actor, camille):
    from apps.debts.services import debt_create

    other = debt_create(
        debtor=camille,
        external_ref="INV-101",
        amount_minor=30_00,
        currency="EUR",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        actor=actor,
    )
    api.post(PAYMENTS, pay(invoice, received_on="2026-11-01", reference="A", amount="1"), format="json")
    api.post(PAYMENTS, pay(invoice, received_on="2026-11-10", reference="B", amount="2"), format="json")
    api.post(PAYMENTS, pay(other, received_on="2026-11-15", reference="C", amount="3"), format="json")

    listing = api.get(PAYMENTS).json()
    assert [p["reference"] for p in listing["results"]] == ["C", "B", "A"]
    assert [p["reference"] for p in api.get(f"{PAYMENTS}?debt={invoice.pk}").json()["results"]] == ["B", "A"]
    assert [p["reference"] for p in api.get(f"{PAYMENTS}?debt_ref=INV-101").json()["results"]] == ["C"]
    in_range = api.get(f"{PAYMENTS}?received_from=2026-11-05&received_to=2026-11-12").json()["results"]
    assert [p["reference"] for p in in_range] == ["B"]
    assert api.get(f"{PAYMENTS}?received_from=yesterday").status_code == 400

    payment_id = listing["results"][0]["id"]
    detail = api.get(f"{PAYMENTS}{payment_id}/").json()
    assert (detail["amount_minor"], detail["amount"], detail["debt"]["external_ref"]) == (300, "3.00", "INV-101")


def test_a_ledger_entry_that_is_not_a_payment_is_not_found(api, invoice):
    charge = LedgerEntry.objects.get(debt=invoice, kind=EntryKind.CHARGE)
    assert api.get(f"{PAYMENTS}{charge.pk}/").status_code == 404


def test_listing_payments_takes_the_same_queries_however_many_there_are(api, invoice):
    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(PAYMENTS).status_code == 200
        return len(queries)

    api.post(PAYMENTS, pay(invoice, reference="FIRST", amount="1"), format="json")
    before = queries_for_list()
    for ref in "ABCDE":
        api.post(PAYMENTS, pay(invoice, reference=ref, amount="1"), format="json")
    assert queries_for_list() == before
