"""Staff: the debt page lists a debt's arrangements with their schedules; managers and owners approve or decline a
request outside the margins; agents and viewers cannot; a person records an offline instalment payment."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from apps.arrangements.services import arrangement_request
from apps.debts.models import EntryKind, LedgerEntry
from apps.portal.access import portal_actor
from tests.factories import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(debt, debtor):
    return arrangement_request(
        debt=debt,
        kind="plan",
        down_payment_minor=100_00,
        instalment_count=12,
        frequency="monthly",
        note="Twelve months please",
        actor=portal_actor(debtor),
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_it_shows_the_arrangements_on_the_debt_page_with_the_decision_for_managers(client_for, manager, pending, debt):
    body = text(client_for(manager).get(f"/debts/{debt.pk}/"))
    assert "Arrangements" in body
    assert "Payment plan" in body
    assert "Waiting for a reply" in body
    assert "Outside the margins" in body
    assert "The plan has 12 instalments; we can agree at once to at most 6." in body
    assert f'action="/arrangements/{pending.pk}/approve/"' in body
    assert f'action="/arrangements/{pending.pk}/decline/"' in body
    assert body.index("Ledger") < body.index("Arrangements")


def test_it_shows_agents_the_arrangements_without_the_decision(client_for, agent, pending, debt):
    body = text(client_for(agent).get(f"/debts/{debt.pk}/"))
    assert "Payment plan" in body
    assert "/approve/" not in body


@pytest.mark.parametrize("who", ["manager", "owner"])
def test_it_lets_managers_and_owners_approve(client_for, request, who, pending, debt):
    response = client_for(request.getfixturevalue(who)).post(f"/arrangements/{pending.pk}/approve/", {"note": "OK"})
    assert response.status_code == 302
    assert response["Location"] == f"/debts/{debt.pk}/"
    pending.refresh_from_db()
    assert pending.status == "active"
    debt.refresh_from_db()
    assert debt.status == "in_plan"


@pytest.mark.parametrize("who", ["agent", "viewer"])
def test_it_refuses_the_decision_to_agents_and_viewers(client_for, request, who, pending):
    client = client_for(request.getfixturevalue(who))
    assert client.post(f"/arrangements/{pending.pk}/approve/").status_code == 403
    assert client.post(f"/arrangements/{pending.pk}/decline/", {"reason": "No"}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_it_declines_with_a_reason_and_returns_to_the_page_it_came_from(client_for, manager, pending, debt):
    client = client_for(manager)
    response = client.post(f"/arrangements/{pending.pk}/decline/", {"reason": ""})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Say why the request is declined."]
    pending.refresh_from_db()
    assert pending.status == "pending"
    case_page = f"/cases/{pending.case_id}/"
    response = client.post(f"/arrangements/{pending.pk}/decline/", {"reason": "Too long", "next": case_page})
    assert response["Location"] == case_page
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == ("declined", "Too long")
    debt.refresh_from_db()
    assert debt.status == "overdue"


def test_it_never_redirects_off_site(client_for, manager, pending, debt):
    response = client_for(manager).post(f"/arrangements/{pending.pk}/approve/", {"next": "https://evil.example/steal"})
    assert response["Location"] == f"/debts/{debt.pk}/"


def test_it_shows_why_an_approval_was_refused(client_for, manager, pending, debt):
    client = client_for(manager)
    client.post(f"/arrangements/{pending.pk}/approve/")
    response = client.post(f"/arrangements/{pending.pk}/approve/")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages[-1] == "This request is no longer waiting for an answer (it is active)."


def test_it_records_an_offline_payment_of_the_next_instalment(client_for, manager, agent, debt, debtor):
    arrangement = arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))
    instalment = arrangement.instalments.get()
    page = text(client_for(manager).get(f"/debts/{debt.pk}/"))
    assert f'action="/arrangements/instalments/{instalment.pk}/payment/"' in page
    form = {"received_on": TODAY.isoformat(), "method": "transfer"}
    assert client_for(agent).post(f"/arrangements/instalments/{instalment.pk}/payment/", form).status_code == 403
    response = client_for(manager).post(f"/arrangements/instalments/{instalment.pk}/payment/", form)
    assert response.status_code == 302
    assert LedgerEntry.objects.get(debt=debt, kind=EntryKind.PAYMENT).amount_minor == -800_00
    debt.refresh_from_db()
    assert debt.status == "settled"


def test_it_lets_a_manager_decide_from_the_case_page(client_for, manager, pending):
    client = client_for(manager)
    case_page = f"/cases/{pending.case_id}/"
    body = text(client.get(case_page))
    assert "Twelve months please" in body
    assert f'action="/arrangements/{pending.pk}/approve/"' in body
    assert f'name="next" value="{case_page}"' in body
    assert "{'" not in body  # the proposal is shown as a schedule, not as raw data
    response = client.post(f"/arrangements/{pending.pk}/approve/", {"next": case_page})
    assert response["Location"] == case_page
    pending.refresh_from_db()
    assert pending.status == "active"
    pending.case.refresh_from_db()
    assert pending.case.status == "resolved"


def test_it_shows_nothing_of_arrangements_on_the_case_page_of_a_debt_without_any(client_for, manager, debt, debtor):
    from apps.casework.services import case_open

    case = case_open(kind="dispute", debtor=debtor, debt=debt, subject="Wrong amount", actor=portal_actor(debtor))
    assert "Arrangements" not in text(client_for(manager).get(f"/cases/{case.pk}/"))
