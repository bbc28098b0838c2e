"""The base schema new tenants are cloned from, kept current by the same migrate path as every tenant."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists


def base_schema_name() -> str:
    return str(settings.TENANT_BASE_SCHEMA)


def base_schema_ensure(*, verbosity: int = 0) -> None:
    """Create the base schema if missing and apply every tenant migration to it."""
    name = base_schema_name()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()
