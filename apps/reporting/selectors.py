"""The reporting figures (A1–A3), each family computed by one set-based SQL query in the tenant's schema.

Money comes from the ledger only (debts_ledgerentry, integer minor units), one currency at a time: amounts in
different currencies are never added. Days are the tenant's calendar days: ledger entries carry a date, and
timestamps (cases, opt-outs, reasons) are read at the tenant's midnight.

Definitions (the dashboard says the same in words):

- Outstanding on a day D: per debt, the sum of its ledger entries dated up to D; debts with a positive sum count,
  in the aging bucket of their due date seen from D (apps.debts.models.aging_bucket_range).
- Recovered: payments less refunds less chargebacks, by the date of the ledger entry (a chargeback that was won
  comes back as a payment).
- Given up: write-offs and settlement discounts.
- Recovery rate of a period: recovered ÷ (recovered + given up + outstanding at the end of the period).
- DSO (days sales outstanding, the standard formula): outstanding at the end of the period ÷ amounts billed in
  the period (charges, interest and fees) × the days of the period. No billing in the period: no DSO.
- Promises kept: promises to pay whose date falls in the period, kept (completed) against broken.
- Plans on track (today): active payment plans with no instalment missed or past its date unpaid.
- Per policy step: steps the daily run acted on in the period, except those the contact rules refused (no message
  went); of the debts reached, the share with a payment within N days from the run's day, and the share cleared
  (a payment in that window and nothing left owing at its end); of the debtors reached, the share that opted out
  of a channel in that window. Steps whose window has not ended yet are not counted.
- Reasons for non-payment: each debtor's latest recorded reason up to the end of the period, with what those
  debtors owe; and every recording, by month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.db import connection, transaction

from apps.casework.models import CaseKind
from apps.debtors.models import NonPaymentReason
from apps.debts.models import AgingBucket, EntryKind

PCT_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class ReportParams:
    """What every figure is computed for: a period of tenant-local days (both ends included), a currency for the
    money figures, the N of "paid within N days", and the tenant's today and timezone."""

    start: dt.date
    end: dt.date
    currency: str
    days: int
    today: dt.date
    timezone: str
    now: dt.datetime

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1

    def sql(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "currency": self.currency,
            "days": self.days,
            "today": self.today,
            "tz": self.timezone,
            "now": self.now,
        }


def share_pct(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (half up); None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PCT_PLACES, rounding=ROUND_HALF_UP)


@contextmanager
def report_snapshot() -> Iterator[None]:
    """Read a request's figures in one transaction: a single snapshot of the ledger (the totals of one family
    agree with another's even while payments arrive), read-only, and without PostgreSQL's JIT compilation, which
    costs these sub-second queries far more than it saves (seconds on a busy server).

    Inside a transaction already (tests), the isolation level is the caller's."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL jit = off")
        yield


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First day of every calendar month the period touches."""
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


# --- Currencies ------------------------------------------------------------------------------------------------


def report_currencies(tenant_currency: str) -> list[str]:
    """Currencies with anything in the ledger, and the tenant's own."""
    found = {row[0] for row in _rows("SELECT DISTINCT currency FROM debts_ledgerentry", {})}
    if tenant_currency:
        found.add(tenant_currency)
    return sorted(found)


# --- Outstanding by aging bucket -------------------------------------------------------------------------------

# The CASE mirrors apps.debts.models.aging_bucket_range (a test checks every boundary against aging_bucket_for).
AGING_SQL = """
WITH balances AS MATERIALIZED (
    -- Materialized: computed once, not again in each parallel worker.
    SELECT e.debt_id, SUM(e.amount_minor) AS balance
    FROM debts_ledgerentry e
    WHERE e.currency = %(currency)s AND e.occurred_on <= %(end)s::date
    GROUP BY e.debt_id
    HAVING SUM(e.amount_minor) > 0
)
SELECT
    CASE
        WHEN d.due_date >= %(end)s::date THEN 'current'
        WHEN d.due_date >= %(end)s::date - 30 THEN '1-30'
        WHEN d.due_date >= %(end)s::date - 60 THEN '31-60'
        WHEN d.due_date >= %(end)s::date - 90 THEN '61-90'
        ELSE '90+'
    END AS bucket,
    COUNT(*) AS debts,
    SUM(b.balance) AS outstanding
FROM balances b
JOIN debts_debt d ON d.id = b.debt_id
GROUP BY 1
"""


@dataclass(frozen=True)
class AgingRow:
    bucket: str
    debts: int
    outstanding_minor: int


def outstanding_by_aging(params: ReportParams) -> list[AgingRow]:
    """Every bucket, in order, with what is outstanding in it at the end of the period (zero when empty)."""
    found = {bucket: (int(debts), int(total)) for bucket, debts, total in _rows(AGING_SQL, params.sql())}
    return [AgingRow(b.value, *found.get(b.value, (0, 0))) for b in AgingBucket]


# --- Ledger flows by month -------------------------------------------------------------------------------------

FLOWS_SQL = """
SELECT
    date_trunc('month', e.occurred_on)::date AS month,
    COALESCE(-SUM(e.amount_minor) FILTER (WHERE e.kind = %(payment)s), 0) AS payments,
    COALESCE(SUM(e.amount_minor) FILTER (WHERE e.kind = %(refund)s), 0) AS refunds,
    COALESCE(SUM(e.amount_minor) FILTER (WHERE e.kind = %(chargeback)s), 0) AS chargebacks,
    COALESCE(-SUM(e.amount_minor) FILTER (WHERE e.kind = %(write_off)s), 0) AS written_off,
    COALESCE(-SUM(e.amount_minor) FILTER (WHERE e.kind = %(discount)s), 0) AS discounts,
    COALESCE(SUM(e.amount_minor) FILTER (WHERE e.kind = ANY(%(billed)s)), 0) AS billed
FROM debts_ledgerentry e
WHERE e.currency = %(currency)s AND e.occurred_on BETWEEN %(start)s::date AND %(end)s::date
GROUP BY 1
"""

BILLED_KINDS = [EntryKind.CHARGE.value, EntryKind.INTEREST.value, EntryKind.FEE.value]


@dataclass(frozen=True)
class MonthFlows:
    month: dt.date
    payments_minor: int = 0
    refunds_minor: int = 0
    chargebacks_minor: int = 0
    written_off_minor: int = 0
    discounts_minor: int = 0
    billed_minor: int = 0

    @property
    def recovered_minor(self) -> int:
        return self.payments_minor - self.refunds_minor - self.chargebacks_minor


def ledger_flows_by_month(params: ReportParams) -> list[MonthFlows]:
    """Every calendar month of the period (the first and last cut to the period), zero when nothing happened."""
    sql_params = {
        **params.sql(),
        "payment": EntryKind.PAYMENT.value,
        "refund": EntryKind.REFUND.value,
        "chargeback": EntryKind.CHARGEBACK.value,
        "write_off": EntryKind.WRITE_OFF.value,
        "discount": EntryKind.DISCOUNT.value,
        "billed": BILLED_KINDS,
    }
    found = {row[0]: MonthFlows(row[0], *(int(v) for v in row[1:])) for row in _rows(FLOWS_SQL, sql_params)}
    return [found.get(month, MonthFlows(month)) for month in _months(params.start, params.end)]


@dataclass(frozen=True)
class Summary:
    currency: str
    period_days: int
    billed_minor: int
    payments_minor: int
    refunds_minor: int
    chargebacks_minor: int
    recovered_minor: int
    written_off_minor: int
    discounts_minor: int
    outstanding_minor: int
    recovery_rate_pct: Decimal | None
    dso_days: Decimal | None


def summary_figures(params: ReportParams, aging: Sequence[AgingRow], months: Sequence[MonthFlows]) -> Summary:
    """The period's totals, recovery rate and DSO, from the two queries above (no query of its own)."""
    recovered = sum(m.recovered_minor for m in months)
    given_up = sum(m.written_off_minor + m.discounts_minor for m in months)
    outstanding = sum(row.outstanding_minor for row in aging)
    billed = sum(m.billed_minor for m in months)
    dso = None
    if billed > 0:
        dso = (Decimal(outstanding) * params.period_days / Decimal(billed)).quantize(PCT_PLACES, rounding=ROUND_HALF_UP)
    return Summary(
        currency=params.currency,
        period_days=params.period_days,
        billed_minor=billed,
        payments_minor=sum(m.payments_minor for m in months),
        refunds_minor=sum(m.refunds_minor for m in months),
        chargebacks_minor=sum(m.chargebacks_minor for m in months),
        recovered_minor=recovered,
        written_off_minor=sum(m.written_off_minor for m in months),
        discounts_minor=sum(m.discounts_minor for m in months),
        outstanding_minor=outstanding,
        recovery_rate_pct=share_pct(recovered, recovered + given_up + outstanding),
        dso_days=dso,
    )


# --- Promises and plans ----------------------------------------------------------------------------------------

ARRANGEMENTS_SQL = """
SELECT
    COUNT(*) FILTER (WHERE a.kind = 'promise' AND a.status = 'completed' AND a.pay_by BETWEEN %(start)s AND %(end)s),
    COUNT(*) FILTER (WHERE a.kind = 'promise' AND a.status = 'broken' AND a.pay_by BETWEEN %(start)s AND %(end)s),
    COUNT(*) FILTER (WHERE a.kind = 'promise' AND a.status = 'active' AND a.pay_by BETWEEN %(start)s AND %(end)s),
    COUNT(*) FILTER (WHERE a.kind = 'plan' AND a.status = 'active' AND NOT EXISTS (
        SELECT 1 FROM arrangements_instalment i
        WHERE i.arrangement_id = a.id
          AND (i.status = 'missed' OR (i.status = 'due' AND i.due_on < %(today)s::date))
    )),
    COUNT(*) FILTER (WHERE a.kind = 'plan' AND a.status = 'active')
FROM arrangements_arrangement a
WHERE a.kind IN ('promise', 'plan') AND a.status IN ('active', 'completed', 'broken')
"""


@dataclass(frozen=True)
class Arrangements:
    promises_kept: int
    promises_broken: int
    promises_open: int
    plans_on_track: int
    plans_active: int

    @property
    def promises_kept_pct(self) -> Decimal | None:
        return share_pct(self.promises_kept, self.promises_kept + self.promises_broken)

    @property
    def plans_behind(self) -> int:
        return self.plans_active - self.plans_on_track

    @property
    def plans_on_track_pct(self) -> Decimal | None:
        return share_pct(self.plans_on_track, self.plans_active)


def arrangements_figures(params: ReportParams) -> Arrangements:
    (row,) = _rows(ARRANGEMENTS_SQL, params.sql())
    return Arrangements(*(int(v) for v in row))


# --- Cases by kind ---------------------------------------------------------------------------------------------

CASES_SQL = """
SELECT
    c.kind,
    COUNT(*) FILTER (WHERE c.status = 'open') AS open,
    COUNT(*) FILTER (WHERE c.status = 'open' AND c.reply_by < %(now)s) AS overdue,
    COUNT(*) FILTER (WHERE (c.created_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s) AS opened,
    COUNT(*) FILTER (
        WHERE c.status = 'resolved' AND (c.resolved_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
    ) AS resolved
FROM casework_case c
GROUP BY c.kind
"""


@dataclass(frozen=True)
class CaseKindRow:
    kind: str
    open: int = 0
    overdue: int = 0
    opened: int = 0
    resolved: int = 0


def cases_by_kind(params: ReportParams) -> list[CaseKindRow]:
    """Every kind of case: open now (and of those, past the time the debtor was promised an answer), and opened and
    resolved in the period."""
    found = {row[0]: CaseKindRow(row[0], *(int(v) for v in row[1:])) for row in _rows(CASES_SQL, params.sql())}
    kinds = [k.value for k in CaseKind] + sorted(set(found) - set(CaseKind.values))
    return [found.get(kind, CaseKindRow(kind)) for kind in kinds]


# --- Per policy step -------------------------------------------------------------------------------------------

STEPS_SQL = """
WITH acted AS (
    SELECT sd.id, sd.step_id, sd.debt_id, sd.outcome, d.debtor_id, r.run_date,
           r.run_date + %(days)s AS window_end,
           sd.outcome <> 'denied' AND r.run_date + %(days)s <= %(today)s::date AS measured
    FROM engine_stepdone sd
    JOIN engine_collectionrun r ON r.id = sd.run_id
    JOIN debts_debt d ON d.id = sd.debt_id
    WHERE r.run_date BETWEEN %(start)s::date AND %(end)s::date
), ledger AS (
    -- Per measured step, from its debt's ledger up to the window's end: a payment inside the window, and whether
    -- anything was left owing at its end.
    SELECT a.id,
           bool_or(e.kind = 'payment' AND e.occurred_on >= a.run_date) AS paid,
           SUM(e.amount_minor) <= 0 AS nothing_owed
    FROM acted a
    JOIN debts_ledgerentry e ON e.debt_id = a.debt_id AND e.occurred_on <= a.window_end
    WHERE a.measured
    GROUP BY a.id
), opted AS (
    SELECT DISTINCT a.id
    FROM acted a
    JOIN contact_channeloptout o ON o.debtor_id = a.debtor_id
    WHERE a.measured AND (o.created_at AT TIME ZONE %(tz)s)::date BETWEEN a.run_date AND a.window_end
)
SELECT
    s.id, p.name, v.number, s.position, s.kind, s.offset_days, s.channel, s.template_key, s.stage,
    COUNT(*) AS acted,
    COUNT(*) FILTER (WHERE a.outcome = 'denied') AS refused,
    COUNT(*) FILTER (WHERE a.measured) AS measured,
    COUNT(*) FILTER (WHERE l.paid) AS paid,
    COUNT(*) FILTER (WHERE l.paid AND l.nothing_owed) AS cleared,
    COUNT(DISTINCT a.debtor_id) FILTER (WHERE a.measured) AS debtors,
    COUNT(DISTINCT a.debtor_id) FILTER (WHERE o.id IS NOT NULL) AS opted_out
FROM acted a
LEFT JOIN ledger l ON l.id = a.id
LEFT JOIN opted o ON o.id = a.id
JOIN policies_step s ON s.id = a.step_id
JOIN policies_policyversion v ON v.id = s.version_id
JOIN policies_policy p ON p.id = v.policy_id
GROUP BY s.id, p.name, p.priority, v.number, s.position, s.kind, s.offset_days, s.channel, s.template_key, s.stage
ORDER BY p.priority, p.name, v.number, s.position
"""


@dataclass(frozen=True)
class StepRow:
    step_id: int
    policy: str
    version: int
    position: int
    kind: str
    offset_days: int
    channel: str
    template_key: str
    stage: str
    acted: int
    refused: int
    measured: int
    paid: int
    cleared: int
    debtors: int
    opted_out: int

    @property
    def paid_pct(self) -> Decimal | None:
        return share_pct(self.paid, self.measured)

    @property
    def cleared_pct(self) -> Decimal | None:
        return share_pct(self.cleared, self.measured)

    @property
    def opted_out_pct(self) -> Decimal | None:
        return share_pct(self.opted_out, self.debtors)


def steps_outcomes(params: ReportParams) -> list[StepRow]:
    """One row per policy step (of any version) the daily run acted on in the period."""
    return [StepRow(*row) for row in _rows(STEPS_SQL, params.sql())]


# --- Reasons for non-payment -----------------------------------------------------------------------------------

REASONS_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (r.debtor_id) r.debtor_id, r.reason
    FROM debtors_reasonrecord r
    WHERE (r.recorded_at AT TIME ZONE %(tz)s)::date <= %(end)s::date
    ORDER BY r.debtor_id, r.recorded_at DESC, r.id DESC
), balances AS MATERIALIZED (
    -- Only the debts of debtors who gave a reason.
    SELECT d.debtor_id, SUM(e.amount_minor) AS balance
    FROM latest l
    JOIN debts_debt d ON d.debtor_id = l.debtor_id
    JOIN debts_ledgerentry e ON e.debt_id = d.id
    WHERE e.currency = %(currency)s AND e.occurred_on <= %(end)s::date
    GROUP BY d.id, d.debtor_id
    HAVING SUM(e.amount_minor) > 0
), owed AS (
    SELECT debtor_id, SUM(balance) AS outstanding FROM balances GROUP BY debtor_id
)
SELECT l.reason, COUNT(*) AS debtors, COALESCE(SUM(o.outstanding), 0) AS outstanding
FROM latest l
LEFT JOIN owed o ON o.debtor_id = l.debtor_id
GROUP BY l.reason
"""

REASONS_BY_MONTH_SQL = """
SELECT date_trunc('month', (r.recorded_at AT TIME ZONE %(tz)s))::date AS month, r.reason, COUNT(*)
FROM debtors_reasonrecord r
WHERE (r.recorded_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s::date AND %(end)s::date
GROUP BY 1, 2
"""


def _reason_codes(found: set[str]) -> list[str]:
    return [r.value for r in NonPaymentReason] + sorted(found - set(NonPaymentReason.values))


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    debtors: int
    outstanding_minor: int
    total_debtors: int

    @property
    def share_pct(self) -> Decimal | None:
        return share_pct(self.debtors, self.total_debtors)


def reasons_current(params: ReportParams) -> list[ReasonRow]:
    """Each reason with the debtors whose latest recorded reason it is, and what they owe in the currency."""
    found = {reason: (int(n), int(owed)) for reason, n, owed in _rows(REASONS_SQL, params.sql())}
    total = sum(n for n, _owed in found.values())
    return [ReasonRow(code, *found.get(code, (0, 0)), total) for code in _reason_codes(set(found))]


@dataclass(frozen=True)
class ReasonMonth:
    month: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def reasons_monthly(params: ReportParams) -> tuple[list[str], list[ReasonMonth]]:
    """Every recording of a reason, by month of the period: the reason codes in order, and one row per month."""
    found: dict[dt.date, dict[str, int]] = {}
    for month, reason, count in _rows(REASONS_BY_MONTH_SQL, params.sql()):
        found.setdefault(month, {})[reason] = int(count)
    codes = _reason_codes({reason for counts in found.values() for reason in counts})
    months = [
        ReasonMonth(month, {code: found.get(month, {}).get(code, 0) for code in codes})
        for month in _months(params.start, params.end)
    ]
    return codes, months


# --- Everything the dashboard shows ----------------------------------------------------------------------------


class Figures:
    """The figures for one set of parameters, each family queried when first read and then kept: the dashboard
    reads them all (seven queries, whatever the number of debts), a CSV file or an API call only its own."""

    def __init__(self, params: ReportParams) -> None:
        self.params = params

    @cached_property
    def aging(self) -> list[AgingRow]:
        return outstanding_by_aging(self.params)

    @cached_property
    def months(self) -> list[MonthFlows]:
        return ledger_flows_by_month(self.params)

    @cached_property
    def summary(self) -> Summary:
        return summary_figures(self.params, self.aging, self.months)

    @cached_property
    def arrangements(self) -> Arrangements:
        return arrangements_figures(self.params)

    @cached_property
    def cases(self) -> list[CaseKindRow]:
        return cases_by_kind(self.params)

    @cached_property
    def steps(self) -> list[StepRow]:
        return steps_outcomes(self.params)

    @cached_property
    def reasons(self) -> list[ReasonRow]:
        return reasons_current(self.params)

    @cached_property
    def reasons_by_month(self) -> tuple[list[str], list[ReasonMonth]]:
        return reasons_monthly(self.params)
