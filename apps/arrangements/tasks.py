"""The daily arrangements check, fanned out per tenant (see apps.arrangements.services.arrangements_check)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.arrangements.services import arrangements_check
from apps.tenants.models import Tenant, TenantStatus
from config.celery import app


@app.task
def arrangements_check_for_tenant() -> dict[str, int]:
    # Runs inside the schema it was sent from (tenant-schemas-celery); the check is idempotent, so a second
    # delivery or an overlapping run changes nothing more.
    return arrangements_check().as_dict()


@app.task
def arrangements_check_all_tenants() -> list[str]:
    """Hourly: each active tenant's check. The work is daily (missed dates, lapsed requests), but checking every hour
    makes each tenant's day turn at its own midnight and lets a payment recorded by hand complete its plan soon."""
    sent = []
    for schema_name in (
        Tenant.objects.filter(status=TenantStatus.ACTIVE)
        .exclude(schema_name="public")
        .order_by("pk")
        .values_list("schema_name", flat=True)
    ):
        with schema_context(schema_name):
            arrangements_check_for_tenant.delay()
        sent.append(schema_name)
    return sent
