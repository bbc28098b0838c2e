"""Daily collection run: 1,000,000 open debts over 100 tenants (--quick: 100,000 over 20), against a bucket query.

In a scratch database, tenants are created by the real signup path; debtors (two debts each on average, with an
email, a mobile number and a postal address), debts and their ledger charges are written with generate_series.
Every tenant gets a 6-step policy (email -3, email +1, SMS +7, email +15, letter +30, letter +60) and the default
contact rules with their caps. The schedule is in its steady state: the steps reached before today are
remembered as done, as yesterday's run left them, so today's run acts on the debts that cross an offset today.

Timed, tenant by tenant, in the same process:
- baseline: one raw SQL query per tenant computing days-past-due buckets (count and ledger balance) over the same
  debts;
- collection_run: apps.engine.services.collection_run for today (due steps, gate decisions, rendering, outbox
  rows). Nothing is sent: Celery publishes to an in-memory broker no worker reads.
- fixed cost: a run on a tenant with no due debt (the median of several run dates).

Usage: .venv/bin/python bench/collection_run.py [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from typing import Any

from scratch import CELERY_NO_WORKER, scratch_database

BENCH_DB = "amiable_bench_collection"
TARGET_RATIO = 25.0
TARGET_FIXED_MS = 5.0
STEPS = [
    # (offset, channel, template key, stage)
    (-3, "email", "bench-reminder", "friendly"),
    (1, "email", "bench-overdue", "friendly"),
    (7, "sms", "bench-nudge", "friendly"),
    (15, "email", "bench-second", "firm"),
    (30, "letter", "bench-letter", "firm"),
    (60, "letter", "bench-final", "final"),
]
# Due dates spread over this many days before today (and a few after, for the reminder step).
SPREAD_DAYS = 130
AHEAD_DAYS = 10

BUCKETS_SQL = """
SELECT bucket, count(*), sum(balance)
FROM (
    SELECT CASE
             WHEN dpd <= 0 THEN 'current' WHEN dpd <= 30 THEN '1-30' WHEN dpd <= 60 THEN '31-60'
             WHEN dpd <= 90 THEN '61-90' ELSE '90+'
           END AS bucket,
           balance
    FROM (
        SELECT %(today)s::date - (d.due_date + d.schedule_shift_days) AS dpd,
               (SELECT COALESCE(SUM(e.amount_minor), 0) FROM debts_ledgerentry e WHERE e.debt_id = d.id) AS balance
        FROM debts_debt d
        WHERE d.status IN ('open', 'overdue')
    ) debts
    WHERE balance > 0
) b
GROUP BY bucket
"""

DATA_SQL = """
INSERT INTO debtors_debtor (id, external_ref, kind, name, preferred_language, timezone, lifetime_revenue_currency,
                            notes, created_at, updated_at, attorney_details, segment)
SELECT gen_random_uuid(), 'D' || g, 'person', 'Debtor ' || g, CASE WHEN g %% 3 = 0 THEN 'fr' ELSE '' END, '', '',
       '', now(), now(), '', ''
FROM generate_series(1, %(debtors)s) g;

INSERT INTO debtors_contactpoint (id, debtor_id, kind, label, value, address_line1, address_line2, postal_code, city,
                                  region, country, is_primary, is_workplace, consent, validity, validity_note,
                                  created_at, updated_at)
SELECT gen_random_uuid(), d.id, k.kind, '',
       CASE k.kind WHEN 'email' THEN lower(d.external_ref) || '@example.com'
                   WHEN 'phone' THEN '+336' || lpad(substr(d.external_ref, 2), 8, '0')
                   ELSE substr(d.external_ref, 2) || ' rue du Banc, 75011 Paris' END,
       CASE k.kind WHEN 'address' THEN substr(d.external_ref, 2) || ' rue du Banc' ELSE '' END, '',
       CASE k.kind WHEN 'address' THEN '75011' ELSE '' END, CASE k.kind WHEN 'address' THEN 'Paris' ELSE '' END,
       '', CASE k.kind WHEN 'address' THEN 'FR' ELSE '' END, true, false, 'unknown', 'unverified', '', now(), now()
FROM debtors_debtor d CROSS JOIN (VALUES ('email'), ('phone'), ('address')) k(kind);

CREATE TEMPORARY TABLE bench_debtors ON COMMIT DROP AS
SELECT id, row_number() OVER (ORDER BY external_ref) AS n FROM debtors_debtor;
CREATE INDEX ON bench_debtors (n);

INSERT INTO debts_debt (id, external_ref, description, original_amount_minor, currency, issue_date, due_date, status,
                        created_at, updated_at, debtor_id, schedule_shift_days)
SELECT gen_random_uuid(), 'INV-' || g, 'Invoice ' || g, 1000 + (g * 7919) %% 90000, 'EUR',
       %(today)s::date - ((g * 31) %% %(spread)s) + %(ahead)s - 30,
       %(today)s::date - ((g * 31) %% %(spread)s) + %(ahead)s,
       CASE WHEN ((g * 31) %% %(spread)s) > %(ahead)s THEN 'overdue' ELSE 'open' END,
       now(), now(), b.id, 0
FROM generate_series(1, %(debts)s) g
JOIN bench_debtors b ON b.n = 1 + (g * 104729) %% %(debtors)s;

INSERT INTO debts_ledgerentry (kind, amount_minor, currency, occurred_on, description, legal_basis, method, reference,
                               created_at, created_by_label, debt_id)
SELECT 'charge', original_amount_minor, currency, issue_date, '', '', '', '', now(), 'bench', id FROM debts_debt;
"""

HISTORY_SQL = """
WITH yesterday AS (
    INSERT INTO engine_collectionrun (run_date, status, started_at, finished_at, debts_considered, messages_queued,
                                      denied, deferred, letters_pdf, failure_message)
    VALUES (%(today)s::date - 1, 'done', now(), now(), 0, 0, 0, 0, '', '')
    RETURNING id
)
INSERT INTO engine_stepdone (debt_id, run_id, step_id, kind, offset_days, outcome)
SELECT DISTINCT ON (d.id) d.id, (SELECT id FROM yesterday), s.id, 'schedule', s.offset_days, 'queued'
FROM debts_debt d
JOIN policies_step s ON s.version_id = %(version)s AND s.offset_days <= (%(today)s::date - 1) - d.due_date
ORDER BY d.id, s.offset_days DESC;
"""

TEMPLATE_TEXT = {
    "en": ("Your invoice with {{ creditor }}", "Hello {{ debtor.name }}, {{ total }} is still open. {{ debts }}"),
    "fr": ("Votre facture chez {{ creditor }}", "Bonjour {{ debtor.name }}, {{ total }} reste à régler. {{ debts }}"),
}


def policy_install() -> Any:
    """The bench policy (first by priority) and its templates in en and fr, written directly."""
    from apps.policies.models import MessageTemplate, Policy, PolicyVersion, Step, VersionStatus

    policy = Policy.objects.create(name="Bench policy", priority=0)
    version = PolicyVersion.objects.create(policy=policy, number=1, status=VersionStatus.PUBLISHED)
    for position, (offset, channel, key, stage) in enumerate(STEPS, start=1):
        Step.objects.create(
            version=version, position=position, offset_days=offset, channel=channel, template_key=key, stage=stage
        )
        for locale, (subject, body) in TEMPLATE_TEXT.items():
            MessageTemplate.objects.update_or_create(
                key=key,
                channel=channel,
                locale=locale,
                defaults={"stage": stage, "subject": subject if channel != "sms" else "", "body": body},
            )
    return version


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100,000 debts over 20 tenants")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    total_debts, tenants = (100_000, 20) if args.quick else (1_000_000, 100)
    per_tenant = total_debts // tenants

    with scratch_database(BENCH_DB, keep=args.keep, env=CELERY_NO_WORKER) as scratch:
        from django.db import connection, transaction
        from django.db.models import Count
        from django_tenants.utils import tenant_context

        from apps.core.dates import tenant_today
        from apps.engine.models import CollectionRun
        from apps.engine.services import collection_run
        from apps.outbox.models import Message
        from apps.tenants.services import tenant_create

        started = time.perf_counter()
        tenants_made: list[Any] = []
        for n in range(tenants + 1):
            tenant, _owner = tenant_create(
                subdomain=f"run{n:04d}",
                legal_name=f"Bench Creditor {n} SAS",
                address_line1=f"{n} rue du Banc",
                postal_code="75011",
                city="Paris",
                country="FR",
                jurisdiction="FR",
                owner_email=f"owner{n}@bench.test",
                owner_password="bench-owner-password-42",
                owner_name=f"Owner {n}",
                default_locale="en",
                currency="EUR",
                timezone="Europe/Paris",
            )
            tenants_made.append(tenant)
        empty_tenant, tenants_made = tenants_made[0], tenants_made[1:]
        set_up = scratch.migrated_in + time.perf_counter() - started  # migrate_all, then the signups
        print(f"scratch database {BENCH_DB}: {tenants + 1} tenants in {set_up:.1f} s")

        started = time.perf_counter()
        with tenant_context(empty_tenant):
            policy_install()
            today = tenant_today()
        for tenant in tenants_made:
            with tenant_context(tenant), transaction.atomic():
                version = policy_install()
                params = {
                    "today": today,
                    "debts": per_tenant,
                    "debtors": per_tenant // 2,
                    "spread": SPREAD_DAYS,
                    "ahead": AHEAD_DAYS,
                    "version": version.pk,
                }
                with connection.cursor() as cursor:
                    cursor.execute(DATA_SQL, params)
                    cursor.execute(HISTORY_SQL, params)
                    # This tenant's tables only (a bare ANALYZE would lock every schema's tables at once).
                    cursor.execute(
                        "ANALYZE debtors_debtor, debtors_contactpoint, debts_debt, debts_ledgerentry, engine_stepdone"
                    )
        print(f"{total_debts:,} debts over {tenants} tenants written in {time.perf_counter() - started:.1f} s")

        baseline = 0.0
        buckets: dict[str, int] = {}
        for tenant in tenants_made:
            with tenant_context(tenant), connection.cursor() as cursor:
                t0 = time.perf_counter()
                cursor.execute(BUCKETS_SQL, {"today": today})
                rows = cursor.fetchall()
                baseline += time.perf_counter() - t0
            for bucket, count, _balance in rows:
                buckets[bucket] = buckets.get(bucket, 0) + count
        print("days-past-due buckets: " + ", ".join(f"{k} {v:,}" for k, v in sorted(buckets.items())))

        elapsed = 0.0
        per_run: list[float] = []
        counts = {"considered": 0, "queued": 0, "deferred": 0, "denied": 0}
        for tenant in tenants_made:
            with tenant_context(tenant):
                t0 = time.perf_counter()
                run = collection_run(run_date=today)
                took = time.perf_counter() - t0
            elapsed += took
            per_run.append(took)
            counts["considered"] += run.debts_considered
            counts["queued"] += run.messages_queued
            counts["deferred"] += run.deferred
            counts["denied"] += run.denied
        with tenant_context(tenants_made[0]):
            by_channel = dict(Message.objects.values_list("channel").annotate(n=Count("id")).order_by())
        print(
            f"run: {counts['considered']:,} debts considered, {counts['queued']:,} messages written "
            f"({counts['deferred']:,} deferred), {counts['denied']:,} refused by the gate; "
            f"per tenant median {statistics.median(per_run):.3f} s, max {max(per_run):.3f} s; "
            f"first tenant's messages by channel: {by_channel}"
        )

        fixed: list[float] = []
        with tenant_context(empty_tenant):
            for n in range(21):
                t0 = time.perf_counter()
                collection_run(run_date=today + dt.timedelta(days=n))
                fixed.append(time.perf_counter() - t0)
            runs = CollectionRun.objects.count()
        fixed_ms = statistics.median(fixed[1:]) * 1000
        print(
            f"fixed cost per tenant (run with no due debt, median of {len(fixed) - 1} after a warm-up, "
            f"{runs} runs recorded): {fixed_ms:.2f} ms (target <= {TARGET_FIXED_MS:.0f} ms)"
        )
        ratio = elapsed / baseline
        print(
            f"collection_run: {elapsed:.3f} s vs baseline {baseline:.3f} s = {ratio:.2f}x "
            f"(target <= {TARGET_RATIO:.0f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
