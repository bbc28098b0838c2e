"""Debtor upkeep fanned out per tenant: segments move as days pass (e.g. a debt crossing 60 days past due)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.debtors.segments import segments_recompute
from apps.tenants.models import Tenant, TenantStatus
from config.celery import app


@app.task
def segments_recompute_for_tenant() -> int:
    # Runs inside the schema it was sent from (tenant-schemas-celery); recomputing twice changes nothing.
    return segments_recompute()


@app.task
def segments_recompute_all_tenants() -> None:
    tenants = Tenant.objects.filter(status=TenantStatus.ACTIVE).exclude(schema_name="public")
    for schema_name in tenants.values_list("schema_name", flat=True):
        with schema_context(schema_name):
            segments_recompute_for_tenant.delay()
