"""A debt's page: facts, itemised balance, full ledger, history, and which actions a manager is offered."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.services import Actor
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_adjust, debt_dispute, debt_payment_record, debt_write_off
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def debt(actor):
    debtor = make_debtor(actor, "C-100", "Camille Martin")
    debt = make_debt(actor, debtor, "INV-1", 120_00, days_past_due=10, description="Kitchen tiles")
    LedgerEntry.objects.create(
        debt=debt,
        kind=EntryKind.FEE,
        amount_minor=40_00,
        currency="EUR",
        occurred_on=TODAY,
        legal_basis="Code de commerce L441-10",
        description="Indemnité forfaitaire",
        created_by_label="test",
    )
    LedgerEntry.objects.create(
        debt=debt,
        kind=EntryKind.INTEREST,
        amount_minor=1_23,
        currency="EUR",
        occurred_on=TODAY,
        legal_basis="Contract §7",
        created_by_label="test",
    )
    debt_payment_record(
        debt=debt, amount_minor=50_00, received_on=TODAY, method="cheque", reference="CHQ-1", actor=actor
    )
    debt_adjust(debt=debt, amount_minor=-5_00, reason="Goodwill", actor=actor)
    return debt


def lines(response) -> dict[str, int]:
    return {str(line.label): line.amount_minor for line in response.context["view"].lines}


def test_it_shows_the_facts_and_status(client_for, viewer, debt):
    response = client_for(viewer).get(f"/debts/{debt.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Debt INV-1" in html
    assert "Kitchen tiles" in html
    assert "Camille Martin" in html
    assert '<span class="badge overdue">Overdue</span>' in html
    assert "Nov 10, 2026" in html
    assert response.context["view"].days_past_due == 10


def test_it_itemises_the_balance_with_the_legal_basis_of_fees(client_for, viewer, debt):
    response = client_for(viewer).get(f"/debts/{debt.pk}/")
    assert lines(response) == {
        "Principal": 115_00,
        "Interest": 1_23,
        "Fees": 40_00,
        "Payments": -50_00,
        "Discounts": 0,
        "Write-offs": 0,
        "Refunds and chargebacks": 0,
    }
    assert response.context["view"].balance_minor == 106_23
    html = response.content.decode()
    assert "Code de commerce L441-10" in html
    assert "€106.23" in html


def test_it_shows_the_full_ledger(client_for, viewer, debt):
    html = client_for(viewer).get(f"/debts/{debt.pk}/").content.decode()
    for text in ["Charge", "Fee", "Interest", "Payment", "Adjustment", "CHQ-1", "Cheque", "Goodwill", "-€50.00"]:
        assert text in html, text


def test_it_shows_who_did_what_and_when_with_before_and_after(client_for, viewer, debt, actor):
    debt_dispute(debt=debt, reason="Tiles were broken", actor=actor)
    html = client_for(viewer).get(f"/debts/{debt.pk}/").content.decode()
    assert "Debt created" in html
    assert "Payment recorded" in html
    assert "Amount adjusted" in html
    assert "Disputed" in html
    assert "Tiles were broken" in html
    assert "status:" in html
    assert "Overdue → Disputed" in html
    assert "€111.23 → €106.23" in html  # the adjustment's balance before → after
    assert "max.manager@acme.test" in html
    assert "Nov 20, 2026 11:00" in html  # Paris time


def test_viewers_see_no_action_forms(client_for, viewer, agent, debt):
    for user in (viewer, agent):
        html = client_for(user).get(f"/debts/{debt.pk}/").content.decode()
        assert "Record an offline payment" not in html
        assert "/payments/" not in html
        assert "/actions/" not in html


def test_managers_are_offered_only_the_transitions_legal_now(client_for, manager, debt):
    response = client_for(manager).get(f"/debts/{debt.pk}/")
    offered = [name for name, _label, _form in response.context["transition_forms"]]
    # Overdue: no resume (nothing to resume from); settle is offered because something was paid.
    assert offered == ["dispute", "hold", "settle", "cancel"]
    html = response.content.decode()
    assert "Record an offline payment" in html
    assert "Adjust the amount owed" in html
    assert "mark_paid" not in html
    assert "promise" not in html


def test_settle_is_not_offered_before_anything_was_paid(client_for, manager, actor):
    debtor = make_debtor(actor, "C-2", "Léa")
    fresh = make_debt(actor, debtor, "INV-9", 10_00, days_past_due=-3)
    offered = [n for n, _l, _f in client_for(manager).get(f"/debts/{fresh.pk}/").context["transition_forms"]]
    assert offered == ["dispute", "hold", "cancel"]


def test_a_closed_debt_offers_no_payment_and_no_transition(client_for, manager, debt, actor):
    debt_write_off(debt=debt, reason="Debtor deceased", actor=actor)
    response = client_for(manager).get(f"/debts/{debt.pk}/")
    assert response.context["transition_forms"] == []
    html = response.content.decode()
    assert "Record an offline payment" not in html
    assert "Adjust the amount owed" not in html
    assert "Write-offs" in html
    assert lines(response)["Write-offs"] == -106_23


def test_it_answers_404_for_another_tenants_debt(client_for, manager, other_tenant, tenant):
    with schema_context(other_tenant.schema_name):
        system = Actor.system("test")
        theirs = make_debt(system, make_debtor(system, "G-1", "Globex Customer"), "G-INV", 10_00, currency="USD")
    client = client_for(manager)
    assert client.get(f"/debts/{theirs.pk}/").status_code == 404
    assert client.get(f"/debts/{theirs.pk}/edit/").status_code == 404
    post = {"payment-amount": "1", "payment-received_on": "2026-11-20", "payment-method": "cash"}
    assert client.post(f"/debts/{theirs.pk}/payments/", post).status_code == 404
    assert client.post(f"/debts/{theirs.pk}/adjustments/", {"adjust-amount": "1"}).status_code == 404
    assert client.post(f"/debts/{theirs.pk}/actions/dispute/", {"dispute-reason": "x"}).status_code == 404
    with schema_context(other_tenant.schema_name):
        assert LedgerEntry.objects.filter(debt_id=theirs.pk).count() == 1


def test_the_edit_link_is_for_managers_only(client_for, manager, viewer, debt):
    assert f"/debts/{debt.pk}/edit/" in client_for(manager).get(f"/debts/{debt.pk}/").content.decode()
    assert f"/debts/{debt.pk}/edit/" not in client_for(viewer).get(f"/debts/{debt.pk}/").content.decode()


def test_dates_and_money_follow_the_language(client_for, viewer, debt):
    client = client_for(viewer)
    client.cookies["django_language"] = "fr"
    html = client.get(f"/debts/{debt.pk}/").content.decode()
    assert "106,23\u00a0€" in html
    assert "10 nov. 2026" in html
