"""S4: refunds (staff or Stripe) and chargebacks enter the ledger once; a chargeback reopens the debt with a case."""

from __future__ import annotations

import secrets
import uuid

import pytest

from apps.casework.models import Case, CaseKind
from apps.debts.models import DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from apps.payments.models import CardDispute, CardPayment, CardRefund, RefundKind
from tests.payments.conftest import event, pay, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(stripe_account, debt, pay_client, localstripe) -> CardPayment:
    response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/")
    payment = CardPayment.objects.get(pk=response.json()["payment"])
    debt.refresh_from_db()
    assert debt.status == DebtStatus.PAID
    return payment


def refund_form(payment: CardPayment, amount: str, reason: str = "Goods returned", key: str = "") -> dict[str, str]:
    prefix = f"refund-{payment.pk}"
    return {
        f"{prefix}-amount": amount,
        f"{prefix}-reason": reason,
        f"{prefix}-request_key": key or str(uuid.uuid4()),
    }


def test_a_manager_refunds_part_of_a_card_payment(paid, debt, client_for, manager, stripe_client):
    client = client_for(manager)

    response = client.post(f"/payments/{paid.pk}/refund/", refund_form(paid, "30.00"))

    assert response.status_code == 302
    refund = CardRefund.objects.get()
    assert refund.kind == RefundKind.STAFF
    assert refund.amount_minor == 30_00
    entry = LedgerEntry.objects.get(debt=debt, kind=EntryKind.REFUND)
    assert entry.amount_minor == 30_00
    assert entry.reference == refund.stripe_refund_id
    assert [
        r.amount for r in stripe_client.v1.refunds.list(params={"payment_intent": paid.stripe_payment_intent_id}).data
    ] == [30_00]
    # Owed again: the paid debt reopens.
    debt.refresh_from_db()
    assert debt.status in (DebtStatus.OPEN, DebtStatus.OVERDUE)
    assert debt_balance_minor(debt) == 30_00


def test_the_same_refund_form_sent_twice_refunds_once(paid, client_for, manager, stripe_client):
    client = client_for(manager)
    form = refund_form(paid, "30.00")

    client.post(f"/payments/{paid.pk}/refund/", form)
    client.post(f"/payments/{paid.pk}/refund/", form)

    assert [
        r.amount for r in stripe_client.v1.refunds.list(params={"payment_intent": paid.stripe_payment_intent_id}).data
    ] == [30_00]
    assert CardRefund.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1


def test_the_webhook_of_a_staff_refund_adds_nothing(paid, debt, client_for, manager, stripe_client, webhook_client):
    client_for(manager).post(f"/payments/{paid.pk}/refund/", refund_form(paid, "120.00"))
    charge = stripe_client.v1.charges.retrieve(paid.stripe_charge_id).to_dict()

    response = post_event(webhook_client, event("charge.refunded", charge))

    assert response.status_code == 200
    assert CardRefund.objects.count() == 1
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.REFUND).count() == 1
    assert debt_balance_minor(debt) == 120_00


def test_a_refund_made_in_stripe_enters_the_ledger_from_the_webhook(paid, debt, stripe_client, webhook_client):
    refund = stripe_client.v1.refunds.create(params={"payment_intent": paid.stripe_payment_intent_id, "amount": 45_00})
    charge = stripe_client.v1.charges.retrieve(paid.stripe_charge_id).to_dict()

    post_event(webhook_client, event("charge.refunded", charge))
    post_event(webhook_client, event("charge.refunded", charge))  # a second, different event about the same refund

    row = CardRefund.objects.get()
    assert (row.stripe_refund_id, row.kind, row.amount_minor) == (refund.id, RefundKind.STRIPE, 45_00)
    assert LedgerEntry.objects.get(debt=debt, kind=EntryKind.REFUND).amount_minor == 45_00


def test_it_refuses_to_refund_more_than_was_paid(paid, client_for, manager):
    client = client_for(manager)

    client.post(f"/payments/{paid.pk}/refund/", refund_form(paid, "150.00"))

    assert not CardRefund.objects.exists()
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()


def test_an_agent_may_not_refund(paid, client_for, agent):
    response = client_for(agent).post(f"/payments/{paid.pk}/refund/", refund_form(paid, "10.00"))

    assert response.status_code == 403
    assert not CardRefund.objects.exists()


def test_the_debt_page_lists_card_payments_with_a_refund_action_for_managers(paid, debt, client_for, manager, agent):
    manager_page = client_for(manager).get(f"/debts/{debt.pk}/").content.decode()
    agent_page = client_for(agent).get(f"/debts/{debt.pk}/").content.decode()

    assert 'id="card-payments"' in manager_page
    assert paid.stripe_payment_intent_id in manager_page
    assert f"/payments/{paid.pk}/refund/" in manager_page
    assert paid.stripe_payment_intent_id in agent_page
    assert f"/payments/{paid.pk}/refund/" not in agent_page


def dispute(payment: CardPayment, *, status: str = "needs_response", dispute_id: str = "") -> dict:
    return {
        "id": dispute_id or f"dp_{secrets.token_hex(6)}",
        "object": "dispute",
        "amount": payment.amount_minor,
        "currency": payment.currency.lower(),
        "charge": payment.stripe_charge_id,
        "payment_intent": payment.stripe_payment_intent_id,
        "reason": "fraudulent",
        "status": status,
    }


def test_a_chargeback_reopens_the_debt_and_opens_a_case(paid, debt, webhook_client):
    payload = dispute(paid)

    response = post_event(webhook_client, event("charge.dispute.created", payload))
    again = post_event(webhook_client, event("charge.dispute.created", payload))  # Stripe sends it again

    assert response.status_code == again.status_code == 200
    entry = LedgerEntry.objects.get(debt=debt, kind=EntryKind.CHARGEBACK)
    assert (entry.amount_minor, entry.reference) == (120_00, payload["id"])
    debt.refresh_from_db()
    assert debt.status in (DebtStatus.OPEN, DebtStatus.OVERDUE)
    assert debt_balance_minor(debt) == 120_00
    case = Case.objects.get(kind=CaseKind.CHARGEBACK)
    assert case.debt == debt
    assert payload["id"] in case.details
    assert CardDispute.objects.get().case == case


def test_a_won_chargeback_counts_the_money_again(paid, debt, webhook_client):
    payload = dispute(paid)
    post_event(webhook_client, event("charge.dispute.created", payload))

    post_event(webhook_client, event("charge.dispute.closed", {**payload, "status": "won"}))
    post_event(webhook_client, event("charge.dispute.closed", {**payload, "status": "won"}))

    back = LedgerEntry.objects.get(debt=debt, kind=EntryKind.PAYMENT, reference=payload["id"])
    assert back.amount_minor == -120_00
    assert debt_balance_minor(debt) == 0
    debt.refresh_from_db()
    assert debt.status == DebtStatus.PAID
    assert CardDispute.objects.get().status == "won"


def test_a_lost_chargeback_leaves_it_owed(paid, debt, webhook_client):
    payload = dispute(paid)
    post_event(webhook_client, event("charge.dispute.created", payload))

    post_event(webhook_client, event("charge.dispute.closed", {**payload, "status": "lost"}))

    assert not LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT, reference=payload["id"]).exists()
    assert debt_balance_minor(debt) == 120_00
