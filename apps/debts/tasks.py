"""Scheduled debt upkeep, fanned out per tenant."""

from __future__ import annotations

from django_tenants.utils import get_tenant_model, schema_context

from apps.debts.services import debts_mark_overdue
from config.celery import app


@app.task
def debts_mark_overdue_for_tenant() -> int:
    # Runs inside the schema it was sent from (tenant-schemas-celery).
    return debts_mark_overdue()


@app.task
def debts_mark_overdue_all_tenants() -> None:
    for schema_name in get_tenant_model().objects.exclude(schema_name="public").values_list("schema_name", flat=True):
        with schema_context(schema_name):
            debts_mark_overdue_for_tenant.delay()
