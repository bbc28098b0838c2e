"""A tenant of a test module's own for tests that race on real database connections (`transaction=True`).

Committed data is written there: the flush after each test empties that tenant's tables (the connection is left in
its schema) and the tenant is dropped at the end, so nothing committed reaches another test."""

from __future__ import annotations

from django.db import connection

from apps.tenants.models import Tenant
from tests.conftest import PASSWORD


def race_tenant_drop(subdomain: str) -> None:
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(subdomain=subdomain).first()
    if tenant is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
    Tenant.objects.filter(pk=tenant.pk).delete()  # its domain goes with it


def race_tenant_create(subdomain: str, legal_name: str) -> Tenant:
    from apps.tenants.services import tenant_create

    race_tenant_drop(subdomain)  # left over by an interrupted run
    tenant, _owner = tenant_create(
        subdomain=subdomain,
        legal_name=legal_name,
        address_line1="1 quai du Rhône",
        postal_code="69001",
        city="Lyon",
        country="FR",
        jurisdiction="FR",
        owner_email=f"owner@{subdomain}.test",
        owner_password=PASSWORD,
        default_locale="en",
        currency="EUR",
        timezone="Europe/Paris",
    )
    connection.set_schema_to_public()
    return tenant
