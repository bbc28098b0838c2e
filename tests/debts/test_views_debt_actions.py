"""Managers post offline payments and adjustments, change a debt's status, add and edit debts; others cannot."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.debts.models import Debt, DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor
from tests.factories import make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def camille(actor):
    return make_debtor(actor, "C-100", "Camille Martin")


@pytest.fixture
def debt(actor, camille):
    return make_debt(actor, camille, "INV-1", 1_500_00, days_past_due=10)


def payment(amount: str, **extra: str) -> dict[str, str]:
    return {
        "payment-amount": amount,
        "payment-received_on": "2026-11-19",
        "payment-method": "cheque",
        "payment-reference": "",
        "payment-note": "",
    } | {f"payment-{k}": v for k, v in extra.items()}


def test_a_manager_records_an_offline_payment(client_for, manager, debt):
    response = client_for(manager).post(
        f"/debts/{debt.pk}/payments/", payment("1,234.50", reference="CHQ-42", note="Posted"), follow=True
    )
    assert response.redirect_chain == [(f"/debts/{debt.pk}/", 302)]
    assert "Payment recorded." in response.content.decode()
    entry = LedgerEntry.objects.get(debt=debt, kind=EntryKind.PAYMENT)
    assert entry.amount_minor == -1_234_50
    assert entry.reference == "CHQ-42"
    assert entry.method == "cheque"
    assert str(entry.occurred_on) == "2026-11-19"
    assert debt_balance_minor(debt) == 265_50
    assert AuditEvent.objects.filter(action="debt.payment_recorded", object_id=str(debt.pk)).exists()


def test_a_french_manager_types_amounts_with_a_decimal_comma(client_for, manager, debt):
    client = client_for(manager)
    client.cookies["django_language"] = "fr"
    client.post(f"/debts/{debt.pk}/payments/", payment("1 234,50"))
    assert debt_balance_minor(debt) == 265_50


def test_paying_in_full_marks_the_debt_paid(client_for, manager, debt):
    client_for(manager).post(f"/debts/{debt.pk}/payments/", payment("1500"))
    debt.refresh_from_db()
    assert debt.status == DebtStatus.PAID


def test_an_overpayment_is_refused_with_the_balance_and_changes_nothing(client_for, manager, debt):
    response = client_for(manager).post(f"/debts/{debt.pk}/payments/", payment("1500.01"))
    assert response.status_code == 422
    assert response.context["payment_form"].errors["amount"] == [
        "The payment (€1,500.01) is more than the balance (€1,500.00)."
    ]
    assert "is more than the balance" in response.content.decode()
    assert debt_balance_minor(debt) == 1_500_00


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": "12.345"}, "amount", "12.345 has more decimals than EUR allows (2)."),
        ({"amount": "douze"}, "amount", "“douze” is not a number."),
        ({"amount": "0"}, "amount", "The payment must be more than zero."),
        ({"received_on": "2026-12-01"}, "received_on", "The payment date is in the future."),
        ({"method": "bitcoin"}, "method", "Select a valid choice. bitcoin is not one of the available choices."),
    ],
)
def test_bad_payments_are_refused_on_their_field(client_for, manager, debt, fields, field, message):
    data = payment(fields.pop("amount", "10")) | {f"payment-{k}": v for k, v in fields.items()}
    response = client_for(manager).post(f"/debts/{debt.pk}/payments/", data)
    assert response.status_code == 422
    assert response.context["payment_form"].errors[field] == [message]
    assert debt_balance_minor(debt) == 1_500_00


def test_a_manager_adjusts_the_amount_owed(client_for, manager, debt):
    response = client_for(manager).post(
        f"/debts/{debt.pk}/adjustments/", {"adjust-amount": "-100", "adjust-reason": "Returned one item"}, follow=True
    )
    assert "Adjustment recorded." in response.content.decode()
    assert debt_balance_minor(debt) == 1_400_00
    entry = LedgerEntry.objects.get(debt=debt, kind=EntryKind.ADJUSTMENT)
    assert entry.description == "Returned one item"


def test_an_adjustment_that_would_close_the_debt_is_refused(client_for, manager, debt):
    response = client_for(manager).post(
        f"/debts/{debt.pk}/adjustments/", {"adjust-amount": "-1500", "adjust-reason": "Oops"}
    )
    assert response.status_code == 422
    assert response.context["adjust_form"].errors["amount"] == [
        "This adjustment would leave a balance of €0.00. To close the debt, cancel or write it off."
    ]
    assert debt_balance_minor(debt) == 1_500_00


def test_an_adjustment_needs_a_reason(client_for, manager, debt):
    response = client_for(manager).post(f"/debts/{debt.pk}/adjustments/", {"adjust-amount": "5", "adjust-reason": ""})
    assert response.context["adjust_form"].errors["reason"] == ["This field is required."]


def test_a_manager_disputes_and_resumes_a_debt(client_for, manager, debt):
    client = client_for(manager)
    response = client.post(f"/debts/{debt.pk}/actions/dispute/", {"dispute-reason": "Goods damaged"}, follow=True)
    assert "Debt INV-1 is now Disputed." in response.content.decode()
    debt.refresh_from_db()
    assert debt.status == DebtStatus.DISPUTED
    event = AuditEvent.objects.get(action="debt.dispute", object_id=str(debt.pk))
    assert event.reason == "Goods damaged"
    offered = [n for n, _l, _f in client.get(f"/debts/{debt.pk}/").context["transition_forms"]]
    assert "resume" in offered
    assert "dispute" not in offered
    client.post(f"/debts/{debt.pk}/actions/resume/", {"resume-reason": ""})
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE


def test_a_transition_that_needs_a_reason_refuses_none(client_for, manager, debt):
    response = client_for(manager).post(f"/debts/{debt.pk}/actions/hold/", {"hold-reason": ""})
    assert response.status_code == 422
    forms = {name: form for name, _label, form in response.context["transition_forms"]}
    assert forms["hold"].errors["reason"] == ["This field is required."]
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE


def test_an_illegal_transition_is_refused_with_a_clear_message(client_for, manager, debt):
    client = client_for(manager)
    client.post(f"/debts/{debt.pk}/actions/cancel/", {"cancel-reason": "Invoiced in error"})
    response = client.post(f"/debts/{debt.pk}/actions/dispute/", {"dispute-reason": "late"}, follow=True)
    assert "“Dispute” is not available for debt INV-1 while it is Cancelled." in response.content.decode()
    debt.refresh_from_db()
    assert debt.status == DebtStatus.CANCELLED


def test_transitions_not_offered_by_hand_are_not_found(client_for, manager, debt):
    client = client_for(manager)
    # Escalation and write-off go through the escalations panel (C5), with the cost comparison beside them.
    for name in ["mark_paid", "mark_overdue", "promise", "reopen", "escalate", "write_off", "nonsense"]:
        assert client.post(f"/debts/{debt.pk}/actions/{name}/", {f"{name}-reason": "x"}).status_code == 404


def test_a_partly_paid_debt_can_be_settled(client_for, manager, debt):
    client = client_for(manager)
    client.post(f"/debts/{debt.pk}/payments/", payment("1200"))
    client.post(f"/debts/{debt.pk}/actions/settle/", {"settle-reason": "Agreed 80% in full settlement"})
    debt.refresh_from_db()
    assert debt.status == DebtStatus.SETTLED
    assert debt_balance_minor(debt) == 0
    assert LedgerEntry.objects.get(debt=debt, kind=EntryKind.DISCOUNT).amount_minor == -300_00


def test_a_manager_adds_a_debt_in_the_tenant_currency_by_default(client_for, manager, camille):
    client = client_for(manager)
    form = client.get(f"/debts/new/for/{camille.pk}/").context["form"]
    assert form["currency"].value() == "EUR"
    response = client.post(
        f"/debts/new/for/{camille.pk}/",
        {
            "external_ref": "INV-77",
            "amount": "99.90",
            "currency": "EUR",
            "issue_date": "2026-11-01",
            "due_date": "2026-12-01",
            "description": "Boiler service",
        },
        follow=True,
    )
    debt = Debt.objects.get(external_ref="INV-77")
    assert response.redirect_chain == [(f"/debts/{debt.pk}/", 302)]
    assert "Debt INV-77 added." in response.content.decode()
    assert debt.debtor == camille
    assert debt_balance_minor(debt) == 99_90
    assert debt.status == DebtStatus.OPEN


def test_a_debt_due_before_its_issue_date_is_refused(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debts/new/for/{camille.pk}/",
        {
            "external_ref": "INV-78",
            "amount": "10",
            "currency": "EUR",
            "issue_date": "2026-11-01",
            "due_date": "2026-10-01",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["due_date"] == ["The due date is before the issue date."]
    assert not Debt.objects.filter(external_ref="INV-78").exists()


def test_an_unknown_currency_is_refused(client_for, manager, camille):
    response = client_for(manager).post(
        f"/debts/new/for/{camille.pk}/",
        {
            "external_ref": "INV-79",
            "amount": "10",
            "currency": "XXY",
            "issue_date": "2026-11-01",
            "due_date": "2026-12-01",
        },
    )
    assert response.context["form"].errors["currency"] == ["“XXY” is not a currency code."]


def test_a_debt_in_another_currency_keeps_its_own_decimals(client_for, manager, camille):
    client_for(manager).post(
        f"/debts/new/for/{camille.pk}/",
        {
            "external_ref": "JP-1",
            "amount": "5000",
            "currency": "JPY",
            "issue_date": "2026-11-01",
            "due_date": "2026-12-01",
        },
    )
    assert Debt.objects.get(external_ref="JP-1").original_amount_minor == 5000


def test_a_manager_edits_a_debts_description_and_dates(client_for, manager, debt):
    client = client_for(manager)
    assert client.get(f"/debts/{debt.pk}/edit/").status_code == 200
    response = client.post(
        f"/debts/{debt.pk}/edit/",
        {"description": "Kitchen tiles", "issue_date": str(debt.issue_date), "due_date": "2026-11-30"},
    )
    assert response.status_code == 302
    debt.refresh_from_db()
    assert debt.description == "Kitchen tiles"
    assert str(debt.due_date) == "2026-11-30"
    event = AuditEvent.objects.get(action="debt.updated", object_id=str(debt.pk))
    assert event.after == {"description": "Kitchen tiles", "due_date": "2026-11-30"}


def test_editing_the_due_date_before_the_issue_date_is_refused(client_for, manager, debt):
    response = client_for(manager).post(
        f"/debts/{debt.pk}/edit/", {"description": "", "issue_date": "2026-11-01", "due_date": "2026-10-01"}
    )
    assert response.context["form"].errors["due_date"] == ["The due date is before the issue date."]


@pytest.mark.parametrize("persona", ["viewer", "agent"])
def test_viewers_and_agents_get_403_on_every_debt_write(client_for, request, debt, camille, persona):
    client = client_for(request.getfixturevalue(persona))
    posts = {
        f"/debts/{debt.pk}/payments/": payment("10"),
        f"/debts/{debt.pk}/adjustments/": {"adjust-amount": "5", "adjust-reason": "x"},
        f"/debts/{debt.pk}/actions/dispute/": {"dispute-reason": "x"},
        f"/debts/{debt.pk}/edit/": {"description": "x", "issue_date": "2026-10-01", "due_date": "2026-11-01"},
        f"/debts/new/for/{camille.pk}/": {"external_ref": "X", "amount": "1", "currency": "EUR"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    for url in [f"/debts/{debt.pk}/edit/", f"/debts/new/for/{camille.pk}/"]:
        assert client.get(url).status_code == 403, url
    assert debt_balance_minor(debt) == 1_500_00
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE


def test_action_urls_take_posts_only(client_for, manager, debt):
    client = client_for(manager)
    assert client.get(f"/debts/{debt.pk}/payments/").status_code == 405
    assert client.get(f"/debts/{debt.pk}/actions/dispute/").status_code == 405
