"""The receipt and autopay-reminder emails: valid default templates in three languages, installed in every tenant,
and a receipt is a confirmation: it still goes after the debtor asked to stop all contact."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.debtors.models import Debtor
from apps.outbox.models import Message
from apps.payments.models import CardPayment
from apps.payments.notices import card_payment_receipt_send
from apps.policies.defaults import PAYMENT_EMAILS, default_templates
from apps.policies.models import MessageTemplate
from apps.policies.services import policies_install_defaults
from apps.policies.validation import template_check
from tests.factories import NOW
from tests.payments.conftest import pay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("jurisdiction", ["FR", "PL", "US"])
def test_the_default_payment_emails_pass_the_template_checks(jurisdiction):
    rows = [r for r in default_templates(jurisdiction, "creditor") if r["key"] in PAYMENT_EMAILS]

    assert {(r["key"], r["locale"]) for r in rows} == {(k, lang) for k in PAYMENT_EMAILS for lang in ("en", "fr", "pl")}
    for row in rows:
        check = template_check(
            channel=row["channel"],
            locale=row["locale"],
            stage=row["stage"],
            subject=row["subject"],
            body=row["body"],
            jurisdiction=jurisdiction,
        )
        assert check.errors == [], (row["key"], row["locale"], check.errors)
        assert row["is_exception"] is True


def test_a_tenant_made_before_gets_them_when_defaults_are_installed(tenant):
    MessageTemplate.objects.filter(key__in=PAYMENT_EMAILS).delete()

    policies_install_defaults(tenant=tenant)

    assert MessageTemplate.objects.filter(key="payment-receipt").count() == 3
    assert MessageTemplate.objects.filter(key="autopay-reminder").count() == 3


def test_a_receipt_still_goes_after_a_cease_request(stripe_account, debt, debtor, pay_client, localstripe):
    with time_machine.travel(NOW, tick=True):
        response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/")
        Debtor.objects.filter(pk=debtor.pk).update(cease_requested_at=timezone.now() - dt.timedelta(days=1))
        payment = CardPayment.objects.get(pk=response.json()["payment"])
        Message.objects.filter(idempotency_key=f"receipt:{payment.pk}").delete()

        message = card_payment_receipt_send(card_payment=payment)

    assert message is not None
    assert message.template.key == "payment-receipt"
    assert "€120.00" in message.body
    assert "No fee was added" in message.body


def test_a_receipt_in_the_debtors_language(stripe_account, debt, debtor, pay_client, localstripe):
    Debtor.objects.filter(pk=debtor.pk).update(preferred_language="fr")
    debtor.refresh_from_db()
    with time_machine.travel(NOW, tick=True):
        response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/")
        payment = CardPayment.objects.select_related("debt__debtor").get(pk=response.json()["payment"])
        Message.objects.filter(idempotency_key=f"receipt:{payment.pk}").delete()
        message = card_payment_receipt_send(card_payment=payment)

    assert message is not None
    assert message.subject.startswith("Reçu : nous avons reçu 120,00")
