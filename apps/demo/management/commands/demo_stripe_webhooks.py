"""Register every demo tenant's Stripe webhook with the running localstripe (bin/demo runs it at each start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.demo.seed import DEMO_TENANTS
from apps.demo.stripe import demo_webhooks_register
from apps.tenants.models import Tenant


class Command(BaseCommand):
    help = "Point localstripe's webhooks at each demo tenant's webhook address (localstripe keeps them in memory)."

    def handle(self, *args: Any, **options: Any) -> None:
        base = settings.AMIABLE_STRIPE_API_BASE
        if not base:
            raise CommandError("AMIABLE_STRIPE_API_BASE is empty: the demo's webhooks go to localstripe only.")
        tenants = list(Tenant.objects.filter(subdomain__in=[spec.subdomain for spec in DEMO_TENANTS]).order_by("pk"))
        try:
            urls = demo_webhooks_register(tenants, stripe_url=base)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        for url in urls:
            self.stdout.write(f"  webhook → {url}")
