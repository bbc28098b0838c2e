"""Migrate the public schema, the base schema new tenants are cloned from, then every tenant."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.tenants.schema import base_schema_ensure


class Command(BaseCommand):
    help = "Migrate public, the tenant base schema and all tenant schemas."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        base_schema_ensure(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
