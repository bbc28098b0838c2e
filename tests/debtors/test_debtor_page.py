"""A debtor's page: profile, payment history from the ledger, contact badges, debts with ledgers, and history."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from apps.audit.services import Actor
from apps.debtors.services import contact_point_add, contact_point_update, debtor_update
from apps.debts.services import debt_payment_record
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def camille(actor):
    debtor = make_debtor(
        actor,
        "C-100",
        "Camille Martin",
        preferred_language="fr",
        timezone="Europe/Paris",
        customer_since=dt.date(2019, 3, 1),
        lifetime_revenue_minor=12_345_00,
    )
    contact_point_add(debtor=debtor, kind="email", value="camille@example.fr", is_primary=True, actor=actor)
    work = contact_point_add(debtor=debtor, kind="phone", value="01 42 68 53 00", is_workplace=True, actor=actor)
    contact_point_update(contact=work, opted_out=True, actor=actor)
    contact_point_add(
        debtor=debtor,
        kind="address",
        address_line1="3 rue Vaubecour",
        postal_code="69002",
        city="Lyon",
        country="FR",
        validity="invalid",
        actor=actor,
    )
    on_time = make_debt(actor, debtor, "INV-1", 80_00, days_past_due=40)
    debt_payment_record(
        debt=on_time, amount_minor=80_00, received_on=TODAY - dt.timedelta(days=41), method="card", actor=actor
    )
    late = make_debt(actor, debtor, "INV-2", 50_00, days_past_due=20)
    debt_payment_record(debt=late, amount_minor=50_00, received_on=TODAY, method="cheque", actor=actor)
    make_debt(actor, debtor, "INV-3", 99_00, currency="USD", days_past_due=5, description="Consulting")
    partly = make_debt(actor, debtor, "INV-4", 200_00, days_past_due=12)
    debt_payment_record(
        debt=partly, amount_minor=75_00, received_on=TODAY, method="transfer", reference="VIR-88", actor=actor
    )
    debtor_update(debtor=debtor, name="Camille Martin-Roux", actor=actor)
    debtor.refresh_from_db()
    return debtor


def test_it_shows_the_profile_and_open_balances_per_currency(client_for, viewer, camille):
    response = client_for(viewer).get(f"/debtors/{camille.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Camille Martin-Roux" in html
    assert "Europe/Paris" in html
    assert "Mar 1, 2019" in html
    assert "€12,345.00" in html
    assert [(a.currency, a.amount_minor) for a in response.context["view"].open_balances] == [
        ("EUR", 125_00),
        ("USD", 99_00),
    ]


def test_it_summarises_the_payment_history_from_the_ledger(client_for, viewer, camille):
    history = client_for(viewer).get(f"/debtors/{camille.pk}/").context["view"].payment_history
    assert history.payments == 3
    assert [(a.currency, a.amount_minor) for a in history.paid] == [("EUR", 205_00)]
    assert history.paid_on_time == 1
    assert history.paid_late == 1


def test_it_shows_contact_points_with_their_badges(client_for, viewer, camille):
    html = client_for(viewer).get(f"/debtors/{camille.pk}/").content.decode()
    assert "camille@example.fr" in html
    assert "+33142685300" in html
    assert "3 rue Vaubecour, 69002 Lyon, FR" in html
    assert "Primary" in html
    assert "Workplace" in html
    assert "Opted out Nov 20, 2026" in html
    assert "Invalid — needs update" in html
    assert "Consent: Not recorded" in html


def test_it_lists_every_debt_with_its_balance_and_ledger(client_for, viewer, camille):
    response = client_for(viewer).get(f"/debtors/{camille.pk}/")
    balances = {v.debt.external_ref: v.balance_minor for v in response.context["view"].debts}
    assert balances == {"INV-1": 0, "INV-2": 0, "INV-3": 99_00, "INV-4": 125_00}
    html = response.content.decode()
    assert "Ledger of INV-4" in html
    assert "VIR-88" in html
    assert "Bank transfer" in html
    assert "$99.00" in html
    debt_ids = [str(v.debt.pk) for v in response.context["view"].debts]
    for debt_id in debt_ids:
        assert f"/debts/{debt_id}/" in html


def test_it_shows_the_debtors_audit_history(client_for, viewer, camille):
    html = client_for(viewer).get(f"/debtors/{camille.pk}/").content.decode()
    assert "Debtor created" in html
    assert "Debtor edited" in html
    assert "Camille Martin → Camille Martin-Roux" in html
    assert "Contact point added" in html
    assert "max.manager@acme.test" in html


def test_it_answers_404_for_another_tenants_debtor(client_for, manager, other_tenant, tenant):
    with schema_context(other_tenant.schema_name):
        theirs = make_debtor(Actor.system("test"), "G-1", "Globex Customer")
    response = client_for(manager).get(f"/debtors/{theirs.pk}/")
    assert response.status_code == 404
    for url in [f"/debtors/{theirs.pk}/edit/", f"/debtors/{theirs.pk}/contacts/new/", f"/debts/new/for/{theirs.pk}/"]:
        assert client_for(manager).get(url).status_code == 404
