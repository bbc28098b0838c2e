"""Requests: inside the margins an arrangement is active at once and pauses the debt; outside, a person decides on a
case while collection waits; bad input changes nothing; one live arrangement per debt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.arrangements.models import Arrangement, Instalment
from apps.arrangements.services import arrangement_request, none_fit_request
from apps.audit.models import AuditEvent
from apps.audit.services import Actor
from apps.casework.models import Case, CaseKind
from apps.casework.services import case_reply_by
from apps.core.errors import DomainError
from apps.debts.services import debt_dispute, debt_hold
from apps.policies.models import Margins
from apps.portal.access import portal_actor
from tests.arrangements.conftest import days
from tests.factories import NOW, TODAY, make_debt

pytestmark = pytest.mark.django_db


def test_it_agrees_a_plan_inside_the_margins_at_once_and_pauses_collection(debt, debtor):
    arrangement = arrangement_request(
        debt=debt,
        kind="plan",
        down_payment_minor=100_00,
        instalment_count=3,
        frequency="monthly",
        actor=portal_actor(debtor),
    )
    assert arrangement.status == "active"
    assert arrangement.within_margins
    assert arrangement.case is None
    debt.refresh_from_db()
    assert debt.status == "in_plan"
    rows = list(arrangement.instalments.values_list("number", "due_on", "amount_minor", "status"))
    assert rows == [
        (0, TODAY, 100_00, "due"),
        (1, dt.date(2026, 12, 20), 300_00, "due"),
        (2, dt.date(2027, 1, 20), 300_00, "due"),
        (3, dt.date(2027, 2, 20), 300_00, "due"),
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(arrangement.pk)).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["arrangement.requested", "arrangement.activated"]
    assert AuditEvent.objects.filter(object_id=str(debt.pk), action="debt.start_plan").exists()


def test_it_agrees_a_promise_and_marks_the_debt_promised(debt, debtor):
    arrangement = arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(30), actor=portal_actor(debtor))
    assert arrangement.status == "active"
    debt.refresh_from_db()
    assert debt.status == "promised"
    [instalment] = arrangement.instalments.all()
    assert (instalment.number, instalment.due_on, instalment.amount_minor) == (1, TODAY + days(30), 1000_00)


def test_it_agrees_the_settlement_offer_keeping_the_debt_as_it_is(debt, debtor):
    arrangement = arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))
    assert (arrangement.status, arrangement.discount_pct, arrangement.total_minor) == ("active", 20, 800_00)
    assert arrangement.pay_by == TODAY + days(14)
    [instalment] = arrangement.instalments.all()
    assert (instalment.due_on, instalment.amount_minor) == (TODAY + days(14), 800_00)
    debt.refresh_from_db()
    assert debt.status == "overdue"


def test_it_sends_a_plan_outside_the_margins_to_a_person_and_pauses_collection_meanwhile(debt, debtor):
    arrangement = arrangement_request(
        debt=debt,
        kind="plan",
        down_payment_minor=50_00,
        instalment_count=12,
        frequency="fortnightly",
        note="I am paid every other Friday",
        actor=portal_actor(debtor),
    )
    assert arrangement.status == "pending"
    assert not arrangement.within_margins
    case = arrangement.case
    assert case.kind == CaseKind.OUT_OF_MARGIN
    assert case.debt_id == debt.pk
    assert case.details == "I am paid every other Friday"
    assert case.reply_by == case_reply_by(CaseKind.OUT_OF_MARGIN, NOW)
    assert [v["rule"] for v in case.data["violations"]] == ["down_payment", "instalment_count", "frequency"]
    assert case.data["violations"][0]["message"] == "The first payment is €50.00; we can agree at once from €100.00."
    assert case.data["proposal"]["instalment_count"] == 12
    assert sum(i["amount_minor"] for i in case.data["proposal"]["schedule"]) == 1000_00
    debt.refresh_from_db()
    assert debt.status == "on_hold"
    assert case.paused_debt_ids == [debt.pk]
    assert arrangement.instalments.count() == 13


def test_it_sends_a_settlement_asked_for_too_early_to_a_person(actor, debtor, margins):
    recent = make_debt(actor, debtor, "INV-NEW", 500_00, days_past_due=10)
    arrangement = arrangement_request(debt=recent, kind="settlement", actor=portal_actor(debtor))
    assert arrangement.status == "pending"
    assert [v["rule"] for v in arrangement.case.data["violations"]] == ["settlement_too_early"]


def test_it_sends_any_request_on_a_debt_on_hold_to_a_person_and_leaves_the_hold_alone(debt, debtor, actor):
    debt_hold(debt=debt, actor=actor, reason="Checking the delivery")
    arrangement = arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(5), actor=portal_actor(debtor))
    assert arrangement.status == "pending"
    assert arrangement.within_margins
    assert arrangement.case.data["violations"] == []
    assert arrangement.case.paused_debt_ids == []  # this request did not pause it: deciding it will not resume it
    debt.refresh_from_db()
    assert debt.status == "on_hold"


def test_it_allows_one_live_arrangement_per_debt(debt, debtor):
    first = arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(3), actor=portal_actor(debtor))
    with pytest.raises(DomainError) as refused:
        arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))
    assert refused.value.field == "debt"
    assert "already has an agreement" in refused.value.message
    assert list(Arrangement.objects.filter(debt=debt)) == [first]


def test_it_tells_a_debtor_waiting_for_an_answer_that_one_is_coming(debt, debtor):
    arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(90), actor=portal_actor(debtor))
    with pytest.raises(DomainError, match="a person will answer you soon"):
        arrangement_request(debt=debt, kind="promise", pay_by=TODAY + days(5), actor=portal_actor(debtor))


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"kind": "barter"}, "kind", "Choose a way to pay"),
        ({"kind": "plan", "instalment_count": 0, "frequency": "monthly"}, "instalment_count", "at least one"),
        ({"kind": "plan", "instalment_count": 61, "frequency": "monthly"}, "instalment_count", "at most 60"),
        ({"kind": "plan", "instalment_count": 3, "frequency": "daily"}, "frequency", "how often"),
        (
            {"kind": "plan", "instalment_count": 3, "frequency": "monthly", "down_payment_minor": 1000_00},
            "down_payment",
            "Pay in full",
        ),
        (
            {"kind": "plan", "instalment_count": 3, "frequency": "monthly", "down_payment_minor": -1},
            "down_payment",
            "negative",
        ),
        ({"kind": "plan", "frequency": "monthly"}, "instalment_count", "number of instalments"),
        ({"kind": "promise"}, "pay_by", "Choose the date"),
        ({"kind": "promise", "pay_by": TODAY - days(1)}, "pay_by", "from today on"),
        ({"kind": "promise", "pay_by": TODAY + days(400)}, "pay_by", "twelve months"),
        ({"kind": "settlement", "discount_pct": 100}, "discount_pct", "between 1 and 99"),
        ({"kind": "promise", "pay_by": TODAY, "note": "x" * 2001}, "note", "under 2000"),
        ({"kind": "promise", "pay_by": TODAY, "expected_total_minor": 999_00}, "total", "changed since you looked"),
    ],
)
def test_it_refuses_bad_input_clearly_and_writes_nothing(debt, debtor, kwargs, field, words):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        arrangement_request(debt=debt, actor=portal_actor(debtor), **kwargs)
    assert refused.value.field == field
    assert words in refused.value.message
    assert not Arrangement.objects.exists()
    assert not Case.objects.exists()
    assert AuditEvent.objects.count() == before
    debt.refresh_from_db()
    assert debt.status == "overdue"


def test_it_refuses_arrangements_on_a_disputed_or_closed_debt(debt, debtor, actor):
    debt_dispute(debt=debt, actor=actor, reason="Never delivered")
    with pytest.raises(DomainError, match="dispute"):
        arrangement_request(debt=debt, kind="promise", pay_by=TODAY, actor=portal_actor(debtor))
    assert not Arrangement.objects.exists()


def test_it_refuses_a_settlement_when_the_margins_offer_none(debt, debtor, margins):
    Margins.objects.filter(pk=margins.pk).update(max_settlement_discount_pct=0)
    with pytest.raises(DomainError, match="No settlement"):
        arrangement_request(debt=debt, kind="settlement", actor=portal_actor(debtor))


def test_it_sends_none_fit_requests_to_a_person_once(debt, debtor):
    case = none_fit_request(debt=debt, details="I can pay 50 a month from March", actor=portal_actor(debtor))
    assert (case.kind, case.debt_id, case.details) == (CaseKind.NONE_FIT, debt.pk, "I can pay 50 a month from March")
    assert case.reply_by == case_reply_by(CaseKind.NONE_FIT, NOW)
    again = none_fit_request(debt=debt, details="Or 40 a month from now", actor=portal_actor(debtor))
    assert again.pk == case.pk
    assert [f["details"] for f in again.data["follow_ups"]] == ["Or 40 a month from now"]
    debt.refresh_from_db()
    assert debt.status == "overdue"  # a message, not a proposal: collection goes on
    with pytest.raises(DomainError) as refused:
        none_fit_request(debt=debt, details="   ", actor=portal_actor(debtor))
    assert refused.value.field == "details"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    down_pct=st.integers(0, 60),
    count=st.integers(1, 10),
    frequency=st.sampled_from(["weekly", "fortnightly", "monthly"]),
    balance=st.integers(10_00, 5000_00),
)
def test_it_approves_at_once_exactly_the_requests_inside_the_margins(
    actor: Actor, debtor, margins, down_pct, count, frequency, balance
):
    savepoint = transaction.savepoint_create()  # each example starts from the same database
    try:
        debt = make_debt(actor, debtor, "INV-PROP", balance, days_past_due=5)
        down = balance * down_pct // 100
        if balance - down < count:
            with pytest.raises(DomainError):
                arrangement_request(
                    debt=debt,
                    kind="plan",
                    down_payment_minor=down,
                    instalment_count=count,
                    frequency=frequency,
                    actor=actor,
                )
            return
        arrangement = arrangement_request(
            debt=debt, kind="plan", down_payment_minor=down, instalment_count=count, frequency=frequency, actor=actor
        )
        amounts = [i.amount_minor for i in arrangement.instalments.filter(number__gt=0)]
        inside = (
            down * 100 >= balance * margins.min_down_payment_pct
            and count <= margins.max_plan_instalments
            and min(amounts) >= margins.min_instalment_minor
            and frequency in margins.allowed_frequencies
        )
        assert sum(Instalment.objects.filter(arrangement=arrangement).values_list("amount_minor", flat=True)) == balance
        assert (arrangement.status == "active") == inside
        debt.refresh_from_db()
        assert debt.status == ("in_plan" if inside else "on_hold")
        assert Case.objects.filter(kind=CaseKind.OUT_OF_MARGIN, debt=debt).count() == (0 if inside else 1)
    finally:
        transaction.savepoint_rollback(savepoint)
