"""Card payment fixtures: one localstripe for the run, acme connected to it, a debtor with an email and a debt, and
helpers that do what the pay page's JavaScript and Stripe's webhooks do."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from html import unescape
from typing import Any

import pytest
import stripe
from django.db import connection
from django.test import Client

from apps.arrangements.models import Arrangement, ArrangementKind, ArrangementStatus, Instalment
from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debtors.services import contact_point_add
from apps.debts.models import Debt
from apps.debts.services import debt_balance_minor, debt_start_plan
from apps.payments import services
from apps.payments.models import StripeAccount
from apps.portal.access import SESSION_KEY
from apps.tenants.models import Tenant
from tests.factories import make_debt, make_debtor
from tests.localstripe import PUBLISHABLE_KEY, SECRET_KEY, LocalStripe, localstripe_server, signed_event_headers

WEBHOOK_SECRET = "whsec_amiable_tests_0123456789"
CARD_OK = "4242424242424242"
CARD_3DS = "4000002500003155"
CARD_DECLINED = "4000000000000002"  # refused when the card is set up
CARD_DECLINED_ON_CHARGE = "4000000000000341"  # set up fine, refused when charged


@pytest.fixture(scope="session")
def localstripe() -> LocalStripe:
    return localstripe_server()


@pytest.fixture(autouse=True)
def _stripe_points_at_localstripe(localstripe: LocalStripe, settings: Any) -> None:
    settings.AMIABLE_STRIPE_API_BASE = localstripe.url
    settings.AMIABLE_STRIPE_JS_URL = localstripe.js_url


@pytest.fixture
def stripe_account(tenant: Tenant, actor: Actor) -> StripeAccount:
    return services.stripe_account_save(
        publishable_key=PUBLISHABLE_KEY, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, actor=actor
    )


@pytest.fixture
def stripe_client(localstripe: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe.url})


@pytest.fixture
def debtor(actor: Actor) -> Debtor:
    d = make_debtor(actor, "C-200", "Dana Payer", preferred_language="en")
    contact_point_add(debtor=d, kind="email", value="dana@example.test", actor=actor)
    return d


@pytest.fixture
def debt(actor: Actor, debtor: Debtor) -> Debt:
    return make_debt(actor, debtor, "INV-200", 120_00, days_past_due=10, description="Order 200")


def signed_in(client: Client, debtor: Debtor) -> Client:
    session = client.session
    session[SESSION_KEY] = str(debtor.pk)
    session.save()
    return client


@pytest.fixture
def pay_client(tenant: Tenant, debtor: Debtor) -> Client:
    return signed_in(Client(HTTP_HOST=f"{tenant.subdomain}.localhost"), debtor)


# --- what the pay page's JavaScript does ---------------------------------------------------------------------


def page_form(html: str) -> dict[str, str]:
    """The data-* attributes of the pay form and the CSRF token on the page."""
    form = re.search(r'<form id="pay-form"(.*?)>', html, re.DOTALL)
    assert form, "no card form on the page"
    data = {k.replace("-", "_"): unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', form.group(1))}
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert csrf
    data["csrf"] = csrf.group(1)
    return data


def shown_amount(html: str) -> str:
    match = re.search(r'<strong id="pay-amount"[^>]*>(.*?)</strong>', html, re.DOTALL)
    assert match
    return unescape(match.group(1)).strip()


def confirm(client: Client, form: dict[str, str], payment_method: str, *, save_card: bool = False) -> Any:
    return client.post(
        form["confirm_url"],
        data=json.dumps(
            {
                "token": form["token"],
                "setup_intent": form["setup_intent"],
                "payment_method": payment_method,
                "save_card": save_card,
            }
        ),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=form["csrf"],
    )


def pay(
    client: Client, localstripe: LocalStripe, url: str, card: str = CARD_OK, *, save_card: bool = False
) -> tuple[Any, dict[str, str]]:
    """Open a pay page, type the card into Stripe's field, and submit: (the confirm response, the page's form)."""
    page = client.get(url)
    assert page.status_code == 200, page.content
    form = page_form(page.content.decode())
    payment_method = localstripe.set_up_card(form["client_secret"], card)
    return confirm(client, form, payment_method, save_card=save_card), form


# --- plans and settlements, as the arrangements app stores them ----------------------------------------------


def make_plan(debt: Debt, actor: Actor, amounts: list[int], *, first_due: dt.date) -> Arrangement:
    balance = debt_balance_minor(debt)
    arrangement = Arrangement.objects.create(
        debt=debt,
        kind=ArrangementKind.PLAN,
        status=ArrangementStatus.ACTIVE,
        balance_minor=balance,
        total_minor=sum(amounts),
        currency=debt.currency,
        frequency="monthly",
        instalment_count=len(amounts) - 1,
        down_payment_minor=amounts[0],
        within_margins=True,
        created_by_label=actor.label,
    )
    for number, amount in enumerate(amounts):
        Instalment.objects.create(
            arrangement=arrangement,
            number=number,
            due_on=first_due + dt.timedelta(days=30 * number),
            amount_minor=amount,
        )
    debt_start_plan(debt=debt, actor=actor)
    return arrangement


def make_settlement(debt: Debt, actor: Actor, amount_minor: int, *, pay_by: dt.date) -> Arrangement:
    arrangement = Arrangement.objects.create(
        debt=debt,
        kind=ArrangementKind.SETTLEMENT,
        status=ArrangementStatus.ACTIVE,
        balance_minor=debt_balance_minor(debt),
        total_minor=amount_minor,
        currency=debt.currency,
        discount_pct=20,
        pay_by=pay_by,
        within_margins=True,
        created_by_label=actor.label,
    )
    Instalment.objects.create(arrangement=arrangement, number=0, due_on=pay_by, amount_minor=amount_minor)
    return arrangement


# --- what Stripe does when it calls the webhook -------------------------------------------------------------


def event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": kind,
        "data": {"object": obj},
    }


def post_event(
    client: Client,
    payload: dict[str, Any] | bytes,
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    subdomain: str = "acme",
    signed: bool = True,
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = signed_event_headers(body, secret, timestamp=timestamp) if signed else {}
    tenant = connection.tenant
    try:
        return client.post(f"/webhooks/stripe/{subdomain}/", data=body, content_type="application/json", **headers)
    finally:
        # The public site's request leaves the connection on the public schema; the test goes on in its tenant.
        connection.set_tenant(tenant)


@pytest.fixture
def webhook_client() -> Client:
    return Client(HTTP_HOST="localhost")
