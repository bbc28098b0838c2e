"""After the request: a person approves or declines; instalments are paid (by card, by hand, or seen in the ledger)
or missed; the daily check breaks plans and promises, expires settlements and unanswered requests, and is safe to
run again."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from apps.arrangements.services import (
    arrangement_approve,
    arrangement_decline,
    arrangement_request,
    arrangements_check,
    instalment_paid,
    instalment_payment_failed,
    instalment_record_payment,
)
from apps.arrangements.tasks import arrangements_check_all_tenants, arrangements_check_for_tenant
from apps.audit.models import AuditEvent
from apps.casework.help import hardship_request
from apps.casework.models import Case, CaseKind
from apps.casework.services import case_resolve
from apps.core.errors import DomainError
from apps.debts.models import EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor, debt_dispute, debt_resume
from apps.engine.models import ScheduleBreak
from apps.portal.access import portal_actor
from apps.tenants.models import Tenant
from tests.arrangements.conftest import days, pay
from tests.factories import NOW, TODAY

pytestmark = pytest.mark.django_db


def plan(debt, debtor, **overrides):
    kwargs = {"down_payment_minor": 100_00, "instalment_count": 3, "frequency": "monthly", **overrides}
    return arrangement_request(debt=debt, kind="plan", actor=portal_actor(debtor), **kwargs)


def outside_plan(debt, debtor):
    return plan(debt, debtor, instalment_count=12)


def reload(obj):
    obj.refresh_from_db()
    return obj


# A person decides -------------------------------------------------------------------------------------------------


def test_it_makes_an_approved_request_active_from_the_day_of_approval(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    with time_machine.travel(NOW + days(2), tick=False):
        approved = arrangement_approve(arrangement=arrangement, note="Regular customer", actor=actor)
    assert approved.status == "active"
    assert (approved.decided_by_label, approved.decision_note) == (actor.label, "Regular customer")
    assert reload(debt).status == "in_plan"
    case = reload(arrangement.case)
    assert (case.status, case.resolution) == ("resolved", "Regular customer")
    instalments = list(approved.instalments.order_by("number"))
    assert instalments[0].due_on == TODAY + days(2)  # "first payment today" is the day it was agreed
    assert instalments[1].due_on.day == (TODAY + days(2)).day
    assert sum(i.amount_minor for i in instalments) == 1000_00
    assert AuditEvent.objects.filter(object_id=str(arrangement.pk), action="arrangement.approved").exists()


def test_it_leaves_everything_as_it_was_when_a_request_is_declined(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    assert reload(debt).status == "on_hold"
    declined = arrangement_decline(arrangement=arrangement, reason="Too long for this amount", actor=actor)
    assert declined.status == "declined"
    assert reload(debt).status == "overdue"  # the pause this request made is over
    assert reload(arrangement.case).status == "resolved"
    assert debt_balance_minor(debt) == 1000_00
    with pytest.raises(DomainError, match="no longer waiting"):
        arrangement_approve(arrangement=arrangement, actor=actor)


def test_it_keeps_a_debt_on_hold_that_another_case_still_holds_when_declining(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    hardship_request(debtor=debtor, details="I lost my job", uploads=[], actor=portal_actor(debtor))
    arrangement_decline(arrangement=arrangement, reason="Let the hardship case decide", actor=actor)
    assert reload(debt).status == "on_hold"


def test_it_asks_for_a_reason_to_decline(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    with pytest.raises(DomainError) as refused:
        arrangement_decline(arrangement=arrangement, reason="  ", actor=actor)
    assert refused.value.field == "reason"
    assert reload(arrangement).status == "pending"


def test_it_refuses_to_approve_when_the_balance_changed_or_the_debt_is_disputed(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    LedgerEntry.objects.create(
        debt=debt,
        kind=EntryKind.INTEREST,
        amount_minor=5_00,
        currency="EUR",
        occurred_on=TODAY,
        legal_basis="Contract §4",
        created_by_label="test",
    )
    with pytest.raises(DomainError, match="balance changed"):
        arrangement_approve(arrangement=arrangement, actor=actor)
    other = make_pending_promise(debtor, actor)
    debt_dispute(debt=other.debt, actor=actor, reason="Wrong amount")
    with pytest.raises(DomainError, match="disputed"):
        arrangement_approve(arrangement=other, actor=actor)
    assert reload(other).status == "pending"


def make_pending_promise(debtor, actor):
    from tests.factories import make_debt

    debt = make_debt(actor, debtor, "INV-2", 200_00, days_past_due=20)
    return arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(60), actor=portal_actor(debtor))


# Payments ---------------------------------------------------------------------------------------------------------


def test_it_marks_an_instalment_paid_only_once_its_money_is_in_the_ledger(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    down = arrangement.instalments.get(number=0)
    with pytest.raises(DomainError, match="not covered"):
        instalment_paid(instalment=down, actor=actor)
    pay(debt, 100_00, actor, reference="card-1")
    assert instalment_paid(instalment=down, actor=actor).status == "paid"
    assert instalment_paid(instalment=down, actor=actor).status == "paid"  # a retry changes nothing
    assert AuditEvent.objects.filter(action="arrangement.instalment_paid").count() == 1
    assert reload(arrangement).status == "active"


def test_it_completes_a_plan_when_the_last_instalment_is_paid(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    for instalment in arrangement.instalments.order_by("number"):
        pay(debt, instalment.amount_minor, actor)
        instalment_paid(instalment=instalment, actor=actor)
    assert reload(arrangement).status == "completed"
    assert reload(debt).status == "paid"


def test_it_settles_the_debt_with_a_discount_when_the_settlement_is_paid(debt, debtor, actor):
    arrangement = arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))
    pay(debt, 800_00, actor, reference="pi_123")
    instalment_paid(instalment=arrangement.instalments.get(), actor=actor)
    assert reload(arrangement).status == "completed"
    assert reload(debt).status == "settled"
    discount = LedgerEntry.objects.get(debt=debt, kind=EntryKind.DISCOUNT)
    assert discount.amount_minor == -200_00
    assert debt_balance_minor(debt) == 0


def test_it_records_an_offline_instalment_payment_once(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    down = arrangement.instalments.get(number=0)
    for _ in range(2):
        instalment_record_payment(instalment=down, method="transfer", received_on=TODAY, actor=actor)
    assert LedgerEntry.objects.filter(debt=debt, kind=EntryKind.PAYMENT).count() == 1
    assert reload(down).status == "paid"
    assert debt_balance_minor(debt) == 900_00


def test_it_breaks_a_plan_whose_autopay_failed_and_puts_the_debt_back_in_the_schedule(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    down = arrangement.instalments.get(number=0)
    instalment_payment_failed(instalment=down, reason="Card declined: insufficient funds", actor=actor)
    assert reload(down).status == "missed"
    assert reload(arrangement).status == "broken"
    assert reload(debt).status == "overdue"
    brk = ScheduleBreak.objects.get(debt=debt)
    assert (brk.kind, brk.broken_on) == ("missed_instalment", TODAY)
    case = Case.objects.get(kind=CaseKind.MISSED_INSTALMENT)
    assert case.debt_id == debt.pk
    assert case.data["missed"][0]["number"] == 0
    # Called again (a second webhook): nothing more happens.
    instalment_payment_failed(instalment=down, reason="Card declined", actor=actor)
    assert ScheduleBreak.objects.filter(debt=debt).count() == 1
    assert Case.objects.filter(kind=CaseKind.MISSED_INSTALMENT).count() == 1


def test_it_does_not_break_a_plan_when_the_failed_instalment_was_paid_another_way(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    pay(debt, 100_00, actor)  # a transfer arrived meanwhile
    down = arrangement.instalments.get(number=0)
    assert instalment_payment_failed(instalment=down, reason="Card expired", actor=actor).status == "paid"
    assert reload(arrangement).status == "active"


def test_it_marks_a_late_payment_paid_without_reviving_a_broken_plan(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    down = arrangement.instalments.get(number=0)
    instalment_payment_failed(instalment=down, reason="Card declined", actor=actor)
    pay(debt, 100_00, actor)
    assert instalment_paid(instalment=down, actor=actor).status == "paid"
    assert reload(arrangement).status == "broken"


# The daily check --------------------------------------------------------------------------------------------------


def run_on(day_offset: int):
    with time_machine.travel(NOW + days(day_offset), tick=False):
        return arrangements_check()


def test_it_breaks_a_plan_when_an_instalment_is_still_unpaid_three_days_after_its_date(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    assert run_on(2).broken == 0
    assert reload(arrangement).status == "active"
    report = run_on(3)
    assert (report.checked, report.broken) == (1, 1)
    assert reload(arrangement).status == "broken"
    assert reload(debt).status == "overdue"
    assert ScheduleBreak.objects.get(debt=debt).kind == "missed_instalment"
    again = run_on(3)
    assert (again.checked, again.broken) == (0, 0)
    assert ScheduleBreak.objects.filter(debt=debt).count() == 1


def test_it_counts_a_payment_recorded_on_the_debt_towards_the_plan(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    pay(debt, 100_00, actor)  # recorded on the debt page, not against the instalment
    report = run_on(5)
    assert (report.paid, report.broken) == (1, 0)
    assert reload(arrangement.instalments.get(number=0)).status == "paid"
    assert reload(arrangement).status == "active"


def test_it_breaks_a_promise_when_its_date_passes_with_a_balance_left(debt, debtor, actor):
    arrangement = arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(10), actor=portal_actor(debtor))
    pay(debt, 400_00, actor)  # part of it only
    assert run_on(12).broken == 0
    assert run_on(13).broken == 1
    assert reload(arrangement).status == "broken"
    assert reload(debt).status == "overdue"
    assert ScheduleBreak.objects.get(debt=debt).kind == "broken_promise"
    assert Case.objects.filter(kind=CaseKind.BROKEN_PROMISE, debt=debt).count() == 1


def test_it_completes_a_promise_kept_by_paying_in_full(debt, debtor, actor):
    arrangement = arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(10), actor=portal_actor(debtor))
    pay(debt, 1000_00, actor)
    assert run_on(1).completed == 1
    assert reload(arrangement).status == "completed"
    assert reload(debt).status == "paid"


def test_it_expires_an_unpaid_settlement_and_leaves_the_debt_alone(debt, debtor, actor):
    arrangement = arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))
    assert run_on(16).expired == 0
    assert run_on(17).expired == 1
    assert reload(arrangement).status == "expired"
    assert reload(debt).status == "overdue"
    assert not ScheduleBreak.objects.exists()
    assert not LedgerEntry.objects.filter(debt=debt, kind=EntryKind.DISCOUNT).exists()


def test_it_settles_when_the_settlement_money_came_in_by_transfer(debt, debtor, actor):
    arrangement = arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))
    pay(debt, 800_00, actor)
    report = run_on(1)
    assert (report.paid, report.completed) == (1, 1)
    assert reload(arrangement).status == "completed"
    assert reload(debt).status == "settled"


def test_it_waits_while_a_person_has_paused_the_debt(debt, debtor, actor):
    arrangement = plan(debt, debtor)
    debt_dispute(debt=debt, actor=actor, reason="The goods were damaged")
    assert run_on(10).broken == 0
    assert reload(arrangement).status == "active"
    assert reload(debt).status == "disputed"


def test_it_expires_requests_nobody_answered_and_resumes_their_collection(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    assert run_on(14).expired == 0
    assert run_on(15).expired == 1
    assert reload(arrangement).status == "expired"
    assert reload(debt).status == "overdue"
    assert reload(arrangement.case).status == "resolved"


def test_it_cancels_a_request_whose_case_was_closed_without_a_decision(debt, debtor, actor):
    arrangement = outside_plan(debt, debtor)
    case_resolve(case=arrangement.case, resolution="Called the debtor, agreed to wait", actor=actor)
    assert run_on(0).cancelled == 1
    assert reload(arrangement).status == "cancelled"


def test_it_closes_arrangements_of_debts_closed_by_other_means(debt, debtor, actor):
    from apps.debts.services import debt_write_off

    arrangement = plan(debt, debtor)
    debt_resume(debt=debt, actor=actor, reason="test")
    debt_write_off(debt=debt, actor=actor, reason="Insolvency")
    assert run_on(0).cancelled == 1
    assert reload(arrangement).status == "cancelled"


def test_it_runs_the_check_in_every_active_tenant_s_schema(debt, debtor, tenant, other_tenant):
    arrangement = plan(debt, debtor)
    Tenant.objects.filter(pk=other_tenant.pk).update(status="suspended")
    connection.set_schema_to_public()
    with time_machine.travel(NOW + days(5), tick=False):
        sent = arrangements_check_all_tenants()
    assert tenant.schema_name in sent
    assert other_tenant.schema_name not in sent
    connection.set_tenant(tenant)
    assert reload(arrangement).status == "broken"
    with time_machine.travel(NOW + days(5), tick=False):
        assert arrangements_check_for_tenant()["checked"] == 0  # a second delivery finds nothing to do
