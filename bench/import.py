"""CSV import throughput: 1,000,000 debts (--quick: 100,000) through the real import path, against `psql \\copy`.

In a scratch database, with a tenant created by the real signup path, the bench writes a French-style CSV
(semicolons, decimal commas, day-first dates; half a percent of rows with a problem), then times:
- baseline: `psql \\copy` of the same file into a plain table of text columns;
- import: the upload service (stored, encoding checked), the mapping, and the Celery task run eagerly
  (COPY staging, checks in SQL, batched upserts of debtors, contact points, debts and ledger charges).

Usage: .venv/bin/python bench/import.py [--quick] [--rows N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from scratch import scratch_database

BENCH_DB = "amiable_bench_import"
TARGET_RATIO = 3.0
HEADER = [
    "Numéro client",
    "Nom",
    "Email",
    "Téléphone",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
    "Numéro de facture",
    "Libellé",
    "Montant",
    "Devise",
    "Date de facture",
    "Échéance",
]
FIRST = ["Camille", "Léa", "Hugo", "Louis", "Chloé", "Manon", "Jules", "Inès", "Lucas", "Zoé", "Nathan", "Emma"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon"]
CITIES = [("69003", "Lyon"), ("75011", "Paris"), ("13001", "Marseille"), ("31000", "Toulouse"), ("44000", "Nantes")]
STREETS = ["rue des Lilas", "avenue Jean Jaurès", "boulevard Voltaire", "place de la République", "rue Victor Hugo"]
WHAT = ["Abonnement", "Maintenance", "Réparation", "Fourniture", "Prestation de conseil", "Livraison"]


ASCII = str.maketrans("éèëïô", "eeeio")


def write_csv(path: Path, rows: int) -> None:
    """Two debts per debtor on average; one row in 200 has a problem (bad amount, impossible date, bad email)."""
    rng = random.Random(42)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(";".join(HEADER) + "\n")
        lines = []
        for n in range(rows):
            debtor = rng.randrange(max(1, rows // 2))
            first, last = FIRST[debtor % len(FIRST)], LAST[(debtor // 7) % len(LAST)]
            postal, city = CITIES[debtor % len(CITIES)]
            day, month = rng.randint(1, 28), rng.randint(1, 12)
            amount = f"{rng.randint(10, 250_000) / 100:.2f}".replace(".", ",")
            email = f"{first}.{last}.{debtor}@example.fr".lower().translate(ASCII)
            due_month = month % 12 + 1
            due_year = 2025 if due_month > month else 2026
            issue = f"{day:02d}/{month:02d}/2025"
            bad = n % 200 == 199
            if bad:
                kind = n % 3
                amount = "-12,50" if kind == 0 else amount
                issue = "31/02/2025" if kind == 1 else issue
                email = "pas-un-email" if kind == 2 else email
            lines.append(
                ";".join(
                    [
                        f"CL{debtor:07d}",
                        f"{first} {last}",
                        email,
                        f"06 {debtor % 100:02d} {(debtor // 100) % 100:02d} {(debtor // 10000) % 100:02d} 00",
                        f"{debtor % 200 + 1} {STREETS[debtor % len(STREETS)]}",
                        postal,
                        city,
                        "FR",
                        f"F2025-{n:08d}",
                        WHAT[n % len(WHAT)],
                        amount,
                        "EUR",
                        issue,
                        f"{day:02d}/{due_month:02d}/{due_year}",
                    ]
                )
            )
            if len(lines) >= 50_000:
                fh.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            fh.write("\n".join(lines) + "\n")


def baseline_copy(url: str, path: Path) -> float:
    cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    conninfo = url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_baseline")
        conn.execute(f"CREATE TABLE bench_baseline ({cols})")
    started = time.perf_counter()
    subprocess.run(
        [
            "psql",
            conninfo,
            "-q",
            "-c",
            f"\\copy bench_baseline FROM '{path}' WITH (FORMAT csv, HEADER true, DELIMITER ';')",
        ],
        check=True,
    )
    elapsed = time.perf_counter() - started
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_baseline")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, help="any other number of rows")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)

    with (
        tempfile.TemporaryDirectory(prefix="amiable-bench-import-", ignore_cleanup_errors=True) as tmp,
        scratch_database(
            BENCH_DB,
            keep=args.keep,
            env={"CELERY_TASK_ALWAYS_EAGER": "true", "AMIABLE_MEDIA_ROOT": str(Path(tmp) / "media")},
        ) as scratch,
    ):
        import logging

        logging.getLogger("apps.imports").setLevel(logging.DEBUG if os.environ.get("BENCH_DEBUG") else logging.INFO)

        from django.core.files import File
        from django.db import connection

        from apps.audit.services import Actor
        from apps.imports.models import ImportJob
        from apps.imports.services import import_job_configure, import_job_create, import_job_start
        from apps.tenants.services import tenant_create

        tenant, owner = tenant_create(
            subdomain="benchimport",
            legal_name="Bench Recouvrement SAS",
            address_line1="1 rue du Banc",
            postal_code="75011",
            city="Paris",
            country="FR",
            jurisdiction="FR",
            owner_email="owner@bench.test",
            owner_password="bench-owner-password-42",
            default_locale="fr",
            currency="EUR",
            timezone="Europe/Paris",
        )
        csv_path = Path(tmp) / "debts.csv"
        t0 = time.perf_counter()
        write_csv(csv_path, rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f} s")

        baseline = baseline_copy(scratch.url, csv_path)
        print(f"baseline psql \\copy into a plain table: {baseline:.2f} s")

        connection.set_tenant(tenant)
        actor = Actor.for_user(owner)
        started = time.perf_counter()
        with csv_path.open("rb") as fh:
            job = import_job_create(upload=File(fh, name="debts.csv"), actor=actor)
        uploaded = time.perf_counter()
        import_job_configure(
            job=job, mapping=job.mapping, date_order=job.date_order, decimal_comma=job.decimal_comma, actor=actor
        )
        import_job_start(job=job, actor=actor)  # autocommit: on_commit runs the (eager) task at once
        elapsed = time.perf_counter() - started
        job = ImportJob.objects.get(pk=job.pk)
        print(
            f"job {job.status}: {job.total_rows:,} rows, {job.created_count:,} created, {job.updated_count:,} updated, "
            f"{job.unchanged_count:,} unchanged, {job.rejected_count:,} rejected"
        )
        if job.failure_message:
            print(f"failure: {job.failure_message}")
        upload_s = uploaded - started
        print(f"upload (store, detect encoding, check) {upload_s:.2f} s; mapping and task {elapsed - upload_s:.2f} s")
        ratio = elapsed / baseline
        print(f"import: {elapsed:.2f} s vs baseline {baseline:.2f} s = {ratio:.2f}x (target <= {TARGET_RATIO:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
