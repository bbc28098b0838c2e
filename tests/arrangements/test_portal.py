"""The debtor's options pages: every option with its amounts and no fees, a plan preview that works without
JavaScript and as an htmx fragment, agreements and requests, and nothing of another debtor or another tenant."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.arrangements.models import Arrangement
from apps.arrangements.services import arrangement_request
from apps.audit.services import Actor
from apps.casework.models import Case, CaseKind
from apps.debtors.services import debtor_create
from apps.debts.services import debt_create
from apps.portal.access import portal_actor
from tests.arrangements.conftest import days
from tests.factories import TODAY

pytestmark = pytest.mark.django_db


def url(debt, suffix: str = "") -> str:
    return f"/p/debts/{debt.pk}/options/{suffix}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_it_shows_every_option_with_its_amounts_and_no_fees(portal, debt):
    response = portal.get(url(debt))
    assert response.status_code == 200
    body = text(response)
    assert "You owe €1,000.00" in body
    assert "There are no fees" in body
    assert "Pay €1,000.00 now and this invoice is done." in body
    # Settlement: 20% off, open 14 days.
    assert "Pay €800.00 by December 4, 2026 and we will close this invoice." in body
    assert "€200.00 (20%)" in body
    # The plan builder's default schedule: the least first payment, monthly, three instalments.
    assert 'name="down_payment" value="100.00"' in body
    assert "We can agree to this plan at once." in body
    assert body.count("€300.00") >= 3
    # The promise's date picker allows today to the latest date the margins allow.
    assert f'min="{TODAY.isoformat()}"' in body
    assert f'max="{(TODAY + days(30)).isoformat()}"' in body
    assert "None of these fit" in body


def test_it_previews_a_plan_without_javascript(portal, debt):
    response = portal.get(url(debt), {"down_payment": "250", "frequency": "weekly", "instalment_count": "4"})
    body = text(response)
    assert response.status_code == 200
    assert "<html" in body
    assert "€250.00" in body
    assert body.count("€187.50") == 4  # 750.00 in four weekly instalments
    assert "Dec 18, 2026" in body  # the last one, four weeks on
    assert 'name="instalment_count" value="4"' in body
    assert "Agree to this plan" in body


def test_it_swaps_only_the_preview_for_htmx(portal, debt):
    response = portal.get(
        url(debt),
        {"down_payment": "100,00", "frequency": "monthly", "instalment_count": "9"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="plan-preview",
    )
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith('<div id="plan-preview"')
    assert "A person needs to look at this plan" in body
    assert "The plan has 9 instalments; we can agree at once to at most 6." in body
    assert "Send this plan to a person" in body


def test_it_explains_what_is_wrong_with_a_plan_in_the_preview(portal, debt):
    body = text(portal.get(url(debt), {"down_payment": "abc", "frequency": "monthly", "instalment_count": "3"}))
    assert "“abc” is not a number." in body
    body = text(portal.get(url(debt), {"down_payment": "1000", "frequency": "monthly", "instalment_count": "3"}))
    assert "choose “Pay in full” instead" in body


def test_it_agrees_a_plan_and_shows_the_next_payment(portal, debt):
    response = portal.post(
        url(debt, "plan/"),
        {"down_payment": "100.00", "frequency": "monthly", "instalment_count": "3", "shown_total_minor": "100000"},
    )
    arrangement = Arrangement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(debt, f"{arrangement.pk}/")
    body = text(portal.get(response["Location"]))
    assert "Your payment plan is agreed" in body
    assert "Next payment" in body
    assert f"€100.00 by {TODAY.strftime('%B')} 20, 2026" in body
    assert "There are no fees" in body


def test_it_tells_when_a_person_will_answer_a_request_outside_the_margins(portal, debt):
    response = portal.post(
        url(debt, "promise/"),
        {"pay_by": (TODAY + days(45)).isoformat(), "note": "Paid on the 5th", "shown_total_minor": "100000"},
    )
    arrangement = Arrangement.objects.get()
    assert arrangement.status == "pending"
    body = text(portal.get(response["Location"]))
    assert "Your request is with a person" in body
    assert "A person will answer you by November 22, 2026." in body
    assert "our reminders for this invoice are paused" in body


def test_it_agrees_the_settlement_offer_as_shown(portal, debt):
    response = portal.post(url(debt, "settlement/"), {"discount_pct": "20", "shown_total_minor": "80000"})
    assert response.status_code == 302
    body = text(portal.get(response["Location"]))
    assert "Your settlement is agreed" in body
    assert "You pay €800.00 instead of €1,000.00." in body


def test_it_refuses_an_offer_whose_amount_changed_since_it_was_shown(portal, debt):
    response = portal.post(url(debt, "settlement/"), {"discount_pct": "20", "shown_total_minor": "79000"})
    assert response.status_code == 422
    assert "The amount changed since you looked: it is now €800.00." in text(response)
    assert not Arrangement.objects.exists()


def test_it_shows_promise_errors_next_to_the_date(portal, debt):
    response = portal.post(url(debt, "promise/"), {"pay_by": (TODAY - days(1)).isoformat()})
    assert response.status_code == 422
    assert "Choose a date from today on." in text(response)
    assert not Arrangement.objects.exists()


def test_it_sends_none_of_these_fit_to_a_person(portal, debt):
    response = portal.post(url(debt, "request/"), {"details": "I can pay 50 a month"})
    case = Case.objects.get(kind=CaseKind.NONE_FIT)
    assert response["Location"] == url(debt, f"request/{case.pk}/")
    body = text(portal.get(response["Location"]))
    assert "A person will read it and answer you by November 22, 2026." in body
    assert "I can pay 50 a month" in body
    assert portal.post(url(debt, "request/"), {"details": ""}).status_code == 422


def test_it_shows_a_live_arrangement_instead_of_the_builders(portal, debt, debtor):
    arrangement = arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(5), actor=portal_actor(debtor))
    body = text(portal.get(url(debt)))
    assert "You have an agreement: Promise to pay" in body
    assert url(debt, f"{arrangement.pk}/") in body
    assert "plan-preview" not in body
    overview = text(portal.get("/p/"))
    assert "Promise to pay agreed" in overview
    assert "See your options" in overview


def test_it_links_each_debt_of_the_overview_to_its_options(portal, debt):
    body = text(portal.get("/p/"))
    assert f'href="{url(debt)}"' in body


def test_it_shows_a_debtor_nothing_of_another_debtor_s_debt(portal, other_debt, other_debtor):
    theirs = arrangement_request(
        debt=other_debt, kind="promise", pay_by=TODAY + days(5), actor=portal_actor(other_debtor)
    )
    case = Case.objects.create(kind=CaseKind.NONE_FIT, debtor=other_debtor, debt=other_debt, subject="x")
    for path in (url(other_debt), url(other_debt, f"{theirs.pk}/"), url(other_debt, f"request/{case.pk}/")):
        assert portal.get(path).status_code == 404, path
    for suffix in ("plan/", "promise/", "settlement/", "request/"):
        assert portal.post(url(other_debt, suffix), {"details": "x"}).status_code == 404, suffix
    assert Arrangement.objects.count() == 1


def test_it_sends_the_signed_out_to_the_sign_in(tenant, debt):
    client = Client(HTTP_HOST=f"{tenant.subdomain}.localhost")
    assert client.get(url(debt))["Location"] == "/p/sign-in/"
    assert client.post(url(debt, "plan/")).status_code == 404


def test_it_shows_nothing_of_another_tenant(portal, debt, other_tenant, tenant, outsider):
    with schema_context(other_tenant.schema_name):
        actor = Actor.for_user(outsider)
        gina = debtor_create(external_ref="G-1", name="Gina Globex", actor=actor)
        theirs = debt_create(
            debtor=gina,
            external_ref="G-INV-1",
            amount_minor=500_00,
            currency="USD",
            issue_date=TODAY - days(90),
            due_date=TODAY - days(60),
            actor=actor,
        )
    connection.set_tenant(tenant)
    assert portal.get(url(theirs)).status_code == 404
