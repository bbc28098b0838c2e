"""E1: the daily run writes one outbox message per debtor at the highest due step, asks the gate, runs a day once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from apps.audit.services import Actor
from apps.contact.models import ChannelOptOut, GateDecision, OptOutSource
from apps.debtors.services import contact_point_add
from apps.engine.models import CollectionRun, RunStatus, StepDone, StepOutcome
from apps.engine.services import collection_run
from apps.outbox.models import Message
from apps.outbox.services import message_enqueue
from apps.outbox.unsubscribe import unsubscribe_url
from apps.policies.models import MessageTemplate, PolicyVersion
from apps.policies.rendering import render_message
from apps.tenants.models import Tenant
from tests.engine.conftest import STEPS
from tests.factories import TODAY, make_debt, make_debtor

# 11:00 in Paris on a Friday that is no public holiday: inside every quiet-hours window of acme's French debtors.
RUN_AT = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


@pytest.fixture
def templates(tenant: Tenant) -> None:
    for _offset, channel, key, stage in STEPS:
        for locale, hello in (("en", "Hello"), ("fr", "Bonjour")):
            MessageTemplate.objects.create(
                key=key,
                channel=channel,
                locale=locale,
                stage=stage,
                subject=f"{hello} {{{{ debtor.name }}}}" if channel == "email" else "",
                body=f"{hello} {{{{ debtor.name }}}}, {{{{ total }}}} is open. {{{{ opt_out_link }}}}",
            )


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(RUN_AT, tick=False):
        yield


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "templates")]


def test_it_writes_one_message_per_debtor_covering_all_due_debts(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana Martin", preferred_language="fr")
    email = contact_point_add(debtor=ana, kind="email", value="ana@example.com", is_primary=True, actor=actor)
    first = make_debt(actor, ana, "INV-1", 100_00, days_past_due=1)
    second = make_debt(actor, ana, "INV-2", 40_00, days_past_due=2)

    run = collection_run()

    [message] = Message.objects.all()
    assert message.run == run
    assert message.idempotency_key == f"run:{TODAY}:{ana.id}"
    assert set(message.debts.all()) == {first, second}
    assert (message.channel, message.contact_point, message.locale, message.stage) == (
        "email",
        email,
        "fr",
        "friendly",
    )
    assert message.policy_version == live_version
    assert message.step is not None
    assert message.step.offset_days == 1
    assert message.body.startswith("Bonjour Ana Martin")
    assert (run.status, run.run_date, run.debts_considered, run.messages_queued) == (RunStatus.DONE, TODAY, 2, 1)
    assert StepDone.objects.filter(run=run, outcome=StepOutcome.QUEUED).count() == 2


def test_it_creates_nothing_new_when_the_day_runs_twice(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    contact_point_add(debtor=ana, kind="email", value="ana@example.com", actor=actor)
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=1)
    first = collection_run()
    second = collection_run()
    assert first == second
    assert CollectionRun.objects.count() == 1
    assert Message.objects.count() == 1
    assert GateDecision.objects.count() == 1


def test_it_skips_what_the_gate_refuses_and_records_why(actor: Actor, live_version: PolicyVersion) -> None:
    ana = make_debtor(actor, "D-1", "Ana")
    phone = contact_point_add(debtor=ana, kind="phone", value="+33612345678", actor=actor)
    ChannelOptOut.objects.create(debtor=ana, channel="sms", contact_point=phone, source=OptOutSource.STOP_KEYWORD)
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=7)

    run = collection_run()

    assert not Message.objects.exists()
    assert run.denied == 1
    [decision] = GateDecision.objects.filter(debtor=ana)
    assert decision.outcome == "deny"
    # The step was acted on: tomorrow's run does not ask again.
    with time_machine.travel(RUN_AT + dt.timedelta(days=1), tick=False):
        assert collection_run().denied == 0
    assert GateDecision.objects.filter(debtor=ana).count() == 1


def test_it_defers_a_message_to_the_debtor_s_morning(actor: Actor, live_version: PolicyVersion) -> None:
    # 11:00 in Paris is 05:00 in New York: the message waits for the debtor's quiet hours to end.
    sam = make_debtor(actor, "D-1", "Sam", timezone="America/New_York")
    contact_point_add(debtor=sam, kind="email", value="sam@example.com", actor=actor)
    make_debt(actor, sam, "INV-1", 100_00, days_past_due=1)

    run = collection_run()

    [message] = Message.objects.all()
    assert message.not_before is not None
    assert message.not_before.astimezone(dt.UTC) > RUN_AT
    assert (run.messages_queued, run.deferred) == (1, 1)


def test_it_writes_the_same_rows_as_message_enqueue(actor: Actor, live_version: PolicyVersion, tenant: Tenant) -> None:
    ana = make_debtor(actor, "D-1", "Ana Martin", preferred_language="fr")
    contact_point_add(debtor=ana, kind="email", value="ana@example.com", is_primary=True, actor=actor)
    make_debt(actor, ana, "INV-1", 100_00, days_past_due=1)
    make_debt(actor, ana, "INV-2", 40_00, days_past_due=2)
    run = collection_run()
    [bulk] = Message.objects.all()
    debts = list(bulk.debts.order_by("external_ref"))
    links = {"opt_out_link": unsubscribe_url(debtor_id=ana.pk, channel="email")}
    single = message_enqueue(
        idempotency_key="compare",
        debtor=ana,
        debts=debts,
        channel=bulk.channel,
        contact_point=bulk.contact_point,
        template=bulk.template,
        rendered=render_message(template=bulk.template, debtor=ana, debts=debts, tenant=tenant, links=links),
        stage=bulk.stage,
        source=bulk.source,
        policy_version=bulk.policy_version,
        step=bulk.step,
        run=run,
        not_before=bulk.not_before,
        actor_label="collection run",
    )
    fields = [f.attname for f in Message._meta.concrete_fields if f.name not in {"id", "idempotency_key"}]
    single.refresh_from_db()
    assert {f: getattr(single, f) for f in fields} == {f: getattr(bulk, f) for f in fields}
    assert list(single.debts.order_by("external_ref")) == debts
