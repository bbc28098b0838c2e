"""The daily run asks the gate for a whole batch: same answers as one by one, from a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contact.gate import ContactRequest, gate_check, gate_check_many, gate_decide_many
from apps.contact.models import ChannelOptOut, GateDecision, OptOutSource
from apps.debtors.models import Debtor
from apps.tenants.models import Tenant
from tests.contact.conftest import PARIS, ask, attempt_make, debt_make, debtor_make, local, point_make, template_make

pytestmark = pytest.mark.django_db
NOW = local(PARIS, 2026, 7, 13, 12)


@pytest.fixture(autouse=True)
def clock(tenant: Tenant) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _varied(n: int, prefix: str = "D") -> list[ContactRequest]:
    legal = template_make(f"{prefix}-final", "letter", is_legal=True)
    confirmation = template_make(f"{prefix}-confirm", "email", is_exception=True)
    countries = itertools.cycle(["FR", "PL", "US", "FR"])
    requests = []
    for i in range(n):
        country = next(countries)
        debtor = debtor_make(f"{prefix}-{i}", timezone="America/Chicago" if i % 7 == 3 else "")
        email = point_make(debtor, "email", f"{prefix}{i}@example.com", is_workplace=i % 11 == 5)
        phone = point_make(
            debtor, "phone", {"FR": "+3361234{:04d}", "PL": "+4860123{:04d}", "US": "+1312555{:04d}"}[country].format(i)
        )
        address = point_make(debtor, "address", country=country, city="City", region="MA" if i % 13 == 4 else "")
        barred = dt.date(2026, 1, 1) if i % 5 == 0 else None
        debt = debt_make(debtor, f"{prefix}-INV-{i}", currency="EUR", limitation_expires_on=barred)
        if i % 6 == 1:
            ChannelOptOut.objects.create(debtor=debtor, channel="sms", source=OptOutSource.STOP_KEYWORD)
        if i % 9 == 2:
            Debtor.objects.filter(pk=debtor.pk).update(cease_requested_at=NOW)
            debtor.refresh_from_db()
        if i % 10 == 7:
            debt.status = "disputed"
            debt.save()
        for day in range(i % 9):
            attempt_make(
                debtor,
                ["phone", "sms", "email"][day % 3],
                NOW - dt.timedelta(days=day, hours=1),
                debt=debt,
                call_outcome="conversation" if day == 4 and i % 2 else "",
            )
        at = NOW + dt.timedelta(hours=(i * 5) % 30 - 6)
        requests += [
            ask(debtor, "email", at, email, debts=(debt,)),
            ask(debtor, "sms", at, phone, debts=(debt,)),
            ask(debtor, "phone", at, phone, source="manual"),
            ask(debtor, "letter", at, address, debts=(debt,), template=legal),
            ask(debtor, "email", at, email, template=confirmation),
        ]
    return requests


def test_it_answers_a_batch_exactly_as_it_answers_one_request_at_a_time(tenant: Tenant) -> None:
    requests = _varied(40)
    one_by_one = [gate_check(r) for r in requests]

    assert gate_check_many(requests) == one_by_one
    # The set is varied: most rules decide somewhere in it.
    rules = {v.rule for v in one_by_one}
    assert {"allowed", "stop_keyword", "cease", "dispute_hold", "time_barred", "cap_daily", "quiet_hours"} <= rules


def test_it_reads_a_fixed_number_of_queries_however_many_debtors(tenant: Tenant) -> None:
    small, large = _varied(3, "S"), _varied(30, "L")
    with CaptureQueriesContext(connection) as few:
        gate_check_many(small)
    with CaptureQueriesContext(connection) as many:
        gate_check_many(large)
    assert len(many) == len(few)


def test_it_records_a_decision_per_request_in_one_insert(tenant: Tenant) -> None:
    requests = _varied(6)
    with CaptureQueriesContext(connection) as queries:
        verdicts = gate_decide_many(requests)
    assert GateDecision.objects.count() == len(requests)
    assert sum("INSERT" in q["sql"] for q in queries.captured_queries) == 1
    assert sorted(GateDecision.objects.values_list("rule", flat=True)) == sorted(v.rule for v in verdicts)
