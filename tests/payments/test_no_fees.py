"""No fee, ever (US16, FR1, PAY1): no payment model can hold one, and Stripe is asked for exactly the page's amount."""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.debts.services import debt_create
from apps.payments.models import CardPayment
from tests.factories import TODAY
from tests.payments.conftest import pay, shown_amount

pytestmark = pytest.mark.django_db


def test_no_payment_model_has_a_fee_field():
    for model in apps.get_app_config("payments").get_models():
        for field in model._meta.get_fields():
            name = field.name.lower()
            assert not any(word in name for word in ("fee", "surcharge", "commission")), (model.__name__, field.name)


def _money_text_to_minor(text: str) -> int:
    digits = "".join(c for c in text if c.isdigit())
    return int(digits)  # EUR: two decimals, so the digits are the cents


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount_minor=st.integers(min_value=50, max_value=9_999_999_99))
def test_the_payment_intent_amount_is_the_amount_on_the_page(
    amount_minor, stripe_account, debtor, actor, pay_client, localstripe, stripe_client
):
    debt = debt_create(
        debtor=debtor,
        external_ref=f"PROP-{uuid.uuid4().hex[:10]}",
        amount_minor=amount_minor,
        currency="EUR",
        issue_date=TODAY,
        due_date=TODAY,
        actor=actor,
    )
    url = f"/p/pay/debts/{debt.pk}/"
    shown = shown_amount(pay_client.get(url).content.decode())

    response, _form = pay(pay_client, localstripe, url)

    payment = CardPayment.objects.get(pk=response.json()["payment"])
    intent = stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    assert intent.amount == _money_text_to_minor(shown) == amount_minor
    assert intent.currency == "eur"
