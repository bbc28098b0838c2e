"""Scheduled card-payment work, fanned out per tenant: reconciliation (S3), autopay and its reminders, receipts.

Every task is safe to run twice or concurrently with itself: reconciliation applies Stripe's state (idempotent),
autopay makes at most one attempt per instalment and day (CardPayment.autopay_key), a reminder goes once
(Instalment.reminded_at), a receipt once (its message's idempotency key).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.arrangements.models import ArrangementStatus, Instalment, InstalmentStatus
from apps.audit.services import Actor
from apps.core.dates import tenant_today
from apps.payments import notices, selectors, services
from apps.payments.models import FINAL_STATUSES, CardPayment, SavedCard, StripeAccount
from apps.tenants.models import Tenant, TenantStatus
from config.celery import app

logger = logging.getLogger(__name__)

# Payments younger than this are still being answered by the page or the webhook.
RECONCILE_AFTER = dt.timedelta(minutes=5)
# Autopay charges from this tenant-local hour on (not at midnight), as the collection run does.
AUTOPAY_HOUR = 8


def _tenants_with_stripe(*, suspended_too: bool = False) -> list[Tenant]:
    tenants = Tenant.objects.exclude(schema_name="public").order_by("pk")
    if not suspended_too:
        tenants = tenants.exclude(status=TenantStatus.SUSPENDED)
    found = []
    for tenant in tenants:
        with tenant_context(tenant):
            if StripeAccount.objects.exists():
                found.append(tenant)
    return found


@app.task
def card_payments_reconcile() -> int:
    """S3: settle this tenant's unfinished card payments from Stripe (the webhook may never have come)."""
    now = timezone.now()
    actor = Actor.system("card payment reconciliation")
    pending = CardPayment.objects.exclude(status__in=FINAL_STATUSES).filter(created_at__lt=now - RECONCILE_AFTER)
    count = 0
    for payment in pending.order_by("created_at")[:500]:
        services.card_payment_reconcile(card_payment=payment, now=now, actor=actor)
        count += 1
    return count


@app.task
def card_payments_reconcile_all_tenants() -> list[str]:
    started = []
    # A suspended tenant's payments are settled too: the money was taken.
    for tenant in _tenants_with_stripe(suspended_too=True):
        with tenant_context(tenant):
            card_payments_reconcile.delay()
        started.append(tenant.schema_name)
    return started


@app.task
def autopay_run() -> dict[str, int]:
    """Charge saved cards for instalments due today, and remind debtors of the charges a few days ahead."""
    today = tenant_today()
    actor = Actor.system("autopay")
    charged = reminded = 0
    due = (
        Instalment.objects.filter(
            status=InstalmentStatus.DUE,
            due_on=today,
            arrangement__status=ArrangementStatus.ACTIVE,
            arrangement__saved_cards__isnull=False,
            arrangement__saved_cards__revoked_at__isnull=True,
        )
        .select_related("arrangement__debt")
        .distinct()
    )
    for instalment in due:
        if services.autopay_charge(instalment=instalment, today=today, actor=actor) is not None:
            charged += 1
    ahead = (
        Instalment.objects.filter(
            status=InstalmentStatus.DUE,
            due_on__gt=today,
            due_on__lte=today + dt.timedelta(days=services.REMIND_DAYS_BEFORE),
            reminded_at__isnull=True,
            arrangement__status=ArrangementStatus.ACTIVE,
        )
        .select_related("arrangement__debt__debtor")
        .order_by("due_on")
    )
    for instalment in ahead:
        card = selectors.active_saved_card(instalment.arrangement)
        if card is not None and notices.autopay_reminder_send(instalment=instalment, card=card) is not None:
            reminded += 1
    return {"charged": charged, "reminded": reminded}


@app.task
def autopay_all_tenants() -> list[str]:
    """Hourly: each tenant with a Stripe account and saved cards runs autopay once its local hour has come."""
    now = timezone.now()
    started = []
    for tenant in _tenants_with_stripe():
        local = now.astimezone(zoneinfo.ZoneInfo(tenant.timezone or "UTC"))
        if local.hour < AUTOPAY_HOUR:
            continue
        with tenant_context(tenant):
            if not SavedCard.objects.filter(revoked_at__isnull=True).exists():
                continue
            autopay_run.delay()
        started.append(tenant.schema_name)
    return started


@app.task
def card_payment_receipt_send(card_payment_id: str) -> None:
    payment = CardPayment.objects.select_related("debt__debtor", "saved_card").filter(pk=card_payment_id).first()
    if payment is not None:
        notices.card_payment_receipt_send(card_payment=payment)
