"""Paying a debt by card from the portal against localstripe: what the debtor sees and what the ledger records."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from apps.debts.models import DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor, debt_payment_record
from apps.outbox.models import Message
from apps.payments.models import CardPayment, PaymentStatus, RefundKind
from tests.factories import NOW, TODAY
from tests.payments.conftest import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_DECLINED_ON_CHARGE,
    CARD_OK,
    confirm,
    page_form,
    pay,
)

pytestmark = pytest.mark.django_db


def url_for(debt) -> str:
    return f"/p/pay/debts/{debt.pk}/"


def test_it_charges_the_balance_and_records_it_once(stripe_account, debt, pay_client, localstripe, stripe_client):
    response, _form = pay(pay_client, localstripe, url_for(debt))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded"
    payment = CardPayment.objects.get(pk=body["payment"])
    intent = stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    assert intent.amount == 120_00
    assert intent.currency == "eur"
    entry = LedgerEntry.objects.get(debt=debt, kind=EntryKind.PAYMENT)
    assert entry.amount_minor == -120_00
    assert entry.reference == payment.stripe_payment_intent_id
    assert entry.method == "card"
    assert payment.ledger_entry == entry
    debt.refresh_from_db()
    assert debt.status == DebtStatus.PAID
    assert body["next"] == f"/p/pay/{payment.pk}/"


def test_it_shows_the_result_and_a_receipt(stripe_account, debt, pay_client, localstripe):
    response, _form = pay(pay_client, localstripe, url_for(debt))
    payment = CardPayment.objects.get(pk=response.json()["payment"])

    page = pay_client.get(response.json()["next"])
    html = page.content.decode()
    assert "Thank you: your payment went through" in html
    assert "€120.00" in html
    receipt = pay_client.get(f"/p/receipts/{payment.pk}.pdf")
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_it_emails_a_receipt_through_the_outbox(
    stripe_account, debt, pay_client, localstripe, django_capture_on_commit_callbacks
):
    # Within the debtor's contact hours (the gate would defer the email to the morning otherwise).
    with time_machine.travel(NOW, tick=True), django_capture_on_commit_callbacks(execute=True):
        response, _form = pay(pay_client, localstripe, url_for(debt))
    payment = CardPayment.objects.get(pk=response.json()["payment"])

    message = Message.objects.get(idempotency_key=f"receipt:{payment.pk}")
    assert "€120.00" in message.subject
    assert payment.stripe_payment_intent_id in message.body
    assert any("€120.00" in m.subject for m in mail.outbox)


def test_it_records_nothing_for_a_card_declined_at_setup(stripe_account, debt, pay_client, localstripe):
    page = pay_client.get(url_for(debt))
    form = page_form(page.content.decode())

    status, body = localstripe.confirm_card_setup(form["client_secret"], CARD_DECLINED)
    assert status == 402
    assert body["error"]["message"] == "Your card was declined."
    # A page that sent the card anyway (a tampered script) is refused: the setup was never confirmed.
    answer = confirm(pay_client, form, "pm_doesnotexist").json()

    assert answer["status"] == "failed"
    assert not LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).exists()
    assert debt_balance_minor(debt) == 120_00


def test_it_records_nothing_for_a_card_declined_when_charged(stripe_account, debt, pay_client, localstripe):
    response, _form = pay(pay_client, localstripe, url_for(debt), CARD_DECLINED_ON_CHARGE)

    body = response.json()
    assert body["status"] == "failed"
    assert "declined" in body["message"]
    payment = CardPayment.objects.get(pk=body["payment"])
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_code == "card_declined"
    assert payment.ledger_entry is None
    assert debt_balance_minor(debt) == 120_00
    page = pay_client.get(body["next"]).content.decode()
    assert "The payment did not go through" in page
    assert "Your card was declined" in page


def test_it_asks_for_3d_secure_and_records_once_the_bank_confirms(stripe_account, debt, pay_client, localstripe):
    response, _form = pay(pay_client, localstripe, url_for(debt), CARD_3DS)

    body = response.json()
    assert body["status"] == "requires_action"
    assert body["client_secret"].startswith("pi_")
    assert not LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).exists()
    status, _intent = localstripe.authenticate_payment(body["client_secret"])
    assert status == 200
    # Back from the bank: the result page asks Stripe and records the payment (the webhook may come later).
    page = pay_client.get(body["next"]).content.decode()
    assert "Thank you: your payment went through" in page
    assert debt_balance_minor(debt) == 0


def test_it_records_nothing_when_3d_secure_fails(stripe_account, debt, pay_client, localstripe):
    response, _form = pay(pay_client, localstripe, url_for(debt), CARD_3DS)
    body = response.json()

    localstripe.authenticate_payment(body["client_secret"], success=False)
    page = pay_client.get(body["next"]).content.decode()

    assert "security check was not completed" in page
    assert CardPayment.objects.get(pk=body["payment"]).status == PaymentStatus.FAILED
    assert debt_balance_minor(debt) == 120_00


def test_it_refuses_to_charge_when_the_amount_due_changed(stripe_account, debt, pay_client, localstripe, actor):
    page = pay_client.get(url_for(debt))
    form = page_form(page.content.decode())
    payment_method = localstripe.set_up_card(form["client_secret"], CARD_OK)
    debt_payment_record(debt=debt, amount_minor=20_00, received_on=TODAY, method="cheque", actor=actor)

    response = confirm(pay_client, form, payment_method)

    assert response.status_code == 409
    assert response.json()["code"] == "amount_changed"
    assert "€100.00" in response.json()["error"]
    assert "Nothing was charged" in response.json()["error"]
    assert not CardPayment.objects.exists()


def test_it_charges_once_when_the_same_page_is_sent_twice(stripe_account, debt, pay_client, localstripe):
    response, form = pay(pay_client, localstripe, url_for(debt))
    first = response.json()

    # The same page's SetupIntent again (a double click, a resent request): the first payment, not a second charge.
    again = confirm(pay_client, form, "pm_sent_again")

    assert again.json()["payment"] == first["payment"]
    assert CardPayment.objects.count() == 1
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1


def test_it_refunds_what_is_no_longer_owed_when_the_balance_fell_during_3d_secure(
    stripe_account, debt, pay_client, localstripe, actor, stripe_client
):
    response, _form = pay(pay_client, localstripe, url_for(debt), CARD_3DS)
    body = response.json()
    # While the debtor confirms with their bank, a cheque for part of the debt is recorded.
    debt_payment_record(debt=debt, amount_minor=50_00, received_on=TODAY, method="cheque", actor=actor)
    localstripe.authenticate_payment(body["client_secret"])

    page = pay_client.get(body["next"]).content.decode()

    payment = CardPayment.objects.get(pk=body["payment"])
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.recorded_minor == 70_00
    assert payment.ledger_entry.amount_minor == -70_00
    refund = payment.refunds.get()
    assert refund.kind == RefundKind.EXCESS
    assert refund.amount_minor == 50_00
    assert refund.ledger_entry is None
    stripe_refunds = stripe_client.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id})
    assert [r.amount for r in stripe_refunds.data] == [50_00]
    assert debt_balance_minor(debt) == 0
    assert "we gave €50.00 back to your card" in page
