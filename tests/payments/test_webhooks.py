"""Stripe's webhook (S2): signed per tenant, stored once by event id, processed in order-independent ways."""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any

import pytest
from django.db import connection

from apps.audit.services import Actor
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from apps.payments import services
from apps.payments.models import CardPayment, PaymentStatus, StripeEvent
from tests.payments.conftest import (
    CARD_3DS,
    CARD_OK,
    WEBHOOK_SECRET,
    event,
    pay,
    post_event,
)

pytestmark = pytest.mark.django_db


def intent_dict(stripe_client, payment: CardPayment) -> dict[str, Any]:
    return stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()


@pytest.fixture
def waiting_payment(stripe_account, debt, pay_client, localstripe) -> tuple[CardPayment, str]:
    """A 3-D Secure payment the debtor confirmed at their bank, whose result only the webhook brings."""
    response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/", CARD_3DS)
    body = response.json()
    localstripe.authenticate_payment(body["client_secret"])
    payment = CardPayment.objects.get(pk=body["payment"])
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    return payment, body["client_secret"]


def test_it_settles_a_payment_from_the_succeeded_event(waiting_payment, webhook_client, stripe_client, debt):
    payment, _secret = waiting_payment

    response = post_event(webhook_client, event("payment_intent.succeeded", intent_dict(stripe_client, payment)))

    assert response.status_code == 200, response.content
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert debt_balance_minor(debt) == 0
    stored = StripeEvent.objects.get()
    assert stored.processed_at is not None
    assert stored.type == "payment_intent.succeeded"


def test_it_refuses_a_bad_signature_and_stores_nothing(waiting_payment, webhook_client, stripe_client):
    payment, _secret = waiting_payment
    payload = event("payment_intent.succeeded", intent_dict(stripe_client, payment))

    wrong = post_event(webhook_client, payload, secret="whsec_someone_else")
    missing = post_event(webhook_client, payload, signed=False)

    assert wrong.status_code == 400
    assert missing.status_code == 400
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REQUIRES_ACTION


def test_it_refuses_a_replayed_event_with_an_old_timestamp(waiting_payment, webhook_client, stripe_client):
    payment, _secret = waiting_payment
    payload = event("payment_intent.succeeded", intent_dict(stripe_client, payment))

    response = post_event(webhook_client, payload, timestamp=int(time.time()) - 3600)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_it_refuses_a_signature_made_for_another_tenant(waiting_payment, webhook_client, stripe_client):
    payment, _secret = waiting_payment
    # globex has no Stripe account; acme's correctly signed event sent to globex's address is refused.
    response = post_event(
        webhook_client, event("payment_intent.succeeded", intent_dict(stripe_client, payment)), subdomain="globex"
    )
    assert response.status_code == 400
    assert post_event(webhook_client, event("x", {}), subdomain="nobody").status_code == 404


def test_it_processes_a_duplicate_event_once(waiting_payment, webhook_client, stripe_client, debt):
    payment, _secret = waiting_payment
    payload = event("payment_intent.succeeded", intent_dict(stripe_client, payment))

    first = post_event(webhook_client, payload)
    second = post_event(webhook_client, payload)

    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    assert StripeEvent.objects.count() == 1
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1


def test_it_answers_500_and_keeps_the_event_unprocessed_when_processing_fails(
    waiting_payment, webhook_client, stripe_client, debt, monkeypatch
):
    payment, _secret = waiting_payment
    payload = event("payment_intent.succeeded", intent_dict(stripe_client, payment))

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database hiccup")

    with monkeypatch.context() as m:
        m.setattr(services, "card_payment_apply", broken)
        failed = post_event(webhook_client, payload)
    assert failed.status_code == 500
    stored = StripeEvent.objects.get()
    assert stored.processed_at is None
    assert "database hiccup" in stored.error
    assert debt_balance_minor(debt) == 120_00

    retried = post_event(webhook_client, payload)  # Stripe retries

    assert retried.status_code == 200
    stored.refresh_from_db()
    assert stored.processed_at is not None
    assert stored.error == ""
    assert debt_balance_minor(debt) == 0


def test_a_late_failed_event_never_undoes_a_success(waiting_payment, webhook_client, stripe_client, debt):
    payment, _secret = waiting_payment
    intent = intent_dict(stripe_client, payment)
    post_event(webhook_client, event("payment_intent.succeeded", intent))
    stale = {**intent, "status": "requires_payment_method", "last_payment_error": {"code": "card_declined"}}

    response = post_event(webhook_client, event("payment_intent.payment_failed", stale))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert debt_balance_minor(debt) == 0


def test_a_refund_event_before_the_success_event_counts_both_once(waiting_payment, webhook_client, stripe_client, debt):
    payment, _secret = waiting_payment
    intent = intent_dict(stripe_client, payment)
    refund = stripe_client.v1.refunds.create(
        params={"payment_intent": payment.stripe_payment_intent_id, "amount": 20_00}
    )
    charge = stripe_client.v1.charges.retrieve(payment.stripe_charge_id or intent["latest_charge"]["id"]).to_dict()

    first = post_event(webhook_client, event("charge.refunded", charge))
    second = post_event(webhook_client, event("payment_intent.succeeded", intent))

    assert first.status_code == second.status_code == 200
    entries = LedgerEntry.objects.filter(debt=debt).exclude(kind=EntryKind.CHARGE)
    assert sorted((e.kind, e.amount_minor, e.reference) for e in entries) == sorted(
        [(EntryKind.PAYMENT, -120_00, payment.stripe_payment_intent_id), (EntryKind.REFUND, 20_00, refund.id)]
    )
    assert debt_balance_minor(debt) == 20_00


def test_it_stores_and_ignores_events_of_payments_it_does_not_know(stripe_account, webhook_client, stripe_client):
    customer = stripe_client.v1.customers.create()
    method = stripe_client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": CARD_OK, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    foreign = stripe_client.v1.payment_intents.create(
        params={
            "amount": 5_00,
            "currency": "eur",
            "customer": customer.id,
            "payment_method": method.id,
            "confirm": True,
        }
    )

    response = post_event(webhook_client, event("payment_intent.succeeded", foreign.to_dict()))

    assert response.status_code == 200
    assert "ignored" in response.json()["outcome"]
    assert StripeEvent.objects.get().processed_at is not None
    assert not CardPayment.objects.exists()


class _Capture(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Capture.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_it_accepts_what_localstripe_really_sends(stripe_account, debt, pay_client, localstripe, webhook_client):
    """The events localstripe posts to a registered webhook (its signing, its payload) pass our checks."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Capture.received.clear()
    try:
        localstripe.register_webhook("capture", f"http://127.0.0.1:{server.server_port}/", WEBHOOK_SECRET)
        response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/", CARD_OK)
        ours = CardPayment.objects.get().stripe_payment_intent_id.encode()

        def delivered() -> list[tuple[bytes, str]]:
            return [(b, s) for b, s in _Capture.received if b'"payment_intent.succeeded"' in b and ours in b]

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not delivered():
            time.sleep(0.2)
    finally:
        localstripe.register_webhook("capture", "http://127.0.0.1:9/", "whsec_unused")
        server.shutdown()
    body, signature = delivered()[0]

    tenant = connection.tenant
    answer = webhook_client.post(
        "/webhooks/stripe/acme/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    connection.set_tenant(tenant)

    assert answer.status_code == 200, answer.content
    assert json.loads(body)["data"]["object"]["id"] == CardPayment.objects.get().stripe_payment_intent_id
    assert StripeEvent.objects.get().type == "payment_intent.succeeded"
    assert response.json()["status"] == "succeeded"


def test_the_page_and_the_webhook_agree_whichever_comes_first(
    waiting_payment, webhook_client, stripe_client, pay_client, debt
):
    payment, _secret = waiting_payment
    pay_client.get(f"/p/pay/{payment.pk}/")  # the page first

    response = post_event(webhook_client, event("payment_intent.succeeded", intent_dict(stripe_client, payment)))

    assert response.status_code == 200
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1
    assert (
        services.card_payment_apply(
            card_payment=payment,
            payment_intent=stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id),
            client=stripe_client,
            actor=Actor.system("test"),
        ).status
        == PaymentStatus.SUCCEEDED
    )
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1
