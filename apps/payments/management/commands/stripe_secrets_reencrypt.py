"""After a new key was put first in AMIABLE_FIELD_ENCRYPTION_KEYS: store every tenant's Stripe secrets under it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from apps.payments.crypto import DecryptionError
from apps.payments.services import stripe_secrets_reencrypt
from apps.tenants.models import Tenant


class Command(BaseCommand):
    help = "Re-encrypt the stored Stripe keys of every tenant with the first AMIABLE_FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        total, unreadable = 0, []
        for tenant in Tenant.objects.exclude(schema_name="public").order_by("pk"):
            with tenant_context(tenant):
                try:
                    total += stripe_secrets_reencrypt()
                except DecryptionError:
                    # Left as it was (one transaction per tenant); the others are still rotated.
                    unreadable.append(tenant.subdomain)
        self.stdout.write(f"Re-encrypted the Stripe secrets of {total} tenant(s).")
        if unreadable:
            raise CommandError(
                "No configured key reads the Stripe secrets of: "
                + ", ".join(unreadable)
                + ". Keep the key they were written with in AMIABLE_FIELD_ENCRYPTION_KEYS, or have them re-entered."
            )
