"""Celery beat fans the daily run out per tenant, each at its own tenant-local hour."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.engine.models import CollectionRun
from apps.engine.services import collection_run
from apps.outbox.letters import letters_merge
from apps.policies.selectors import contact_rules_get
from apps.tenants.models import Tenant, TenantStatus
from config.celery import app


@app.task
def collection_run_for_tenant() -> int:
    # Runs inside the schema it was sent from (tenant-schemas-celery); a second delivery finds the day's run.
    return collection_run().pk


@app.task
def collection_run_letters_merge(run_id: int) -> None:
    """All letters of a run merged into one print file (apps.outbox.letters)."""
    letters_merge(CollectionRun.objects.get(pk=run_id))


@app.task
def collection_runs_due() -> list[str]:
    """Every 15 minutes: start the run of each active tenant whose local run hour has come and who has none today."""
    now = timezone.now()
    started = []
    for tenant in Tenant.objects.filter(status=TenantStatus.ACTIVE).exclude(schema_name="public").order_by("pk"):
        local = now.astimezone(zoneinfo.ZoneInfo(tenant.timezone or "UTC"))
        with tenant_context(tenant):
            if local.hour < contact_rules_get().run_hour:
                continue
            if CollectionRun.objects.filter(run_date=local.date()).exists():
                continue
            collection_run_for_tenant.delay()
        started.append(tenant.schema_name)
    return started
