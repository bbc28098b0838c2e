"""Tenant signup cost as the platform grows: create tenants up to 200 (--quick: 50) in a scratch database.

Each creation is the real signup path (apps.tenants.services.tenant_create: schema cloned from the base schema,
domain, owner with a hashed password, audit rows). The ratio compares the last tenant with tenant #10, each
taken as the median of a five-creation window so one autovacuum pause does not decide the verdict.

Usage: .venv/bin/python bench/tenants.py [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from scratch import scratch_database

BENCH_DB = "amiable_bench_tenants"
TARGET_RATIO = 1.5
TARGET_SECONDS = 2.0


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of the PostgreSQL backend serving us, when it runs on this machine (else None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def window_median(times: list[float], last_index: int, width: int = 5) -> float:
    """Median of the `width` creations centred on 1-based `last_index` (clamped to the run)."""
    half = width // 2
    start = max(0, min(last_index - 1 - half, len(times) - width))
    return statistics.median(times[start : start + width])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50 tenants instead of 200")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()
    total = 50 if args.quick else 200

    with scratch_database(BENCH_DB, keep=args.keep) as scratch:
        from django.db import connection
        from django.db.migrations.recorder import MigrationRecorder

        from apps.tenants.services import tenant_create

        migrations = MigrationRecorder.Migration.objects.count()
        print(f"scratch database {BENCH_DB}: migrate_all in {scratch.migrated_in:.1f} s")

        times: list[float] = []
        cpu: list[float] = []
        for n in range(1, total + 1):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = int(cursor.fetchone()[0])
            server0 = backend_cpu_seconds(backend)
            c0 = time.process_time()
            t0 = time.perf_counter()
            tenant_create(
                subdomain=f"bench{n:04d}",
                legal_name=f"Bench Creditor {n} SAS",
                address_line1=f"{n} rue du Banc",
                postal_code="75011",
                city="Paris",
                country="FR",
                jurisdiction="FR",
                owner_email=f"owner{n}@bench.test",
                owner_password="bench-owner-password-42",
                owner_name=f"Owner {n}",
                default_locale="fr",
                currency="EUR",
                timezone="Europe/Paris",
            )
            times.append(time.perf_counter() - t0)
            server1 = backend_cpu_seconds(backend)
            server = (server1 - server0) if server0 is not None and server1 is not None else 0.0
            cpu.append(time.process_time() - c0 + server)

        print(f"{total} tenants created, public schema with {migrations} applied migrations")
        print(f"{'tenant #':>9} {'this one (s)':>13} {'median of 5 (s)':>16} {'CPU, median of 5 (s)':>21}")
        marks = sorted({1, 10, 25, 50, 100, 150, 200, total} & set(range(1, total + 1)))
        for mark in marks:
            print(
                f"{mark:>9} {times[mark - 1]:>13.3f} {window_median(times, mark):>16.3f}"
                f" {window_median(cpu, mark):>21.3f}"
            )
        worst = max(times)
        worst_at = times.index(worst) + 1
        print(
            f"max single creation: {worst:.3f} s (tenant #{worst_at}) vs target {TARGET_SECONDS:.0f} s: "
            f"{'OK' if worst <= TARGET_SECONDS else 'OVER'}; mean {statistics.mean(times):.3f} s"
        )
        cpu_ratio = window_median(cpu, total) / window_median(cpu, 10)
        print(
            f"CPU (client + PostgreSQL backend), insensitive to other load on the machine: "
            f"{window_median(cpu, total):.3f} s vs {window_median(cpu, 10):.3f} s = {cpu_ratio:.2f}x"
        )
        baseline = window_median(times, 10)
        last = window_median(times, total)
        ratio = last / baseline
        print(f"tenants: {last:.3f} s vs baseline {baseline:.3f} s = {ratio:.2f}x (target <= {TARGET_RATIO}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
