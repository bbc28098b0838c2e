"""Seed the demo tenants (skipping any that exist) and print where to sign in."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.demo.seed import DEFAULT_SEED, DEFAULT_SIZE, demo_summary, seed_demo


class Command(BaseCommand):
    help = "Create the demo creditors (FR, PL, US) with staff, debtors and debts, then print URLs and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="debtors per tenant")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument("--summary-only", action="store_true", help="print URLs and logins, seed nothing")
        parser.add_argument("--no-summary", action="store_true", help="seed without printing URLs and logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["summary_only"]:
            started = time.monotonic()
            report = seed_demo(size=options["size"], seed=options["seed"], progress=self.stdout.write)
            for subdomain in report.created:
                self.stdout.write(
                    f"  {subdomain}: {report.debtors[subdomain]} debtors, {report.debts[subdomain]} debts"
                )
            if report.skipped:
                self.stdout.write(f"Already there, left as they are: {', '.join(report.skipped)}")
            if report.created:
                self.stdout.write(f"Seeded in {time.monotonic() - started:.1f} s")
        if options["no_summary"]:
            return
        self.stdout.write("")
        for line in demo_summary():
            self.stdout.write(line)
