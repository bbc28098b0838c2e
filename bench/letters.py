"""Letters: 1,000 letters (--quick: 100) through the real letter path, against bare WeasyPrint on the same HTML.

In a scratch database, one French tenant (created by the real signup path, so with its default templates) gets N
debtors, each with a postal address and two debts. Timed in the same process:
- letters: the real path of a collection run's letters — render_message of the tenant's first-letter template per
  debtor, message_enqueue (outbox rows; Celery publishes to an in-memory broker nobody reads) and letters_merge
  (layout + PDF of the whole batch, stored as the run's print file);
- baseline: N x the median time bare WeasyPrint takes to turn one letter's HTML (the same layout, same data) into
  a PDF, measured on a sample of the same letters.
Letters per second per core use this process's CPU time for the letter path (the database's time is not in it).

Usage: .venv/bin/python bench/letters.py [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from pathlib import Path

from scratch import CELERY_NO_WORKER, ROOT, scratch_database

BENCH_DB = "amiable_bench_letters"
TARGET_RATIO = 1.3
TARGET_PER_CORE = 10.0
SAMPLE = 15


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 letters")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    count = 100 if args.quick else 1000

    os.environ.setdefault("AMIABLE_MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
    with scratch_database(BENCH_DB, keep=args.keep, env=CELERY_NO_WORKER) as scratch:
        import logging

        logging.getLogger("weasyprint").setLevel(logging.ERROR)

        from django.db import transaction
        from django_tenants.utils import tenant_context
        from weasyprint import HTML

        from apps.audit.services import Actor
        from apps.debtors.models import ContactPoint, Debtor
        from apps.debts.services import debt_create
        from apps.engine.models import CollectionRun
        from apps.outbox.letters import letters_html, letters_merge, run_letters
        from apps.outbox.models import Source
        from apps.outbox.services import message_enqueue
        from apps.policies.models import Channel
        from apps.policies.rendering import render_message
        from apps.policies.selectors import template_get
        from apps.tenants.services import tenant_create

        started = time.perf_counter()
        tenant, _owner = tenant_create(
            subdomain="letters",
            legal_name="Bench Recouvrement SAS",
            address_line1="3 rue du Banc",
            postal_code="75011",
            city="Paris",
            country="FR",
            jurisdiction="FR",
            owner_email="owner@bench.test",
            owner_password="bench-owner-password-42",
            owner_name="Owner",
            default_locale="fr",
            currency="EUR",
            timezone="Europe/Paris",
        )
        with tenant_context(tenant):
            actor = Actor.system("bench")
            today = dt.date.today()
            with transaction.atomic():
                debtors = Debtor.objects.bulk_create(
                    Debtor(external_ref=f"D{n:05d}", name=f"Débiteur {n}", preferred_language="fr")
                    for n in range(count)
                )
                ContactPoint.objects.bulk_create(
                    ContactPoint(
                        debtor=d,
                        kind="address",
                        value=f"{n} avenue de la République, 69001 Lyon, FR",
                        address_line1=f"{n} avenue de la République",
                        postal_code="69001",
                        city="Lyon",
                        country="FR",
                        is_primary=True,
                    )
                    for n, d in enumerate(debtors)
                )
                for n, d in enumerate(debtors):
                    for k in range(2):
                        debt_create(
                            debtor=d,
                            external_ref=f"F{n:05d}-{k}",
                            amount_minor=10_000 + 137 * n + 1_000 * k,
                            currency="EUR",
                            issue_date=today - dt.timedelta(days=75 + k),
                            due_date=today - dt.timedelta(days=45 + k),
                            description=f"Commande {n}-{k}",
                            actor=actor,
                        )
            template = template_get("first-letter", Channel.LETTER, "fr")
            if template is None:
                raise SystemExit("the tenant has no first-letter template")
            points = {p.debtor_id: p for p in ContactPoint.objects.filter(kind="address")}
            print(
                f"scratch database {BENCH_DB}: {count} debtors with 2 debts each "
                f"in {scratch.migrated_in + time.perf_counter() - started:.1f} s"
            )

            run = CollectionRun.objects.create(run_date=today)
            debtor_rows = list(Debtor.objects.prefetch_related("debts").order_by("external_ref"))
            wall0, cpu0 = time.perf_counter(), time.process_time()
            with transaction.atomic():
                for d in debtor_rows:
                    debts = list(d.debts.all())
                    rendered = render_message(template=template, debtor=d, debts=debts, tenant=tenant, links={})
                    message_enqueue(
                        idempotency_key=f"run:{today}:{d.pk}",
                        debtor=d,
                        debts=debts,
                        channel=Channel.LETTER,
                        contact_point=points[d.pk],
                        template=template,
                        rendered=rendered,
                        stage=template.stage,
                        source=Source.AUTOMATIC,
                        run=run,
                        actor_label="bench",
                    )
                letters_merge(run)
            letters_wall, letters_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            run.refresh_from_db()
            size_mb = Path(run.letters_pdf.path).stat().st_size / 1e6
            print(
                f"letters path: {count} letters in {letters_wall:.2f} s wall, {letters_cpu:.2f} s CPU; "
                f"print file {run.letters_pdf.name} {size_mb:.1f} MB"
            )

            messages = run_letters(run)
            step = max(1, len(messages) // SAMPLE)
            sample = [letters_html([m], sent_on=today) for m in messages[::step][:SAMPLE]]
            HTML(string=sample[0]).write_pdf()  # warm-up: fonts and caches, as the letter path had
            times = []
            for html in sample:
                t0 = time.perf_counter()
                HTML(string=html).write_pdf()
                times.append(time.perf_counter() - t0)
            median = statistics.median(times)
            baseline = count * median
            print(f"bare WeasyPrint: median {median * 1000:.1f} ms per letter over {len(sample)} letters")

        per_core = count / letters_cpu
        ratio = letters_wall / baseline
        print(f"letters/s per core: {per_core:.1f} (target >= {TARGET_PER_CORE:g})")
        print(f"letters: {letters_wall:.2f} s vs baseline {baseline:.2f} s = {ratio:.2f}x (target <= {TARGET_RATIO}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
