"""Reports dashboard: its figures over one tenant with 500,000 debts (--quick: 50,000), against a scan of the ledger.

In a scratch database, one tenant is created by the real signup path; debtors, debts and a year of ledger history
are written with generate_series: a charge per debt, payments on most (some in full), a few refunds, chargebacks,
write-offs and settlement discounts, in two currencies. The daily run's history (a 4-step policy, a step taken
for about one debt in two over the last 120 days), opt-outs, reasons for non-payment, cases, promises and plans
are added in proportion.

Timed in the same process (median of 5 after a warm-up):
- baseline: one query summing the whole ledger per currency and kind (a full scan of debts_ledgerentry);
- each family of figures (apps.reporting.selectors), and everything the dashboard computes for a request:
  the figures in one snapshot, the tables and the charts, for the last 365 days.

Usage: .venv/bin/python bench/reports.py [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from scratch import CELERY_NO_WORKER, scratch_database

BENCH_DB = "amiable_bench_reports"
# Seven aggregates, two of them per debt over the whole ledger, against one aggregate with a handful of groups.
TARGET_RATIO = 25.0
RUNS = 5

BASELINE_SQL = "SELECT currency, kind, count(*), sum(amount_minor) FROM debts_ledgerentry GROUP BY 1, 2"

DATA_SQL = """
INSERT INTO debtors_debtor (id, external_ref, kind, name, preferred_language, timezone, lifetime_revenue_currency,
                            notes, created_at, updated_at, attorney_details, segment)
SELECT gen_random_uuid(), 'D' || g, 'person', 'Debtor ' || g, '', '', '', '', now(), now(), '', ''
FROM generate_series(1::bigint, %(debtors)s) g;

CREATE TEMPORARY TABLE bench_debtors ON COMMIT DROP AS
SELECT id, row_number() OVER (ORDER BY external_ref) AS n FROM debtors_debtor;
CREATE INDEX ON bench_debtors (n);

-- One debt in ten in USD; due dates spread over 400 days before today and 20 after.
INSERT INTO debts_debt (id, external_ref, description, original_amount_minor, currency, issue_date, due_date, status,
                        created_at, updated_at, debtor_id, schedule_shift_days)
SELECT gen_random_uuid(), 'INV-' || g, '', 1000 + (g * 7919) %% 90000, CASE WHEN g %% 10 = 0 THEN 'USD' ELSE 'EUR' END,
       %(today)s::date - ((g * 31) %% 420)::int - 10, %(today)s::date - ((g * 31) %% 420)::int + 20, 'overdue',
       now(), now(), b.id, 0
FROM generate_series(1::bigint, %(debts)s) g
JOIN bench_debtors b ON b.n = 1 + (g * 104729) %% %(debtors)s;

CREATE TEMPORARY TABLE bench_debts ON COMMIT DROP AS
SELECT id, debtor_id, currency, original_amount_minor AS amount, issue_date, due_date,
       row_number() OVER (ORDER BY external_ref) AS n
FROM debts_debt;

INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method, reference,
                               created_at, created_by_label, debt_id)
SELECT 'charge', amount, currency, issue_date, '', '', '', '', now(), 'bench', id FROM bench_debts;

-- Payments: 6 debts in 10 pay, half of them in full, some days after the due date (never after today).
INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method, reference,
                               created_at, created_by_label, debt_id)
SELECT 'payment', -CASE WHEN n %% 2 = 0 THEN amount ELSE amount / 2 END, currency,
       LEAST(%(today)s::date, due_date + (n %% 45)::int), '', '', 'transfer', 'p' || n, now(), 'bench', id
FROM bench_debts WHERE n %% 10 < 6;

INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method, reference,
                               created_at, created_by_label, debt_id)
SELECT k.kind, k.sign * (amount / 4), currency, LEAST(%(today)s::date, due_date + 50), '', '', k.method, k.kind || n,
       now(), 'bench', id
FROM bench_debts
JOIN (VALUES ('refund', 1, 'card', 0), ('chargeback', 1, 'card', 1)) k(kind, sign, method, slot)
  ON n %% 200 = k.slot;

INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method, reference,
                               created_at, created_by_label, debt_id)
SELECT CASE WHEN n %% 100 = 7 THEN 'write_off' ELSE 'discount' END, -(amount / 2), currency,
       LEAST(%(today)s::date, due_date + 90), '', '', '', '', now(), 'bench', id
FROM bench_debts WHERE n %% 100 IN (7, 9) AND n %% 10 < 6 AND n %% 2 = 1;

INSERT INTO casework_case (id, kind, status, priority, debtor_id, debt_id, subject, details, data, reply_by,
                           paused_debt_ids, opened_by_label, resolution, resolved_at, created_at, updated_at)
SELECT gen_random_uuid(), (ARRAY['dispute', 'hardship', 'callback', 'broken_promise'])[1 + n %% 4],
       CASE WHEN n %% 3 = 0 THEN 'resolved' ELSE 'open' END, 2, debtor_id, id, 'Bench case', '', '{}',
       now() + ((n %% 7) - 3) * interval '1 day', '{}', 'bench', '',
       CASE WHEN n %% 3 = 0 THEN now() - (n %% 200) * interval '1 day' END, now() - (n %% 300) * interval '1 day', now()
FROM bench_debts WHERE n %% 50 = 3;

INSERT INTO arrangements_arrangement (id, debt_id, kind, status, balance_minor, total_minor, currency, pay_by,
                                      frequency, within_margins, created_by_label, created_at, decided_by_label,
                                      decision_note)
SELECT gen_random_uuid(), id, CASE WHEN n %% 2 = 0 THEN 'promise' ELSE 'plan' END,
       (ARRAY['active', 'completed', 'broken'])[1 + n %% 3], amount, amount, currency,
       CASE WHEN n %% 2 = 0 THEN %(today)s::date - (n %% 300)::int END, CASE WHEN n %% 2 = 1 THEN 'monthly' ELSE '' END,
       true, 'bench', now(), '', ''
FROM bench_debts WHERE n %% 20 = 4;

INSERT INTO arrangements_instalment (arrangement_id, number, due_on, amount_minor, status)
SELECT a.id, i, %(today)s::date - 30 + 30 * i, a.total_minor / 3 + 1, CASE WHEN i = 0 THEN 'paid' ELSE 'due' END
FROM arrangements_arrangement a CROSS JOIN generate_series(0, 2) i WHERE a.kind = 'plan';

INSERT INTO debtors_reasonrecord (debtor_id, debt_id, reason, source, note, recorded_at, recorded_by_label)
SELECT debtor_id, id, (ARRAY['forgot', 'cash_flow', 'unhappy', 'billing_problem', 'hardship'])[1 + n %% 5], 'call',
       '', now() - (n %% 365) * interval '1 day', 'bench'
FROM bench_debts WHERE n %% 5 = 1;

INSERT INTO contact_channeloptout (debtor_id, channel, source, evidence, created_at)
SELECT DISTINCT ON (debtor_id) debtor_id, 'email', 'unsubscribe', '', now() - (n %% 120) * interval '1 day'
FROM bench_debts WHERE n %% 40 = 2;
"""

HISTORY_SQL = """
INSERT INTO engine_collectionrun (run_date, status, started_at, finished_at, debts_considered, messages_queued,
                                  denied, deferred, letters_pdf, failure_message)
SELECT %(today)s::date - g, 'done', now(), now(), 0, 0, 0, 0, '', '' FROM generate_series(1, 120) g;

INSERT INTO engine_stepdone (debt_id, run_id, step_id, kind, offset_days, outcome)
SELECT d.id, r.id, s.id, 'schedule', s.offset_days, CASE WHEN d.n %% 25 = 0 THEN 'denied' ELSE 'queued' END
FROM bench_debts d
JOIN policies_step s ON s.version_id = %(version)s
JOIN engine_collectionrun r ON r.run_date = d.due_date + s.offset_days
WHERE d.n %% 2 = 0;
"""


def median_time(fn: Callable[[], Any]) -> float:
    fn()  # warm-up
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50,000 debts")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    debts = 50_000 if args.quick else 500_000

    with scratch_database(BENCH_DB, keep=args.keep, env=CELERY_NO_WORKER):
        from django.db import connection, transaction
        from django.utils import translation
        from django_tenants.utils import tenant_context

        from apps.core.dates import tenant_today
        from apps.policies.models import Policy, PolicyVersion, Step, VersionStatus
        from apps.reporting import selectors
        from apps.reporting.charts import report_charts
        from apps.reporting.forms import report_form
        from apps.reporting.tables import build_tables
        from apps.tenants.services import tenant_create

        tenant, _owner = tenant_create(
            subdomain="reports",
            legal_name="Bench Reports SAS",
            address_line1="1 rue du Banc",
            postal_code="75011",
            city="Paris",
            country="FR",
            jurisdiction="FR",
            owner_email="owner@bench.test",
            owner_password="bench-owner-password-42",
            owner_name="Owner",
            default_locale="en",
            currency="EUR",
            timezone="Europe/Paris",
        )
        started = time.perf_counter()
        with tenant_context(tenant), transaction.atomic():
            today = tenant_today()
            policy = Policy.objects.create(name="Bench policy", priority=0)
            version = PolicyVersion.objects.create(policy=policy, number=1, status=VersionStatus.PUBLISHED)
            for position, (offset, channel) in enumerate([(1, "email"), (7, "sms"), (15, "email"), (30, "letter")]):
                Step.objects.create(
                    version=version,
                    position=position + 1,
                    offset_days=offset,
                    channel=channel,
                    template_key="overdue",
                    stage="friendly",
                )
            params = {"today": today, "debts": debts, "debtors": debts // 2, "version": version.pk}
            with connection.cursor() as cursor:
                cursor.execute(DATA_SQL, params)
                cursor.execute(HISTORY_SQL, params)
                cursor.execute("SELECT count(*) FROM debts_ledgerentry")
                entries = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM engine_stepdone")
                steps = cursor.fetchone()[0]
                cursor.execute(
                    "ANALYZE debtors_debtor, debts_debt, debts_ledgerentry, engine_stepdone, engine_collectionrun, "
                    "casework_case, arrangements_arrangement, arrangements_instalment, debtors_reasonrecord, "
                    "contact_channeloptout"
                )
        print(
            f"{debts:,} debts, {entries:,} ledger entries, {steps:,} policy steps taken, written in "
            f"{time.perf_counter() - started:.1f} s"
        )

        with tenant_context(tenant), translation.override("en"):

            def baseline() -> None:
                with connection.cursor() as cursor:
                    cursor.execute(BASELINE_SQL)
                    cursor.fetchall()

            base = median_time(baseline)
            form = report_form({"period": "365"})
            assert form.is_valid(), form.errors
            p = form.params()
            families: dict[str, Callable[[], Any]] = {
                "aging": lambda: selectors.outstanding_by_aging(p),
                "ledger flows": lambda: selectors.ledger_flows_by_month(p),
                "arrangements": lambda: selectors.arrangements_figures(p),
                "cases": lambda: selectors.cases_by_kind(p),
                "policy steps": lambda: selectors.steps_outcomes(p),
                "reasons": lambda: selectors.reasons_current(p),
                "reasons per month": lambda: selectors.reasons_monthly(p),
            }
            for name, fn in families.items():

                def in_snapshot(fn: Callable[[], Any] = fn) -> None:
                    with selectors.report_snapshot():
                        fn()

                print(f"  {name}: {median_time(in_snapshot) * 1000:.0f} ms")

            def dashboard() -> None:
                # What the view does: a fresh Figures each time (nothing is cached between requests).
                with selectors.report_snapshot():
                    tables = build_tables(selectors.Figures(p))
                report_charts(tables)

            whole = median_time(dashboard)
            summary = selectors.Figures(p).summary
            print(
                f"last 365 days: outstanding {summary.outstanding_minor / 100:,.2f} EUR, recovered "
                f"{summary.recovered_minor / 100:,.2f} EUR, recovery rate {summary.recovery_rate_pct} %, "
                f"DSO {summary.dso_days} days"
            )
            ratio = whole / base
            print(
                f"reports (figures, tables, charts): {whole:.3f} s vs baseline {base:.3f} s = {ratio:.2f}x "
                f"(target <= {TARGET_RATIO:.0f}x)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
