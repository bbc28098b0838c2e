"""C4: logging a call from a case. The call passes the contact gate first: refused (quiet hours in the US, an eighth
call in seven days), it says why and from when, and records nothing but the gate's answer. Allowed, it records the
attempt the caps count, the outcome, a dated note, the reason for non-payment, the follow-up, and the agreement: inside
the margins active at once, beyond them in the managers' approval queue until one approves it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.accounts.models import Role
from apps.arrangements.models import Arrangement, ArrangementStatus
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.casework.models import CallLog, Case, CaseKind, CaseStatus
from apps.contact.gate import contact_attempt_record
from apps.contact.models import CallOutcome, ContactAttempt, GateDecision, GateOutcome
from apps.debtors.models import ContactPoint, ReasonRecord, ReasonSource, Validity
from apps.debtors.services import contact_point_add
from apps.debts.models import DebtStatus
from apps.outbox.models import MessageStatus
from tests.casework.helpers import open_case, phone_task
from tests.conftest import make_user
from tests.factories import NOW, make_debt, make_debtor

pytestmark = pytest.mark.django_db

# NOW is a Friday, 11:00 in Paris: calls are allowed.
FOLLOW_UP = {"follow_up_date": "2026-11-24", "follow_up_time": "10:30"}  # a Tuesday, Paris time


def phone(debtor):
    return ContactPoint.objects.get(debtor=debtor, kind="phone")


def call(client, case, **fields):
    if "contact_point" not in fields:
        fields["contact_point"] = str(phone(case.debtor).pk)
    data = {"outcome": CallOutcome.CONVERSATION, **fields}
    return client.post(reverse("casework:call", kwargs={"case_id": case.pk}), data)


def nothing_recorded(case):
    assert not ContactAttempt.objects.exists()
    assert not CallLog.objects.exists()
    assert not ReasonRecord.objects.exists()
    assert not Arrangement.objects.exists()
    assert not AuditEvent.objects.for_object(case).filter(action="case.call_logged").exists()


@pytest.fixture
def case(debtor, debt):
    return open_case(debtor, "No option fits: invoice INV-1", debt=debt)


def test_it_logs_a_call_with_its_outcome_note_reason_and_follow_up(client_for, agent, case, debt):
    browser = client_for(agent)
    response = call(
        browser,
        case,
        note="Lost a client in October; can pay from December.",
        reason="cash_flow",
        **FOLLOW_UP,
    )

    assert response.status_code == 302
    log = CallLog.objects.get()
    attempt = log.contact_attempt
    assert (attempt.channel, attempt.call_outcome, attempt.debt, attempt.actor_label) == (
        "phone",
        CallOutcome.CONVERSATION,
        debt,
        agent.email,
    )
    assert (log.case, log.agent, log.number, log.outcome) == (case, agent, "+33612345678", CallOutcome.CONVERSATION)
    assert log.called_at == NOW
    assert log.note == "Lost a client in October; can pay from December."
    reason = ReasonRecord.objects.get()
    assert (reason.reason, reason.source, reason.debt) == ("cash_flow", ReasonSource.CALL, debt)
    assert log.reason_record == reason
    # The gate's answer is on record too.
    assert GateDecision.objects.get().outcome == GateOutcome.ALLOW
    # The case waits for the follow-up (Paris time), and the agent holds it.
    case.refresh_from_db()
    follow_up = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
    assert (case.reply_by, case.assigned_to) == (follow_up, agent)
    assert (log.follow_up_at, log.follow_up_case) == (follow_up, case)
    page = browser.get(reverse("casework:detail", kwargs={"case_id": case.pk})).content.decode()
    assert "Call logged: Conversation." in page
    assert "Follow-up scheduled for 2026-11-24 10:30 CET" in page
    assert "Conversation · +33612345678" in page
    assert "Lost a client in October; can pay from December." in page
    assert "Cash flow" in page


def test_the_call_page_shows_the_gate_before_the_agent_dials(client_for, agent, case):
    page = client_for(agent).get(reverse("casework:call", kwargs={"case_id": case.pk})).content.decode()
    assert "+33612345678" in page
    assert "Allowed now" in page
    assert not GateDecision.objects.exists()  # a preview records nothing


def test_an_eighth_call_in_seven_days_is_refused_and_records_nothing(client_for, agent, case, debt):
    for days_ago in (1, 1, 2, 3, 4, 5, 6):
        contact_attempt_record(
            debtor=case.debtor,
            debt=debt,
            channel="phone",
            occurred_at=NOW - dt.timedelta(days=days_ago),
            call_outcome=CallOutcome.NO_ANSWER,
            actor_label="earlier calls",
        )

    response = call(client_for(agent), case, note="Eighth try", reason="forgot", **FOLLOW_UP)

    assert response.status_code == 422
    page = response.content.decode()
    assert "The contact rules do not allow this call now: At most 7 calls about a debt in 7 days." in page
    # The cap frees up at Paris midnight, a Saturday; calls are allowed from 08:00.
    assert "It is allowed from 2026-11-21 08:00 CET." in page
    assert ContactAttempt.objects.count() == 7
    assert not CallLog.objects.exists()
    assert not ReasonRecord.objects.exists()
    case.refresh_from_db()
    assert (case.reply_by, case.assigned_to) == (NOW + dt.timedelta(days=2), None)
    decision = GateDecision.objects.get()
    assert (decision.outcome, decision.rule) == (GateOutcome.DEFER, "cap_calls")


@pytest.fixture
def us_case(other_tenant, tenant):
    """A Globex (US) debtor in New York with a number, a debt and an open case, and an agent of Globex."""
    with schema_context(other_tenant.schema_name):
        actor = Actor.system("test")
        agent = make_user(Role.AGENT, "gail.agent@globex.test")
        debtor = make_debtor(actor, "G-7", "Greg Gordon", timezone="America/New_York")
        contact_point_add(debtor=debtor, kind="phone", value="+12125550147", actor=actor)
        debt = make_debt(actor, debtor, "G-INV-7", 300_00, currency="USD", days_past_due=20)
        case = open_case(debtor, "No option fits: invoice G-INV-7", debt=debt)
        number = str(phone(debtor).pk)
    return other_tenant, agent, case, number


def test_a_call_after_nine_pm_for_a_us_debtor_is_refused_with_the_time_it_becomes_allowed(client_for, us_case):
    globex, agent, case, number = us_case
    # Friday 21:30 in New York.
    with time_machine.travel(dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC), tick=False):
        response = call(
            client_for(agent, on=globex),
            case,
            contact_point=number,
            note="Called late",
            reason="forgot",
            agreement="promise",
            agreement_debt=str(case.debt_id),
            pay_by="2026-11-30",
        )

    assert response.status_code == 422
    page = response.content.decode()
    assert "The contact rules do not allow this call now: Outside the debtor&#x27;s contact hours." in page
    assert "It is allowed from 2026-11-21 08:00 EST." in page
    with schema_context(globex.schema_name):
        nothing_recorded(case)
        case.refresh_from_db()
        assert case.debt.status == DebtStatus.OVERDUE
        assert GateDecision.objects.get().rule == "quiet_hours"


def test_a_wrong_number_is_flagged_and_a_contact_fix_case_opens(client_for, agent, case):
    call(client_for(agent), case, outcome=CallOutcome.WRONG_NUMBER, note="Someone else answered.")

    point = phone(case.debtor)
    assert point.validity == Validity.INVALID
    fix = Case.objects.get(kind=CaseKind.CONTACT_FIX)
    assert fix.data["contact_point"] == str(point.pk)
    assert CallLog.objects.get().outcome == CallOutcome.WRONG_NUMBER


def test_an_agreement_inside_the_margins_is_active_at_once(client_for, agent, case, debt):
    call(
        client_for(agent),
        case,
        note="Will pay on payday.",
        reason="cash_flow",
        agreement="promise",
        agreement_debt=str(debt.pk),
        pay_by="2026-12-10",
    )

    arrangement = Arrangement.objects.get()
    assert (arrangement.kind, arrangement.status, arrangement.created_by_label) == (
        "promise",
        ArrangementStatus.ACTIVE,
        agent.email,
    )
    assert CallLog.objects.get().arrangement == arrangement
    debt.refresh_from_db()
    assert debt.status == DebtStatus.PROMISED


def plan_beyond_the_margins(client, case, debt):
    return call(
        client,
        case,
        note="Can only pay a little each month.",
        reason="hardship",
        agreement="plan",
        agreement_debt=str(debt.pk),
        down_payment="0",
        frequency="monthly",
        instalment_count="24",
    )


def test_an_agreement_beyond_the_margins_waits_in_the_approval_queue_until_a_manager_approves_it(
    client_for, agent, manager, case, debt
):
    response = plan_beyond_the_margins(client_for(agent), case, debt)
    assert response.status_code == 302

    arrangement = Arrangement.objects.get()
    assert (arrangement.status, arrangement.created_by_label) == (ArrangementStatus.PENDING, agent.email)
    assert arrangement.case.kind == CaseKind.OUT_OF_MARGIN
    debt.refresh_from_db()
    assert debt.status == DebtStatus.ON_HOLD

    boss = client_for(manager)
    queue = boss.get(reverse("casework:approvals")).content.decode()
    assert "Payment plan: Camille Durand · INV-1" in queue
    assert "The plan has 24 instalments; we can agree at once to at most 12." in queue
    assert agent.email in queue
    approve = reverse("arrangements:approve", kwargs={"arrangement_id": arrangement.pk})
    assert approve in queue

    response = boss.post(approve, {"note": "Known customer.", "next": reverse("casework:approvals")}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("casework:approvals")
    assert "Nothing is waiting for approval." in response.content.decode()
    arrangement.refresh_from_db()
    debt.refresh_from_db()
    assert (arrangement.status, arrangement.decided_by_label) == (ArrangementStatus.ACTIVE, manager.email)
    assert debt.status == DebtStatus.IN_PLAN


def test_an_agent_can_neither_see_the_queue_nor_approve(client_for, agent, case, debt):
    browser = client_for(agent)
    plan_beyond_the_margins(browser, case, debt)
    arrangement = Arrangement.objects.get()

    assert browser.get(reverse("casework:approvals")).status_code == 403
    response = browser.post(reverse("arrangements:approve", kwargs={"arrangement_id": arrangement.pk}), {"note": ""})

    assert response.status_code == 403
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.PENDING
    assert "Approvals" not in browser.get("/cases/").content.decode()


def test_an_agreement_needs_a_conversation_and_nothing_is_recorded_without_one(client_for, agent, case, debt):
    response = call(
        client_for(agent),
        case,
        outcome=CallOutcome.VOICEMAIL,
        agreement="promise",
        agreement_debt=str(debt.pk),
        pay_by="2026-12-10",
    )

    assert response.status_code == 422
    assert "An agreement needs a conversation with the debtor" in response.content.decode()
    nothing_recorded(case)
    assert not GateDecision.objects.exists()  # bad input never reaches the gate


def test_a_reason_needs_a_conversation_too(client_for, agent, case):
    response = call(client_for(agent), case, outcome=CallOutcome.NO_ANSWER, reason="forgot")
    assert response.status_code == 422
    assert "A reason for non-payment is what the debtor said" in response.content.decode()
    nothing_recorded(case)


def test_it_asks_for_what_each_agreement_needs(client_for, agent, case, debt):
    response = call(client_for(agent), case, agreement="plan", agreement_debt=str(debt.pk), down_payment="abc")
    page = response.content.decode()
    assert response.status_code == 422
    assert "Choose how often the debtor pays." in page
    assert "Give the number of instalments." in page
    assert "“abc” is not a number." in page
    nothing_recorded(case)


def test_a_follow_up_outside_the_debtors_hours_is_refused(client_for, agent, case):
    response = call(client_for(agent), case, follow_up_date="2026-11-24", follow_up_time="22:30")
    assert response.status_code == 422
    assert "At that time the debtor may not be called" in response.content.decode()
    nothing_recorded(case)


def test_a_call_on_a_phone_step_does_the_task_and_hands_the_follow_up_to_a_follow_up_case(
    client_for, agent, debtor, debt, django_capture_on_commit_callbacks
):
    task = phone_task(debtor, django_capture_on_commit_callbacks)
    step = Case.objects.get(kind=CaseKind.PHONE_STEP)
    page = client_for(agent).get(reverse("casework:call", kwargs={"case_id": step.pk})).content.decode()
    assert "Ask whether a payment plan would help." in page  # the phone step's script

    call(client_for(agent), step, outcome=CallOutcome.NO_ANSWER, note="Rang out.", **FOLLOW_UP)

    task.refresh_from_db()
    step.refresh_from_db()
    assert task.status == MessageStatus.DELIVERED
    assert step.status == CaseStatus.RESOLVED
    log = CallLog.objects.get()
    assert log.message == task
    assert log.contact_attempt.message == task
    assert ContactAttempt.objects.count() == 1  # the task's attempt is the call's
    follow_up = log.follow_up_case
    assert (follow_up.kind, follow_up.status, follow_up.assigned_to, follow_up.debt) == (
        CaseKind.FOLLOW_UP,
        CaseStatus.OPEN,
        agent,
        debt,
    )
    assert follow_up.reply_by == dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def test_a_call_after_the_case_is_resolved_is_logged_on_it_and_its_follow_up_gets_a_case(client_for, agent, case, debt):
    browser = client_for(agent)
    browser.post(f"/cases/{case.pk}/resolve/", {"resolution": "Sorted by email."})

    response = call(browser, case, note="Confirmed the new plan by phone.", **FOLLOW_UP)

    assert response.status_code == 302
    page = browser.get(response.url).content.decode()
    assert "Call logged: Conversation." in page
    assert "The phone task is done" not in page
    log = CallLog.objects.get()
    assert log.case == case
    follow_up = log.follow_up_case
    assert (follow_up.kind, follow_up.status, follow_up.assigned_to, follow_up.debt) == (
        CaseKind.FOLLOW_UP,
        CaseStatus.OPEN,
        agent,
        debt,
    )
    assert follow_up.data == {"call": str(log.pk), "from_case": str(case.pk)}
    follow_up_page = browser.get(f"/cases/{follow_up.pk}/").content.decode()
    assert f'Follow-up of <a href="/cases/{case.pk}/">' in follow_up_page
    assert "Confirmed the new plan by phone." in follow_up_page
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_a_viewer_cannot_log_a_call(client_for, viewer, case):
    assert client_for(viewer).get(reverse("casework:call", kwargs={"case_id": case.pk})).status_code == 403
    assert call(client_for(viewer), case).status_code == 403
    nothing_recorded(case)
