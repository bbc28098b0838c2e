"""E5: promised / in plan / disputed / on hold debts produce nothing; resuming continues where the schedule stopped;
a broken promise has its own step."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.audit.services import Actor
from apps.debts.services import debt_dispute, debt_hold, debt_promise, debt_resume, debt_start_plan
from apps.engine.due import due_steps
from apps.engine.models import StepDone
from apps.engine.services import debt_promise_broken
from apps.policies.models import PolicyVersion, Step, StepKind
from tests.engine.test_due_steps import mark_done
from tests.factories import NOW, TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.mark.parametrize("pause", [debt_promise, debt_start_plan, debt_dispute, debt_hold])
def test_it_sends_nothing_for_a_paused_debt(actor: Actor, live_version: PolicyVersion, pause: object) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    debt = make_debt(actor, ana, "INV-1", 100_00, days_past_due=8)
    pause(debt=debt, actor=actor, reason="Paused by the test")  # type: ignore[operator]
    assert due_steps(today=TODAY).messages == []
    assert due_steps(today=TODAY + days(40)).messages == []


def test_it_continues_the_schedule_where_it_stopped_after_a_resume(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    debt = make_debt(actor, ana, "INV-1", 100_00, days_past_due=1)
    mark_done(TODAY)  # the +1 email went out
    debt_dispute(debt=debt, actor=actor, reason="Amount is wrong")
    with time_machine.travel(NOW + days(20), tick=False):
        debt_resume(debt=debt, actor=actor, reason="Amount confirmed")
    # Paused 20 days: the +7 SMS comes 20 days later than it would have, and nothing is skipped.
    assert due_steps(today=TODAY + days(25)).messages == []
    [message] = due_steps(today=TODAY + days(26)).messages
    assert (message.offset_days, message.channel) == (7, "sms")


def test_it_gives_a_broken_promise_its_own_step(actor: Actor, live_version: PolicyVersion) -> None:
    Step.objects.create(
        version=live_version,
        position=10,
        kind=StepKind.BROKEN_PROMISE,
        offset_days=1,
        channel="email",
        template_key="engine-broken-promise",
        stage="firm",
    )
    ana = make_debtor(actor, "D-1", "Ana")
    debt = make_debt(actor, ana, "INV-1", 100_00, days_past_due=1)
    mark_done(TODAY)
    debt_promise(debt=debt, actor=actor, reason="Will pay on the 25th")
    with time_machine.travel(NOW + days(6), tick=False):
        debt_promise_broken(debt=debt, actor=actor, reason="Nothing arrived on the 25th")
    assert due_steps(today=TODAY + days(6)).messages == []  # the reaction comes a day after the miss
    [message] = due_steps(today=TODAY + days(7)).messages
    assert (message.kind, message.template_key) == (StepKind.BROKEN_PROMISE, "engine-broken-promise")
    mark_done(TODAY + days(7))
    assert StepDone.objects.filter(debt=debt, kind=StepKind.BROKEN_PROMISE).count() == 1
    # The reaction is due once; the schedule then continues (paused 6 days: +7 falls on day 1 + 6 + 6).
    assert due_steps(today=TODAY + days(8)).messages == []
    [message] = due_steps(today=TODAY + days(12)).messages
    assert (message.kind, message.offset_days) == (StepKind.SCHEDULE, 7)
