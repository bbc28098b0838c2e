"""A small ledger whose report figures were computed by hand (see EXPECTED in test_figures.py).

acme (Europe/Paris, EUR), clock frozen at 2026-11-20 10:00 UTC. The period of the tests is 2026-10-01 to
2026-11-20 (51 days). Debtors and their debts (amounts in major units; due dates as days past due on 11-20):

- Alice: D1 100 EUR due in 5 days (charged 10-26); D2 200 EUR 10 days late (charged 10-11), paid 50 on 11-12.
- Bruno: D3 300 EUR 45 days late, paid 300 on 10-20, refunded 100 on 11-02 (reopened).
- Chloé: D4 400 EUR 75 days late, paid 150 on 10-05, charged back 150 on 10-25; D8 80 EUR 95 days late.
- Dan: D5 500 EUR 120 days late, paid 100 on 09-15 (before the period), the rest (400) written off on 11-20;
  D6 250 EUR 100 days late, paid 200 on 11-05, settled on 11-08 (discount 50).
- Eve: D7 1000 USD 35 days late, paid 250 USD on 11-01.

Arrangements, cases, policy steps taken by the daily run, opt-outs and reasons are set around them (the tests say
which count and why). Timestamps near midnight check that days are the tenant's (Paris), not UTC's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.api.models import ApiKeyScope
from apps.api.services import api_key_create
from apps.arrangements.models import Arrangement, Instalment
from apps.audit.services import Actor
from apps.casework.models import Case
from apps.casework.services import case_open, case_resolve
from apps.contact.models import ChannelOptOut
from apps.debtors.models import Debtor, ReasonRecord
from apps.debtors.services import reason_record
from apps.debts.models import Debt, EntryKind, LedgerEntry
from apps.debts.services import debt_payment_record, debt_settle, debt_transition, debt_write_off
from apps.engine.models import CollectionRun, StepDone
from apps.policies.models import Step
from apps.policies.services import policy_create, step_add
from apps.tenants.models import Tenant
from tests.factories import NOW, make_debt, make_debtor

D = dt.date
PERIOD = {"period": "custom", "start": "2026-10-01", "end": "2026-11-20"}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(tenant: Tenant) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api_for(tenant: Tenant) -> Callable[..., APIClient]:
    """An API client on acme's host, sending `key` (prefix.secret) when given."""

    def make(key: str | None = None) -> APIClient:
        client = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost")
        if key is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@pytest.fixture
def read_key(owner: Any) -> str:
    _key, full = api_key_create(name="BI dashboard", scope=ApiKeyScope.READ, actor=Actor.for_user(owner))
    return full


@dataclass
class World:
    debtors: dict[str, Debtor]
    debts: dict[str, Debt]
    steps: dict[str, Step]


def _pay(debt: Debt, amount_minor: int, on: dt.date, actor: Actor, ref: str) -> None:
    debt_payment_record(
        debt=debt, amount_minor=amount_minor, received_on=on, method="transfer", reference=ref, actor=actor
    )


def _entry(debt: Debt, kind: str, amount_minor: int, on: dt.date, ref: str) -> None:
    # Refunds and chargebacks come from Stripe events in production; the ledger rows are what the reports read.
    LedgerEntry.objects.create(
        debt=debt,
        kind=kind,
        amount_minor=amount_minor,
        currency=debt.currency,
        occurred_on=on,
        reference=ref,
        method="card",
        created_by_label="test",
    )


def _arrangement(debt: Debt, kind: str, status: str, *, pay_by: dt.date | None = None, **more: Any) -> Arrangement:
    return Arrangement.objects.create(
        debt=debt,
        kind=kind,
        status=status,
        balance_minor=debt.original_amount_minor,
        total_minor=debt.original_amount_minor,
        currency=debt.currency,
        pay_by=pay_by,
        within_margins=True,
        created_by_label="test",
        **more,
    )


def _done(run_date: dt.date, debt: Debt, step: Step, outcome: str) -> StepDone:
    run, _created = CollectionRun.objects.get_or_create(run_date=run_date, defaults={"status": "done"})
    return StepDone.objects.create(
        debt=debt, run=run, step=step, kind=step.kind, offset_days=step.offset_days, outcome=outcome
    )


def _opt_out(debtor: Debtor, channel: str, at: dt.datetime) -> None:
    opt_out = ChannelOptOut.objects.create(debtor=debtor, channel=channel, source="staff")
    ChannelOptOut.objects.filter(pk=opt_out.pk).update(created_at=at)


def _reason(debtor: Debtor, reason: str, at: dt.datetime, actor: Actor) -> None:
    record = reason_record(debtor=debtor, reason=reason, source="staff", actor=actor)
    ReasonRecord.objects.filter(pk=record.pk).update(recorded_at=at)


@pytest.fixture
def world(actor: Actor) -> World:
    names = {"alice": "Alice Arnaud", "bruno": "Bruno Blanc", "chloe": "Chloé Carré", "dan": "Dan Dupont"}
    debtors = {key: make_debtor(actor, f"R-{key}", name) for key, name in names.items()}
    debtors["eve"] = make_debtor(actor, "R-eve", "Eve Evans")
    p = debtors
    debts = {
        "d1": make_debt(actor, p["alice"], "D1", 100_00, days_past_due=-5),
        "d2": make_debt(actor, p["alice"], "D2", 200_00, days_past_due=10),
        "d3": make_debt(actor, p["bruno"], "D3", 300_00, days_past_due=45),
        "d4": make_debt(actor, p["chloe"], "D4", 400_00, days_past_due=75),
        "d5": make_debt(actor, p["dan"], "D5", 500_00, days_past_due=120),
        "d6": make_debt(actor, p["dan"], "D6", 250_00, days_past_due=100),
        "d7": make_debt(actor, p["eve"], "D7", 1000_00, currency="USD", days_past_due=35),
        "d8": make_debt(actor, p["chloe"], "D8", 80_00, days_past_due=95),
    }
    d = debts
    _pay(d["d2"], 50_00, D(2026, 11, 12), actor, "p-d2")
    _pay(d["d3"], 300_00, D(2026, 10, 20), actor, "p-d3")  # paid in full, then partly refunded
    _entry(d["d3"], EntryKind.REFUND, 100_00, D(2026, 11, 2), "re_d3")
    debt_transition(debt=d["d3"], name="reopen", actor=actor, reason="Card payment refunded")
    _pay(d["d4"], 150_00, D(2026, 10, 5), actor, "p-d4")
    _entry(d["d4"], EntryKind.CHARGEBACK, 150_00, D(2026, 10, 25), "dp_d4")
    _pay(d["d5"], 100_00, D(2026, 9, 15), actor, "p-d5")
    debt_write_off(debt=d["d5"], actor=actor, reason="Debtor bankrupt")  # 400 on 11-20
    with time_machine.travel(utc(2026, 11, 8, 10), tick=False):
        _pay(d["d6"], 200_00, D(2026, 11, 5), actor, "p-d6")
        debt_settle(debt=d["d6"], actor=actor, reason="Settlement paid")  # discount 50 on 11-08
    _pay(d["d7"], 250_00, D(2026, 11, 1), actor, "p-d7")

    # Promises to pay (dated in the period: one kept, two broken, one open; one dated before the period).
    _arrangement(d["d2"], "promise", "completed", pay_by=D(2026, 11, 12))
    _arrangement(d["d8"], "promise", "broken", pay_by=D(2026, 10, 15))
    _arrangement(d["d4"], "promise", "broken", pay_by=D(2026, 11, 1))
    _arrangement(d["d1"], "promise", "active", pay_by=D(2026, 11, 18))
    _arrangement(d["d5"], "promise", "completed", pay_by=D(2026, 9, 20))
    # Payment plans: on track (next instalment ahead), behind (an instalment past its date), on track (due today),
    # and a broken one that no longer counts.
    plan = _arrangement(d["d8"], "plan", "active")
    Instalment.objects.create(arrangement=plan, number=0, due_on=D(2026, 11, 1), amount_minor=20_00, status="paid")
    Instalment.objects.create(arrangement=plan, number=1, due_on=D(2026, 12, 1), amount_minor=60_00)
    plan = _arrangement(d["d3"], "plan", "active")
    Instalment.objects.create(arrangement=plan, number=0, due_on=D(2026, 11, 15), amount_minor=100_00)
    plan = _arrangement(d["d7"], "plan", "active")
    Instalment.objects.create(arrangement=plan, number=0, due_on=D(2026, 11, 20), amount_minor=750_00)
    plan = _arrangement(d["d6"], "plan", "broken")
    Instalment.objects.create(arrangement=plan, number=0, due_on=D(2026, 10, 1), amount_minor=250_00, status="missed")

    # Cases.
    case_open(
        kind="dispute", debtor=p["alice"], debt=d["d2"], subject="Wrong amount", reply_by=utc(2026, 11, 19), actor=actor
    )
    case_open(
        kind="dispute",
        debtor=p["bruno"],
        debt=d["d3"],
        subject="Not delivered",
        reply_by=utc(2026, 11, 25),
        actor=actor,
    )
    hardship = case_open(kind="hardship", debtor=p["dan"], subject="Lost job", actor=actor)
    Case.objects.filter(pk=hardship.pk).update(created_at=utc(2026, 11, 1, 9))
    with time_machine.travel(utc(2026, 11, 10, 9), tick=False):
        case_resolve(case=hardship, resolution="Plan agreed", actor=actor)
    callback = case_open(kind="callback", debtor=p["chloe"], subject="Call me", actor=actor)
    Case.objects.filter(pk=callback.pk).update(created_at=utc(2026, 9, 30, 21, 30))  # 23:30 in Paris, 09-30
    not_me = case_open(kind="not_me", debtor=p["eve"], subject="Not me", actor=actor)
    Case.objects.filter(pk=not_me.pk).update(created_at=utc(2026, 9, 30, 22, 30))  # 00:30 in Paris, 10-01

    # Policy steps the daily run took, and opt-outs after them.
    policy = policy_create(name="Reports test", segments=[], priority=5, actor=actor)
    version = policy.versions.get()
    fields = {"kind": "schedule", "template_key": "overdue", "stage": "friendly"}
    s1 = step_add(version=version, offset_days=3, channel="email", actor=actor, **fields)
    s2 = step_add(
        version=version, offset_days=10, channel="sms", actor=actor, **{**fields, "template_key": "overdue-sms"}
    )
    _done(D(2026, 10, 20), d["d3"], s1, "queued")  # paid the same day; refund on 11-02 leaves 100 owing on 11-03
    _done(D(2026, 10, 20), d["d4"], s1, "queued")  # no payment from 10-20 to 11-03; Chloé opts out on 10-28
    _done(D(2026, 10, 20), d["d8"], s1, "denied")  # refused by the contact rules: nothing sent, not measured
    _done(D(2026, 11, 10), d["d2"], s1, "queued")  # its 14 days end after today: not measured yet
    _done(D(2026, 11, 1), d["d6"], s2, "queued")  # paid 11-05, settled 11-08: cleared within 14 days
    _done(D(2026, 11, 1), d["d7"], s2, "deferred")  # paid 250 USD on 11-01, 750 still owed
    _done(D(2026, 9, 20), d["d5"], s2, "queued")  # before the period
    _opt_out(p["chloe"], "email", utc(2026, 10, 28, 12))
    _opt_out(p["eve"], "email", utc(2026, 11, 14, 12))
    _opt_out(p["dan"], "sms", utc(2026, 11, 15, 23, 30))  # 11-16 in Paris: the day after Dan's window ends

    # Reasons for non-payment.
    _reason(p["alice"], "cash_flow", utc(2026, 10, 5, 10), actor)
    _reason(p["alice"], "forgot", utc(2026, 11, 10, 10), actor)
    _reason(p["bruno"], "unhappy", utc(2026, 9, 30, 22, 30), actor)  # 10-01 in Paris: October
    _reason(p["chloe"], "cash_flow", utc(2026, 9, 1, 10), actor)  # before the period, still her latest
    _reason(p["dan"], "hardship", utc(2026, 11, 20, 9), actor)
    _reason(p["eve"], "refuses", utc(2026, 10, 10, 10), actor)
    return World(debtors=debtors, debts=debts, steps={"s1": s1, "s2": s2})
