"""Celery tasks of the outbox (tenant-aware: each runs inside the schema it was queued from)."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context

from apps.outbox import delivery


@shared_task
def message_deliver(message_id: str) -> None:
    delivery.message_deliver(message_id)


@shared_task
def outbox_deliver_pending_tenant() -> int:
    """Deliver the current tenant's queued messages whose not_before has passed."""
    ids = delivery.messages_due()
    for message_id in ids:
        delivery.message_deliver(message_id)
    return len(ids)


@shared_task
def outbox_deliver_pending() -> None:
    """Beat entry point: sweep every active tenant (a retry or a deferral waits here for its time)."""
    for tenant in get_tenant_model().objects.exclude(schema_name="public").filter(status="active"):
        with tenant_context(tenant):
            outbox_deliver_pending_tenant.delay()
