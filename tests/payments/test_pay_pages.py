"""The portal's pay pages: the amount and its wording, CSP, who may open what, and pages without Stripe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.services import Actor
from apps.debtors.services import debtor_create
from apps.debts.services import debt_create
from apps.payments import services
from apps.payments.models import CardPayment
from tests.factories import make_debt, make_debtor
from tests.payments.conftest import make_plan, make_settlement, pay, shown_amount, signed_in

pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_it_shows_exactly_what_is_charged_and_that_there_is_no_fee(stripe_account, debt, pay_client):
    html = pay_client.get(f"/p/pay/debts/{debt.pk}/").content.decode()

    assert shown_amount(html) == "€120.00"
    assert "No fees: you pay exactly €120.00. Nothing is added for paying by card." in html
    assert 'id="pay-button">Pay €120.00</button>' in html
    # One amount on the page, the one charged: no fee line, no total that differs.
    assert set(re.findall(r"€\d[\d,]*\.\d\d", html)) == {"€120.00"}


def test_only_pay_pages_allow_stripe_in_their_content_security_policy(stripe_account, debt, pay_client, localstripe):
    pay_page = pay_client.get(f"/p/pay/debts/{debt.pk}/")
    overview = pay_client.get("/p/")

    policy = csp(pay_page)
    assert localstripe.url in policy["script-src"]
    assert "'self'" in policy["script-src"]
    assert localstripe.url in policy["frame-src"]
    assert localstripe.url in policy["connect-src"]
    assert "'self'" in policy["connect-src"]  # the confirm endpoint
    assert "unsafe-inline" not in pay_page.headers["Content-Security-Policy"]
    assert localstripe.url not in overview.headers["Content-Security-Policy"]
    assert f'<script src="{localstripe.js_url}" defer></script>' in pay_page.content.decode()
    assert "<script>" not in pay_page.content.decode()


def test_real_stripe_origins_are_allowed_when_no_fake_is_configured(stripe_account, debt, pay_client, settings):
    settings.AMIABLE_STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.AMIABLE_STRIPE_API_BASE = ""
    from apps.payments.stripe_api import csp_for_pay_pages

    assert csp_for_pay_pages() == {
        "script-src": ["https://js.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["'self'", "https://api.stripe.com"],
    }


def test_without_javascript_the_page_explains_and_offers_other_ways(stripe_account, debt, pay_client, actor):
    services.payment_instructions_save(text="Bank transfer to FR76 3000 6000 0112 3456 7890 189", actor=actor)

    html = pay_client.get(f"/p/pay/debts/{debt.pk}/").content.decode()

    assert 'id="pay-nojs"' in html
    assert "Paying by card needs JavaScript" in html
    assert '<form id="pay-form" class="pay-form" hidden' in html
    assert "FR76 3000 6000 0112 3456 7890 189" in html


def test_a_tenant_without_stripe_says_card_payment_is_not_available(debt, pay_client, actor, tenant):
    services.payment_instructions_save(text="Pay by cheque to Acme, 12 rue des Lilas", actor=actor)

    response = pay_client.get(f"/p/pay/debts/{debt.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Card payment is not available here" in html
    assert "Pay by cheque to Acme" in html
    assert 'id="pay-form"' not in html


def test_a_settlement_is_paid_at_the_agreed_amount(stripe_account, debt, pay_client, actor, localstripe):
    settlement = make_settlement(debt, actor, 96_00, pay_by=dt.date.today() + dt.timedelta(days=10))

    html = pay_client.get(f"/p/pay/debts/{debt.pk}/").content.decode()
    assert shown_amount(html) == "€96.00"
    response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/")

    payment = CardPayment.objects.get(pk=response.json()["payment"])
    assert (payment.amount_minor, payment.purpose, payment.arrangement) == (96_00, "settlement", settlement)


def test_an_instalment_is_payable_only_while_due_and_its_plan_active(stripe_account, debt, pay_client, actor):
    plan = make_plan(debt, actor, [40_00, 40_00, 40_00], first_due=dt.date.today())
    first = plan.instalments.get(number=0)

    assert shown_amount(pay_client.get(f"/p/pay/instalments/{first.pk}/").content.decode()) == "€40.00"
    plan.status = "cancelled"
    plan.save(update_fields=["status"])
    html = pay_client.get(f"/p/pay/instalments/{first.pk}/").content.decode()

    assert "There is nothing to pay here" in html
    assert 'id="pay-form"' not in html


def test_another_debtors_pages_are_not_found(stripe_account, debt, actor, tenant, pay_client, localstripe):
    response, _form = pay(pay_client, localstripe, f"/p/pay/debts/{debt.pk}/")
    payment_id = response.json()["payment"]
    other = make_debtor(actor, "C-999", "Olga Other")
    other_client = signed_in(Client(HTTP_HOST=f"{tenant.subdomain}.localhost"), other)
    make_debt(actor, other, "INV-999", 10_00)

    assert other_client.get(f"/p/pay/debts/{debt.pk}/").status_code == 404
    assert other_client.get(f"/p/pay/{payment_id}/").status_code == 404
    assert other_client.get(f"/p/receipts/{payment_id}.pdf").status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(stripe_account, debt, tenant):
    client = Client(HTTP_HOST=f"{tenant.subdomain}.localhost")

    response = client.get(f"/p/pay/debts/{debt.pk}/")

    assert response.status_code == 302
    assert response.url == "/p/sign-in/"
    assert client.post("/p/pay/confirm/", data="{}", content_type="application/json").status_code == 404


def test_a_debt_of_another_tenant_is_not_found(stripe_account, pay_client, other_tenant, tenant):
    with schema_context(other_tenant.schema_name):
        actor = Actor.system("test")
        debtor = debtor_create(external_ref="G-PAY", name="Gil Globex", actor=actor)
        foreign = debt_create(
            debtor=debtor,
            external_ref="G-PAY-1",
            amount_minor=50_00,
            currency="USD",
            issue_date=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 10, 1),
            actor=actor,
        )
    connection.set_tenant(tenant)

    assert pay_client.get(f"/p/pay/debts/{foreign.pk}/").status_code == 404


def test_a_tampered_amount_is_refused(stripe_account, debt, pay_client, localstripe):
    from tests.payments.conftest import confirm, page_form

    form = page_form(pay_client.get(f"/p/pay/debts/{debt.pk}/").content.decode())
    method = localstripe.set_up_card(form["client_secret"], "4242424242424242")
    token = form["token"]
    form["token"] = token.replace(token[5], "A" if token[5] != "A" else "B", 1)

    response = confirm(pay_client, form, method)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not CardPayment.objects.exists()
