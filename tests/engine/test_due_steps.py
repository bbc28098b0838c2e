"""The set-based due-step query: which debtor gets which step on a day, once, at the highest due step."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.audit.services import Actor
from apps.debtors.services import contact_point_add
from apps.debts.services import debt_dispute, debt_payment_record
from apps.engine.due import due_steps
from apps.engine.models import CollectionRun, StepDone, StepOutcome
from apps.policies.models import PolicyVersion, Step
from tests.engine.conftest import policy_make
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def mark_done(day: dt.date) -> None:
    """Remember every due step of `day` as acted on, as the run does."""
    run = CollectionRun.objects.create(run_date=day)
    StepDone.objects.bulk_create(
        StepDone(
            debt_id=d.debt_id,
            run=run,
            step_id=d.step_id,
            kind=d.kind,
            offset_days=d.offset_days,
            schedule_break_id=d.schedule_break_id,
            outcome=StepOutcome.QUEUED,
        )
        for m in due_steps(today=day).messages
        for d in m.done
    )


def test_it_picks_the_highest_reached_step_per_debt(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=8)
    due = due_steps(today=TODAY)
    assert due.debts_considered == 1
    [message] = due.messages
    assert (message.offset_days, message.channel, message.template_key) == (7, "sms", "engine-nudge")


def test_it_sends_one_message_per_debtor_at_the_highest_stage_covering_all_due_debts(
    actor: Actor, live_version: PolicyVersion
) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    early = make_debt(actor, ana, "INV-1", 100_00, days_past_due=2)
    late = make_debt(actor, ana, "INV-2", 50_00, days_past_due=31)
    make_debt(actor, ana, "INV-3", 70_00, days_past_due=-10)  # not due yet: no step reached
    [message] = due_steps(today=TODAY).messages
    assert (message.stage, message.template_key) == ("firm", "engine-letter")
    assert set(message.debt_ids) == {early.id, late.id}
    assert {(d.debt_id, d.offset_days) for d in message.done} == {(early.id, 1), (late.id, 30)}


def test_it_makes_a_step_due_only_once(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=1)
    mark_done(TODAY)
    assert due_steps(today=TODAY).messages == []
    assert due_steps(today=TODAY + dt.timedelta(days=5)).messages == []
    [message] = due_steps(today=TODAY + dt.timedelta(days=6)).messages
    assert message.offset_days == 7


def test_it_skips_paid_paused_and_closed_debts(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    paid = make_debt(actor, ana, "INV-1", 100_00, days_past_due=8)
    debt_payment_record(debt=paid, amount_minor=100_00, method="transfer", received_on=TODAY, actor=actor)
    disputed = make_debt(actor, ana, "INV-2", 100_00, days_past_due=8)
    debt_dispute(debt=disputed, actor=actor, reason="Never received the goods")
    due = due_steps(today=TODAY)
    assert due.messages == []
    assert due.debts_considered == 0


def test_it_honours_step_conditions(actor: Actor, tenant: object) -> None:
    version = policy_make([(1, "email", "engine-overdue", "friendly"), (7, "sms", "engine-nudge", "friendly")])
    Step.objects.filter(version=version, offset_days=7).update(min_balance_minor=500_00, segments=["at_risk"])
    small = make_debtor(actor, "D-1", "Small")
    make_debt(actor, small, "INV-1", 100_00, days_past_due=8)
    [message] = due_steps(today=TODAY).messages
    assert message.offset_days == 1


def test_it_chooses_the_policy_by_segment_then_priority(actor: Actor, live_version: PolicyVersion) -> None:
    risky = policy_make([(1, "letter", "engine-risky", "firm")], name="At risk", segments=["at_risk"])
    risky.policy.priority = 0
    risky.policy.save()
    ana = make_debtor(actor, "D-1", "Ana")
    bob = make_debtor(actor, "D-2", "Bob")
    bob.segment = "at_risk"
    bob.save()
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=2)
    make_debt(actor, bob, "INV-2", 100_00, days_past_due=2)
    keys = {m.debtor_id: m.template_key for m in due_steps(today=TODAY).messages}
    assert keys == {ana.id: "engine-overdue", bob.id: "engine-risky"}


def test_it_returns_the_primary_usable_contact_point_of_the_channel(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    contact_point_add(debtor=ana, kind="email", value="old@example.com", actor=actor)
    primary = contact_point_add(debtor=ana, kind="email", value="ana@example.com", is_primary=True, actor=actor)
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=2)
    [message] = due_steps(today=TODAY).messages
    assert message.contact_point_id == primary.id


def test_it_previews_a_draft_in_place_of_the_live_version(actor: Actor, live_version: PolicyVersion) -> None:
    draft = PolicyVersion.objects.create(policy=live_version.policy, number=2)
    Step.objects.create(
        version=draft, position=1, offset_days=2, channel="sms", template_key="engine-draft", stage="friendly"
    )
    ana = make_debtor(actor, "D-1", "Ana")
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=2)
    [message] = due_steps(today=TODAY, override_version=(live_version.policy_id, draft.id)).messages
    assert message.template_key == "engine-draft"
    [live] = due_steps(today=TODAY).messages
    assert live.template_key == "engine-overdue"
