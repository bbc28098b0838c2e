"""Principle 6: explicit segment rules over tenure and payment history, recomputed when a payment is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.services import Actor
from apps.debtors.models import Debtor
from apps.debtors.segments import RULES, SEGMENTS, segment_for, segments_recompute
from apps.debts.models import Debt
from apps.debts.services import debt_create, debt_payment_record
from apps.engine.models import ScheduleBreak
from apps.tenants.models import Tenant
from tests.factories import NOW, TODAY, make_debtor

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("segment tests")
LONG_AGO = dt.date(2023, 1, 10)


@pytest.fixture(autouse=True)
def clock(tenant: Tenant) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def debt(debtor: Debtor, ref: str, due: dt.date, paid_days_late: int | None = None) -> Debt:
    row = debt_create(
        debtor=debtor,
        external_ref=ref,
        amount_minor=50_00,
        currency="EUR",
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        actor=SYSTEM,
    )
    if paid_days_late is not None:
        paid_on = due + dt.timedelta(days=paid_days_late)
        debt_payment_record(debt=row, amount_minor=50_00, received_on=paid_on, method="transfer", actor=SYSTEM)
    return row


def customer(ref: str, since: dt.date | None = LONG_AGO, **fields: Any) -> Debtor:
    return make_debtor(SYSTEM, ref, f"Customer {ref}", customer_since=since, **fields)


def test_it_explains_every_segment_to_managers() -> None:
    assert SEGMENTS == ["at_risk", "repeatedly_late", "new", "on_time"]
    assert all(str(rule.label) and len(str(rule.description)) > 20 for rule in RULES)


def test_it_calls_a_recent_customer_without_history_new() -> None:
    fresh = customer("C-1", since=TODAY - dt.timedelta(days=60))
    debt(fresh, "INV-1", TODAY + dt.timedelta(days=10))
    unknown = customer("C-2", since=None)
    assert segment_for(fresh) == "new"
    assert segment_for(unknown) == "new"


def test_it_calls_a_customer_who_pays_on_time_usually_on_time() -> None:
    steady = customer("C-1")
    debt(steady, "INV-1", dt.date(2026, 3, 1), paid_days_late=-2)
    debt(steady, "INV-2", dt.date(2026, 6, 1), paid_days_late=3)  # once a little late: still usually on time
    assert segment_for(steady) == "on_time"
    # Six months of tenure without anything paid is no longer "new".
    assert segment_for(customer("C-2")) == "on_time"


def test_it_calls_two_late_payments_repeatedly_late() -> None:
    twice = customer("C-1")
    debt(twice, "INV-1", dt.date(2026, 3, 1), paid_days_late=5)
    debt(twice, "INV-2", dt.date(2026, 6, 1), paid_days_late=8)
    assert segment_for(twice) == "repeatedly_late"


def test_it_calls_an_average_over_15_days_late_repeatedly_late() -> None:
    slow = customer("C-1")
    debt(slow, "INV-1", dt.date(2026, 3, 1), paid_days_late=40)
    debt(slow, "INV-2", dt.date(2026, 6, 1), paid_days_late=0)
    assert segment_for(slow) == "repeatedly_late"


def test_it_calls_a_long_overdue_debt_after_late_payments_at_risk() -> None:
    risky = customer("C-1")
    debt(risky, "INV-1", dt.date(2026, 3, 1), paid_days_late=6)
    debt(risky, "INV-2", TODAY - dt.timedelta(days=75))
    assert segment_for(risky) == "at_risk"
    # Without prior late payments a long overdue debt alone is not "at risk".
    clean = customer("C-2")
    debt(clean, "INV-3", TODAY - dt.timedelta(days=75))
    assert segment_for(clean) == "on_time"


def test_it_calls_a_broken_promise_at_risk() -> None:
    promised = customer("C-1")
    open_debt = debt(promised, "INV-1", TODAY - dt.timedelta(days=20))
    ScheduleBreak.objects.create(debt=open_debt, kind="broken_promise", broken_on=TODAY, created_by_label="t")
    assert segment_for(promised) == "at_risk"


def test_it_stores_segments_for_everyone_in_one_statement() -> None:
    fresh = customer("C-1", since=TODAY - dt.timedelta(days=10))
    twice = customer("C-2")
    debt(twice, "INV-1", dt.date(2026, 3, 1), paid_days_late=5)
    debt(twice, "INV-2", dt.date(2026, 6, 1), paid_days_late=8)
    Debtor.objects.update(segment="")

    with CaptureQueriesContext(connection) as queries:
        changed = segments_recompute()

    assert [q for q in queries.captured_queries if not q["sql"].startswith("SET search_path")] == [
        queries.captured_queries[-1]
    ]
    assert changed == 2
    fresh.refresh_from_db()
    twice.refresh_from_db()
    assert (fresh.segment, twice.segment, twice.segment_computed_at) == ("new", "repeatedly_late", NOW)
    assert segments_recompute() == 0


def test_it_recomputes_the_segment_when_a_payment_is_recorded(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    late = customer("C-1")
    debt(late, "INV-1", dt.date(2026, 3, 1), paid_days_late=5)
    second = debt(late, "INV-2", dt.date(2026, 6, 1))
    segments_recompute([late.pk])
    late.refresh_from_db()
    assert late.segment == "at_risk"  # INV-2 is 172 days past due after a late payment

    with django_capture_on_commit_callbacks(execute=True):
        debt_payment_record(
            debt=second, amount_minor=50_00, received_on=dt.date(2026, 6, 20), method="card", actor=SYSTEM
        )

    late.refresh_from_db()
    assert late.segment == "repeatedly_late"
