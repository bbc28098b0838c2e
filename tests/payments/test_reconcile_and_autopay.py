"""S3 reconciliation (a webhook that never comes loses nothing) and autopay of saved cards (charged once a day)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from apps.arrangements.models import ArrangementStatus, InstalmentStatus
from apps.audit.services import Actor
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from apps.outbox.models import Message
from apps.payments import services, tasks
from apps.payments.models import CardPayment, PaymentStatus, SavedCard
from tests.payments.conftest import CARD_3DS, CARD_DECLINED_ON_CHARGE, CARD_OK, make_plan, pay

pytestmark = pytest.mark.django_db


def test_reconciliation_settles_a_payment_whose_webhook_never_came(stripe_account, debt, pay_client, localstripe):
    response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/", CARD_3DS)
    body = response.json()
    localstripe.authenticate_payment(body["client_secret"])  # the debtor confirmed; the webhook is lost
    payment = CardPayment.objects.get(pk=body["payment"])
    assert payment.status == PaymentStatus.REQUIRES_ACTION

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        assert tasks.card_payments_reconcile() == 1

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert debt_balance_minor(debt) == 0
    # Run again: nothing left to do, nothing counted twice.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        assert tasks.card_payments_reconcile() == 0
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1


def test_reconciliation_leaves_young_payments_to_the_page_and_the_webhook(
    stripe_account, debt, pay_client, localstripe
):
    _response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/", CARD_3DS)

    assert tasks.card_payments_reconcile() == 0
    assert CardPayment.objects.get().status == PaymentStatus.REQUIRES_ACTION


def test_reconciliation_cancels_a_3d_secure_check_abandoned_for_a_day(
    stripe_account, debt, pay_client, localstripe, stripe_client
):
    response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/", CARD_3DS)
    payment = CardPayment.objects.get(pk=response.json()["payment"])

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        tasks.card_payments_reconcile()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    assert stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).status == "canceled"
    assert debt_balance_minor(debt) == 120_00


def test_reconciliation_closes_a_payment_that_never_reached_stripe(stripe_account, debt):
    payment = CardPayment.objects.create(
        debt=debt, purpose="full", amount_minor=120_00, currency="EUR", created_by_label="test"
    )
    CardPayment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(minutes=20))

    tasks.card_payments_reconcile()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_code == "not_started"


# --- saved cards and autopay -----------------------------------------------------------------------------------


@pytest.fixture
def plan(debt, actor):
    today = timezone.localdate()
    return make_plan(debt, actor, [30_00, 30_00, 30_00, 30_00], first_due=today)


def save_card(pay_client, localstripe, plan, card: str = CARD_OK) -> CardPayment:
    down_payment = plan.instalments.get(number=0)
    response, _form = pay(pay_client, localstripe, f"/p/pay/instalments/{down_payment.pk}/", card, save_card=True)
    assert response.json()["status"] == "succeeded", response.json()
    return CardPayment.objects.get(pk=response.json()["payment"])


def test_the_consent_box_is_shown_unticked_only_with_instalments_to_come(stripe_account, plan, pay_client):
    first, last = plan.instalments.get(number=0), plan.instalments.get(number=3)

    with_later = pay_client.get(f"/p/pay/instalments/{first.pk}/").content.decode()
    alone = pay_client.get(f"/p/pay/instalments/{last.pk}/").content.decode()

    assert '<input type="checkbox" id="save-card" name="save_card" value="1">' in with_later
    assert "3 remaining instalments" in with_later
    assert 'id="save-card"' not in alone


def test_paying_with_consent_saves_the_card_with_the_words_agreed(stripe_account, plan, pay_client, localstripe):
    payment = save_card(pay_client, localstripe, plan)

    card = SavedCard.objects.get()
    assert card.arrangement == plan
    assert card.last4 == "4242"
    assert "3 remaining instalments" in card.consent_text
    assert card.consented_at == payment.created_at
    assert payment.saved_card == card
    assert plan.instalments.get(number=0).status == InstalmentStatus.PAID


def test_paying_without_consent_saves_no_card(stripe_account, plan, pay_client, localstripe):
    down_payment = plan.instalments.get(number=0)

    pay(pay_client, localstripe, f"/p/pay/instalments/{down_payment.pk}/", save_card=False)

    assert not SavedCard.objects.exists()


def test_autopay_charges_an_instalment_once_even_when_run_twice(
    stripe_account, plan, pay_client, localstripe, stripe_client
):
    save_card(pay_client, localstripe, plan)
    second = plan.instalments.get(number=1)
    with time_machine.travel(dt.datetime.combine(second.due_on, dt.time(9), tzinfo=dt.UTC), tick=True):
        first_run = tasks.autopay_run()
        second_run = tasks.autopay_run()

    assert first_run["charged"] == 1
    assert second_run["charged"] == 0
    autopays = CardPayment.objects.filter(off_session=True)
    assert autopays.count() == 1
    payment = autopays.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).amount == 30_00
    second.refresh_from_db()
    assert second.status == InstalmentStatus.PAID


def test_a_failed_autopay_marks_the_instalment_missed(stripe_account, plan, pay_client, localstripe):
    save_card(pay_client, localstripe, plan)
    # The saved card starts being refused by the bank (localstripe: a card declined on every charge).
    card = SavedCard.objects.get()
    method = localstripe.post(
        "/v1/payment_methods",
        {
            "type": "card",
            "card[number]": CARD_DECLINED_ON_CHARGE,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    )[1]["id"]
    SavedCard.objects.filter(pk=card.pk).update(stripe_payment_method_id=method)
    second = plan.instalments.get(number=1)

    with time_machine.travel(dt.datetime.combine(second.due_on, dt.time(9), tzinfo=dt.UTC), tick=True):
        tasks.autopay_run()

    payment = CardPayment.objects.get(off_session=True)
    assert payment.status == PaymentStatus.FAILED
    assert payment.ledger_entry is None
    second.refresh_from_db()
    plan.refresh_from_db()
    assert second.status == InstalmentStatus.MISSED
    assert plan.status == ArrangementStatus.BROKEN


def test_it_reminds_the_debtor_once_a_few_days_before_autopay(stripe_account, plan, pay_client, localstripe):
    save_card(pay_client, localstripe, plan)
    second = plan.instalments.get(number=1)
    three_days_before = dt.datetime.combine(second.due_on - dt.timedelta(days=3), dt.time(10), tzinfo=dt.UTC)

    with time_machine.travel(three_days_before, tick=True):
        assert tasks.autopay_run()["reminded"] == 1
        assert tasks.autopay_run()["reminded"] == 0

    message = Message.objects.get(idempotency_key=f"autopay-reminder:{second.pk}")
    assert "4242" in message.body
    assert "€30.00" in message.subject
    second.refresh_from_db()
    assert second.reminded_at is not None


def test_the_debtor_stops_autopay_from_the_portal(stripe_account, plan, pay_client, localstripe):
    save_card(pay_client, localstripe, plan)
    card = SavedCard.objects.get()

    page = pay_client.get("/p/pay/cards/").content.decode()
    assert card.consent_text in page
    response = pay_client.post(f"/p/pay/cards/{card.pk}/stop/")

    assert response.status_code == 302
    card.refresh_from_db()
    assert card.revoked_at is not None
    second = plan.instalments.get(number=1)
    with time_machine.travel(dt.datetime.combine(second.due_on, dt.time(9), tzinfo=dt.UTC), tick=True):
        assert tasks.autopay_run()["charged"] == 0
    assert not CardPayment.objects.filter(off_session=True).exists()


def test_autopay_does_nothing_without_consent(stripe_account, plan):
    second = plan.instalments.get(number=1)
    assert services.autopay_charge(instalment=second, today=second.due_on, actor=Actor.system("test")) is None


def test_the_beat_tasks_fan_out_to_tenants_with_stripe_only(stripe_account, plan, pay_client, localstripe, tenant):
    save_card(pay_client, localstripe, plan)
    connection.set_schema_to_public()
    try:
        reconciled = tasks.card_payments_reconcile_all_tenants()
        # 06:00 in Paris: too early to charge cards; 09:00: acme's autopay runs.
        with time_machine.travel(dt.datetime(2026, 11, 20, 5, tzinfo=dt.UTC), tick=False):
            early = tasks.autopay_all_tenants()
        with time_machine.travel(dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC), tick=False):
            on_time = tasks.autopay_all_tenants()
    finally:
        connection.set_tenant(tenant)

    assert tenant.schema_name in reconciled
    assert "t_globex" not in reconciled
    assert tenant.schema_name not in early
    assert tenant.schema_name in on_time
