"""Done-when of the engine: one tenant (acme, FR, its installed default policy) with a US, a French and a Polish
debtor, run every day for 120 days at 09:00 Paris. Each debtor gets exactly the messages the policy calls for, on
the day it calls for them, and none that the contact rules forbid: the French debtor replied STOP to texts, the
Polish debtor disputed a debt for 30 days and was called by an agent on the day of a letter, the US debtor broke a
promise and lives six hours behind the run.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import holidays
import pytest
import time_machine

from apps.audit.services import Actor
from apps.contact.gate import contact_attempt_record
from apps.contact.models import ChannelOptOut, GateDecision, OptOutSource
from apps.debtors.models import Consent, Debtor
from apps.debtors.services import contact_point_add
from apps.debts.models import Debt
from apps.debts.services import debt_create, debt_dispute, debt_promise, debt_resume, debts_mark_overdue
from apps.engine.services import collection_run, debt_promise_broken
from apps.outbox.models import Message, Source
from apps.policies.selectors import contact_rules_get
from apps.tenants.models import Tenant
from tests.factories import make_debtor

pytestmark = pytest.mark.django_db

DAY0 = dt.date(2027, 1, 4)  # a Monday
DAYS = 120
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ZONES = {
    "US": zoneinfo.ZoneInfo("America/New_York"),
    "FR": PARIS,
    "PL": zoneinfo.ZoneInfo("Europe/Warsaw"),
}
TIMED = {"email", "sms", "phone"}


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def run_moment(n: int) -> dt.datetime:
    """09:00 in Paris (the default run hour) on day n."""
    return dt.datetime.combine(day(n), dt.time(9, 0), tzinfo=PARIS)


def debt_for(actor: Actor, debtor: Debtor, ref: str, due_day: int, currency: str) -> Debt:
    due = day(due_day)
    return debt_create(
        debtor=debtor,
        external_ref=ref,
        amount_minor=250_00,
        currency=currency,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        actor=actor,
    )


def people(actor: Actor) -> dict[str, Any]:
    sam = make_debtor(actor, "US-1", "Sam Carter", preferred_language="en", timezone="America/New_York")
    contact_point_add(debtor=sam, kind="email", value="sam@example.com", is_primary=True, actor=actor)
    # TCPA: texts to a US consumer need recorded consent.
    contact_point_add(debtor=sam, kind="phone", value="+12125550123", consent=Consent.GRANTED, actor=actor)
    contact_point_add(
        debtor=sam,
        kind="address",
        value="5 Elm Street, Brooklyn NY 11201, US",
        address_line1="5 Elm Street",
        postal_code="11201",
        city="Brooklyn",
        region="NY",
        country="US",
        actor=actor,
    )
    camille = make_debtor(actor, "FR-1", "Camille Durand", preferred_language="fr")
    contact_point_add(debtor=camille, kind="email", value="camille@example.fr", actor=actor)
    phone = contact_point_add(debtor=camille, kind="phone", value="+33612345678", actor=actor)
    contact_point_add(
        debtor=camille,
        kind="address",
        value="3 rue Mercière, 69002 Lyon, FR",
        address_line1="3 rue Mercière",
        postal_code="69002",
        city="Lyon",
        country="FR",
        actor=actor,
    )
    ChannelOptOut.objects.create(
        debtor=camille, channel="sms", contact_point=phone, source=OptOutSource.STOP_KEYWORD, evidence="STOP"
    )
    zofia = make_debtor(actor, "PL-1", "Zofia Nowak", preferred_language="pl", timezone="Europe/Warsaw")
    contact_point_add(debtor=zofia, kind="email", value="zofia@example.pl", actor=actor)
    contact_point_add(debtor=zofia, kind="phone", value="+48601234567", actor=actor)
    contact_point_add(
        debtor=zofia,
        kind="address",
        value="ul. Długa 7, 00-238 Warszawa, PL",
        address_line1="ul. Długa 7",
        postal_code="00-238",
        city="Warszawa",
        country="PL",
        actor=actor,
    )
    return {
        "US": (sam, [debt_for(actor, sam, "US-INV-1", 5, "USD")]),
        "FR": (
            camille,
            [debt_for(actor, camille, "FR-INV-A", 5, "EUR"), debt_for(actor, camille, "FR-INV-B", 20, "EUR")],
        ),
        "PL": (zofia, [debt_for(actor, zofia, "PL-INV-1", 5, "PLN")]),
    }


# What the default policy (-3 email, +1 email, +7 SMS, +30 letter, +60 letter, +90 phone task, broken promise +2 SMS)
# calls for, as (run day, template, channel, debts covered).
EXPECTED = {
    "US": [
        (2, "due-soon", "email", {"US-INV-1"}),
        (6, "overdue", "email", {"US-INV-1"}),
        # Promised on day 10, broken on day 15: the reaction two days later, covering the +7 step due the same day
        # (the schedule is shifted by the 5 paused days).
        (17, "promise-missed", "sms", {"US-INV-1"}),
        (40, "first-letter", "letter", {"US-INV-1"}),
        (70, "second-letter", "letter", {"US-INV-1"}),
        (100, "decide-next", "phone", {"US-INV-1"}),
    ],
    "FR": [
        (2, "due-soon", "email", {"FR-INV-A"}),
        (6, "overdue", "email", {"FR-INV-A"}),
        # Day 12 and day 27: the SMS steps are refused (STOP).
        (17, "due-soon", "email", {"FR-INV-B"}),
        (21, "overdue", "email", {"FR-INV-B"}),
        (35, "first-letter", "letter", {"FR-INV-A"}),
        (50, "first-letter", "letter", {"FR-INV-B"}),
        (65, "second-letter", "letter", {"FR-INV-A"}),
        (80, "second-letter", "letter", {"FR-INV-B"}),
        (95, "decide-next", "phone", {"FR-INV-A"}),
        (110, "decide-next", "phone", {"FR-INV-B"}),
    ],
    "PL": [
        (2, "due-soon", "email", {"PL-INV-1"}),
        (6, "overdue", "email", {"PL-INV-1"}),
        # Disputed from day 8 to day 38: nothing; then the schedule continues 30 days later.
        (42, "overdue-sms", "sms", {"PL-INV-1"}),
        (65, "first-letter", "letter", {"PL-INV-1"}),
        (95, "second-letter", "letter", {"PL-INV-1"}),
    ],
}


def forbidden_reason(message: Message, country: str, rules: Any) -> str:
    """Why the moment this message may go out breaks a contact rule for its debtor, or ""."""
    run_date = message.run.run_date  # type: ignore[union-attr]
    moment = message.not_before or run_moment((run_date - DAY0).days)
    local = moment.astimezone(ZONES[country])
    if message.channel not in TIMED:
        return ""
    if not rules.quiet_hours_start <= local.time() < rules.quiet_hours_end:
        return f"outside contact hours: {local}"
    if rules.no_sundays and local.weekday() == 6:
        return f"on a Sunday: {local}"
    if rules.no_public_holidays and local.date() in holidays.country_holidays(country, years=local.year):
        return f"on a public holiday: {local}"
    return ""


def test_it_sends_every_debtor_what_the_policy_calls_for_and_nothing_the_rules_forbid(tenant: Tenant) -> None:
    agent = Actor.system("agent Ada")
    with time_machine.travel(run_moment(0) - dt.timedelta(hours=1), tick=False):
        cast = people(agent)
    sam_debt = cast["US"][1][0]
    zofia, [zofia_debt] = cast["PL"]
    for n in range(DAYS):
        with time_machine.travel(run_moment(n) - dt.timedelta(minutes=30), tick=False):
            if n == 8:
                debt_dispute(debt=zofia_debt, actor=agent, reason="I never ordered this")
            if n == 38:
                debt_resume(debt=zofia_debt, actor=agent, reason="Order form sent; dispute closed")
            if n == 10:
                debt_promise(debt=sam_debt, actor=agent, reason="Will pay on the 15th")
            if n == 15:
                debt_promise_broken(debt=sam_debt, actor=agent, reason="Nothing arrived on the 15th")
            if n == 65:
                # An agent called Zofia this morning: the daily cap holds the letter until tomorrow.
                contact_attempt_record(
                    debtor=zofia, channel="phone", source=Source.MANUAL, call_outcome="no_answer", actor_label="Ada"
                )
        with time_machine.travel(run_moment(n), tick=False):
            debts_mark_overdue()
            collection_run()

    rules = contact_rules_get()
    for country, (debtor, _debts) in cast.items():
        messages = list(
            Message.objects.filter(debtor=debtor).select_related("run", "template").order_by("run__run_date")
        )
        got = [
            (
                (m.run.run_date - DAY0).days,  # type: ignore[union-attr]
                m.template.key,  # type: ignore[union-attr]
                m.channel,
                {d.external_ref for d in m.debts.all()},
            )
            for m in messages
        ]
        assert got == EXPECTED[country], country
        assert all(m.locale == {"US": "en", "FR": "fr", "PL": "pl"}[country] for m in messages)
        for message in messages:
            assert forbidden_reason(message, country, rules) == "", (country, message.template)

    # The US debtor lives six hours behind the run: every timed message waits for 08:00 in New York.
    for message in Message.objects.filter(debtor=cast["US"][0], channel__in=TIMED):
        assert message.not_before is not None
        assert message.not_before.astimezone(ZONES["US"]).time() == dt.time(8, 0)
    # STOP: no text for Camille; both SMS steps were refused and the refusals are on her timeline.
    camille = cast["FR"][0]
    assert not Message.objects.filter(debtor=camille, channel="sms").exists()
    refusals = GateDecision.objects.filter(debtor=camille, outcome="deny")
    assert [(d.channel, d.rule, d.decided_at.astimezone(PARIS).date()) for d in refusals.order_by("decided_at")] == [
        ("sms", "stop_keyword", day(12)),
        ("sms", "stop_keyword", day(27)),
    ]
    # Caps: the letter due on the day of the agent's call is held until the next day in Warsaw.
    letter = Message.objects.get(debtor=zofia, template__key="first-letter")
    assert letter.not_before is not None
    assert letter.not_before.astimezone(ZONES["PL"]).date() == day(66)
    # A run per day, one message per debtor per run at most.
    assert Message.objects.filter(run__isnull=False).count() == sum(len(v) for v in EXPECTED.values())
