"""The tenant whose schema the database connection is in (set per request or by schema_context)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import tenant_context


def current_tenant() -> Any:
    return getattr(connection, "tenant", None)


def on_commit_in_tenant(func: Callable[[], Any]) -> None:
    """`transaction.on_commit` that runs `func` in the schema it was queued from.

    A transaction opened outside a tenant's context (a setup script, a webhook that looks the tenant up first)
    commits after that context has ended: a plain on_commit callback would then read the public schema, and a
    Celery task it sends would be routed to `public`."""
    tenant = current_tenant()

    def run() -> None:
        if tenant is None or getattr(current_tenant(), "schema_name", None) == tenant.schema_name:
            func()
            return
        with tenant_context(tenant):
            func()

    transaction.on_commit(run)
