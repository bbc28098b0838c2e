"""Migrate the public schema, the base schema new tenants are cloned from, then every tenant.

Tenants created before a default (policy, templates, margins, contact rules) existed get it here: installing
defaults is idempotent and never overwrites what a tenant configured.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from apps.policies.services import policies_install_defaults
from apps.tenants.models import Tenant
from apps.tenants.schema import base_schema_ensure


class Command(BaseCommand):
    help = "Migrate public, the tenant base schema and all tenant schemas, then install missing tenant defaults."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        base_schema_ensure(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        for tenant in Tenant.objects.exclude(schema_name="public").order_by("pk"):
            with tenant_context(tenant):
                policies_install_defaults(tenant=tenant)
