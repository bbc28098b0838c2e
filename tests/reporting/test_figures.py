"""The report figures equal what was computed by hand for the world of conftest.py, and equal the ledger's sums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from apps.debts.models import AgingBucket, Debt, LedgerEntry, aging_bucket_for
from apps.reporting.forms import report_form
from apps.reporting.selectors import Figures, ReportParams, report_snapshot
from tests.factories import make_debt, make_debtor
from tests.reporting.conftest import PERIOD

pytestmark = pytest.mark.django_db

D = dt.date


def figures(**query: str) -> Figures:
    form = report_form({**PERIOD, **query})
    assert form.is_valid(), form.errors
    return Figures(form.params())


def test_it_computes_outstanding_by_aging_bucket_per_currency(world):
    eur = figures()
    assert [(r.bucket, r.debts, r.outstanding_minor) for r in eur.aging] == [
        ("current", 1, 100_00),  # D1
        ("1-30", 1, 150_00),  # D2: 200 less 50
        ("31-60", 1, 100_00),  # D3: 300 paid, 100 refunded
        ("61-90", 1, 400_00),  # D4: 150 paid and charged back
        ("90+", 1, 80_00),  # D8; D5 written off and D6 settled owe nothing
    ]
    usd = figures(currency="USD")
    assert [(r.bucket, r.debts, r.outstanding_minor) for r in usd.aging] == [
        ("current", 0, 0),
        ("1-30", 0, 0),
        ("31-60", 1, 750_00),
        ("61-90", 0, 0),
        ("90+", 0, 0),
    ]


def test_it_counts_recovered_per_month_net_of_refunds_and_chargebacks(world):
    months = figures().months
    assert [
        (m.month, m.payments_minor, m.refunds_minor, m.chargebacks_minor, m.recovered_minor, m.billed_minor)
        for m in months
    ] == [
        (D(2026, 10, 1), 450_00, 0, 150_00, 300_00, 300_00),  # D3 300 + D4 150 paid, D4 150 charged back
        (D(2026, 11, 1), 250_00, 100_00, 0, 150_00, 0),  # D2 50 + D6 200 paid, D3 100 refunded
    ]
    assert [(m.written_off_minor, m.discounts_minor) for m in months] == [(0, 0), (400_00, 50_00)]


def test_it_computes_the_recovery_rate_and_dso_of_the_period(world):
    s = figures().summary
    assert (s.billed_minor, s.recovered_minor, s.written_off_minor, s.discounts_minor, s.outstanding_minor) == (
        300_00,
        450_00,
        400_00,
        50_00,
        830_00,
    )
    # 450 / (450 + 400 + 50 + 830) = 26.01 %; 830 / 300 × 51 days = 141.1 days.
    assert s.recovery_rate_pct == Decimal("26.0")
    assert s.dso_days == Decimal("141.1")
    usd = figures(currency="USD").summary
    # 250 / (250 + 750); nothing billed in USD in the period, so no DSO.
    assert (usd.recovered_minor, usd.outstanding_minor, usd.recovery_rate_pct, usd.dso_days) == (
        250_00,
        750_00,
        Decimal("25.0"),
        None,
    )


def test_the_money_figures_equal_the_ledger_sums(world):
    f = figures()
    balances = (
        Debt.objects.filter(currency="EUR")
        .annotate(balance=Sum("entries__amount_minor"))
        .filter(balance__gt=0)
        .aggregate(total=Sum("balance"))
    )
    assert sum(r.outstanding_minor for r in f.aging) == balances["total"]
    in_period = LedgerEntry.objects.filter(currency="EUR", occurred_on__range=(D(2026, 10, 1), D(2026, 11, 20)))
    recovered = in_period.filter(kind__in=["payment", "refund", "chargeback"]).aggregate(s=Sum("amount_minor"))["s"]
    assert f.summary.recovered_minor == -recovered
    written_off = in_period.filter(kind="write_off").aggregate(s=Sum("amount_minor"))["s"]
    assert f.summary.written_off_minor == -written_off
    # Everything ever charged is either recovered, given up or outstanding (no adjustments in this world).
    everything = figures(period="custom", start="2026-01-01", end="2026-11-20").summary
    charged = LedgerEntry.objects.filter(currency="EUR", kind="charge").aggregate(s=Sum("amount_minor"))["s"]
    assert charged == (
        everything.recovered_minor
        + everything.written_off_minor
        + everything.discounts_minor
        + everything.outstanding_minor
    )


def test_outstanding_on_a_past_day_reads_the_ledger_up_to_that_day(world):
    f = figures(period="custom", start="2026-10-01", end="2026-10-31")
    # On 10-31: D1 100 (due 11-25: current), D2 200 (due 11-10: current), D3 0 (refund came 11-02),
    # D4 400 (due 09-06: 55 days), D5 400 (due 07-23: 100 days), D6 250 (due 08-12: 80 days), D8 80 (75 days).
    assert [(r.bucket, r.debts, r.outstanding_minor) for r in f.aging] == [
        ("current", 2, 300_00),
        ("1-30", 0, 0),
        ("31-60", 1, 400_00),
        ("61-90", 2, 330_00),
        ("90+", 1, 400_00),
    ]


def test_the_aging_buckets_match_the_debt_lists_buckets_at_every_boundary(actor):
    debtor = make_debtor(actor, "B-1", "Boundary")
    lates = [-1, 0, 1, 30, 31, 60, 61, 90, 91]
    for late in lates:
        make_debt(actor, debtor, f"B-{late}", 1_00 + late + 1, days_past_due=late)
    today = D(2026, 11, 20)
    expected: dict[str, int] = {}
    for late in lates:
        bucket = aging_bucket_for(today - dt.timedelta(days=late), today)
        expected[bucket] = expected.get(bucket, 0) + 1_00 + late + 1
    f = figures(period="30")
    assert {r.bucket: r.outstanding_minor for r in f.aging if r.debts} == expected
    for row in f.aging:  # and the same debts as the debt list's filter
        listed = Debt.objects.in_aging_bucket(row.bucket, today).filter(external_ref__startswith="B-").count()
        assert row.debts == listed, row.bucket
    assert set(expected) == set(AgingBucket.values)


def test_it_counts_promises_kept_and_plans_on_track(world):
    a = figures().arrangements
    assert (a.promises_kept, a.promises_broken, a.promises_open) == (1, 2, 1)
    assert a.promises_kept_pct == Decimal("33.3")
    assert (a.plans_active, a.plans_on_track, a.plans_behind) == (3, 2, 1)
    assert a.plans_on_track_pct == Decimal("66.7")


def test_it_counts_cases_by_kind_on_the_tenants_calendar(world):
    rows = {c.kind: (c.open, c.overdue, c.opened, c.resolved) for c in figures().cases}
    assert rows["dispute"] == (2, 1, 2, 0)
    assert rows["hardship"] == (0, 0, 1, 1)
    assert rows["callback"] == (1, 0, 0, 0)  # opened 09-30 at 23:30 in Paris: before the period
    assert rows["not_me"] == (1, 0, 1, 0)  # opened 10-01 at 00:30 in Paris: in it
    assert sum(1 for v in rows.values() if v != (0, 0, 0, 0)) == 4


def test_it_measures_each_policy_step_over_14_days(world):
    rows = {r.step_id: r for r in figures().steps}
    s1 = rows[world.steps["s1"].pk]
    assert (s1.acted, s1.refused, s1.measured, s1.paid, s1.cleared, s1.debtors, s1.opted_out) == (4, 1, 2, 1, 0, 2, 1)
    assert (s1.paid_pct, s1.cleared_pct, s1.opted_out_pct) == (Decimal("50.0"), Decimal("0.0"), Decimal("50.0"))
    s2 = rows[world.steps["s2"].pk]
    assert (s2.acted, s2.refused, s2.measured, s2.paid, s2.cleared, s2.debtors, s2.opted_out) == (2, 0, 2, 2, 1, 2, 1)
    assert (s2.paid_pct, s2.cleared_pct, s2.opted_out_pct) == (Decimal("100.0"), Decimal("50.0"), Decimal("50.0"))
    assert list(rows) == [world.steps["s1"].pk, world.steps["s2"].pk]


def test_it_measures_each_policy_step_over_7_days(world):
    rows = {r.step_id: r for r in figures(days="7").steps}
    s1 = rows[world.steps["s1"].pk]
    # D2's step of 11-10 is measured now (window to 11-17, its payment of 11-12 in it); D3 was cleared on 10-27
    # (its refund came later); Chloé's opt-out on 10-28 falls after her window.
    assert (s1.measured, s1.paid, s1.cleared, s1.debtors, s1.opted_out) == (3, 2, 1, 3, 0)
    s2 = rows[world.steps["s2"].pk]
    # D6's discount on 11-08, the window's last day, clears it; Eve's opt-out on 11-14 is too late.
    assert (s2.measured, s2.paid, s2.cleared, s2.debtors, s2.opted_out) == (2, 2, 1, 2, 0)


def test_it_breaks_down_the_latest_reasons_and_the_reasons_per_month(world):
    rows = {r.reason: (r.debtors, r.outstanding_minor, r.share_pct) for r in figures().reasons}
    assert rows == {
        "forgot": (1, 250_00, Decimal("20.0")),  # Alice said cash flow first, then forgot; D1 100 + D2 150
        "cash_flow": (1, 480_00, Decimal("20.0")),  # Chloé, before the period: D4 400 + D8 80
        "unhappy": (1, 100_00, Decimal("20.0")),  # Bruno: D3
        "billing_problem": (0, 0, Decimal("0.0")),
        "hardship": (1, 0, Decimal("20.0")),  # Dan owes nothing now
        "refuses": (1, 0, Decimal("20.0")),  # Eve owes in USD only
        "other": (0, 0, Decimal("0.0")),
    }
    codes, months = figures().reasons_by_month
    assert codes[:2] == ["forgot", "cash_flow"]
    assert [(m.month, {k: v for k, v in m.counts.items() if v}, m.total) for m in months] == [
        (D(2026, 10, 1), {"cash_flow": 1, "unhappy": 1, "refuses": 1}, 3),  # Bruno's at 00:30 in Paris on 10-01
        (D(2026, 11, 1), {"forgot": 1, "hardship": 1}, 2),
    ]


def test_an_empty_account_has_zero_figures_and_no_undefined_rates(tenant):
    f = Figures(
        ReportParams(
            start=D(2026, 8, 23),
            end=D(2026, 11, 20),
            currency="EUR",
            days=14,
            today=D(2026, 11, 20),
            timezone="Europe/Paris",
            now=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
        )
    )
    assert sum(r.outstanding_minor for r in f.aging) == 0
    assert (f.summary.recovery_rate_pct, f.summary.dso_days) == (None, None)
    assert (f.arrangements.promises_kept_pct, f.arrangements.plans_on_track_pct) == (None, None)
    assert f.steps == []
    assert [m.month for m in f.months] == [D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)]


def test_the_figures_are_read_without_jit_compilation(tenant):
    with report_snapshot(), connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
