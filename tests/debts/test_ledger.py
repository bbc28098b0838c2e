"""A debt's balance is its ledger sum; payments, adjustments and transitions are named, audited services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, transaction

from apps.audit.models import AuditEvent
from apps.core.errors import DomainError, IllegalTransition
from apps.debtors.services import debtor_create
from apps.debts.models import Debt, DebtStatus, EntryKind, LedgerEntry
from apps.debts.services import (
    debt_adjust,
    debt_balance_minor,
    debt_create,
    debt_dispute,
    debt_payment_record,
    debt_resume,
    debt_write_off,
    debts_mark_overdue,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def debt(actor):
    debtor = debtor_create(external_ref="C-1", name="Camille Martin", actor=actor)
    return debt_create(
        debtor=debtor,
        external_ref="INV-1",
        amount_minor=120_00,
        currency="EUR",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        actor=actor,
    )


def test_it_derives_the_balance_from_the_ledger(debt, actor):
    debt_payment_record(debt=debt, amount_minor=20_00, received_on=dt.date(2026, 11, 1), method="transfer", actor=actor)
    debt_adjust(debt=debt, amount_minor=-5_50, reason="Goodwill", actor=actor)
    assert debt_balance_minor(debt) == 94_50
    assert Debt.objects.with_balance().get(pk=debt.pk).balance_minor == 94_50


def test_it_marks_a_debt_paid_when_the_balance_reaches_zero(debt, actor):
    debt_payment_record(debt=debt, amount_minor=120_00, received_on=dt.date(2026, 11, 1), method="cheque", actor=actor)
    debt.refresh_from_db()
    assert debt.status == DebtStatus.PAID
    assert AuditEvent.objects.filter(action="debt.mark_paid", object_id=str(debt.pk)).exists()


def test_it_refuses_an_overpayment_and_changes_nothing(debt, actor):
    with pytest.raises(DomainError, match="more than the balance"):
        debt_payment_record(
            debt=debt, amount_minor=120_01, received_on=dt.date(2026, 11, 1), method="cash", actor=actor
        )
    assert debt_balance_minor(debt) == 120_00


def test_a_retried_payment_with_the_same_reference_is_recorded_once(debt, actor):
    for _ in range(2):
        debt_payment_record(
            debt=debt,
            amount_minor=10_00,
            received_on=dt.date(2026, 11, 1),
            method="cheque",
            reference="CHQ-7",
            actor=actor,
        )
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1


def test_it_refuses_an_illegal_transition_with_a_clear_message(debt, actor):
    debt_write_off(debt=debt, reason="Debtor deceased", actor=actor)
    with pytest.raises(IllegalTransition, match="Cannot dispute debt INV-1: it is Written off"):
        debt_dispute(debt=debt, reason="late dispute", actor=actor)


def test_resume_returns_to_overdue_after_the_due_date(debt, actor):
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)):
        debt_dispute(debt=debt, reason="Goods damaged", actor=actor)
        debt_resume(debt=debt, actor=actor)
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE


def test_ledger_rows_cannot_be_changed_in_the_database(debt):
    entry = LedgerEntry.objects.get(debt=debt)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_minor=1)


def test_fees_need_a_legal_basis(debt):
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.create(
            debt=debt,
            kind=EntryKind.FEE,
            amount_minor=2_95,
            currency="EUR",
            occurred_on=dt.date(2026, 11, 1),
            created_by_label="x",
        )


def test_daily_update_marks_past_due_debts_overdue(actor):
    debtor = debtor_create(external_ref="C-2", name="Zoé", actor=actor)
    with time_machine.travel(dt.datetime(2026, 9, 5, 12, tzinfo=dt.UTC)):
        d = debt_create(
            debtor=debtor,
            external_ref="INV-2",
            amount_minor=1,
            currency="EUR",
            issue_date=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 9, 30),
            actor=actor,
        )
    assert d.status == DebtStatus.OPEN
    assert debts_mark_overdue(today=dt.date(2026, 10, 1)) == 1
    d.refresh_from_db()
    assert d.status == DebtStatus.OVERDUE


def test_moving_the_due_date_moves_the_debt_between_open_and_overdue(debt, actor):
    from apps.debts.services import debt_update

    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)):
        debt.refresh_from_db()
        assert debt.status == DebtStatus.OVERDUE
        debt_update(debt=debt, due_date=dt.date(2026, 12, 15), actor=actor)
        debt.refresh_from_db()
        assert debt.status == DebtStatus.OPEN
        debt_update(debt=debt, due_date=dt.date(2026, 11, 1), actor=actor)
        debt.refresh_from_db()
        assert debt.status == DebtStatus.OVERDUE


def test_an_unknown_currency_is_a_clear_domain_error(actor):
    debtor = debtor_create(external_ref="C-3", name="Ola", actor=actor)
    with pytest.raises(DomainError, match="not an ISO 4217 currency"):
        debt_create(
            debtor=debtor,
            external_ref="INV-3",
            amount_minor=100,
            currency="XYZ",
            issue_date=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 9, 30),
            actor=actor,
        )
