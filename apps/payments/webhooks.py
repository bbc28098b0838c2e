"""Stripe webhooks (S2), one endpoint per tenant on the public site: /webhooks/stripe/<subdomain>/.

The signature is checked with that tenant's signing secret (bad or missing → 400, nothing stored; an old timestamp
is refused by the tolerance). The event is stored once by its id and processed in the same transaction: a duplicate
answers 200 and is not processed again; a processing error answers 500 so Stripe retries, and the event stays
unprocessed (its error kept). For payment_intent.* events the PaymentIntent is read again from Stripe, the source of
truth, so the order events arrive in does not matter.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import tenant_context

from apps.audit.services import Actor
from apps.payments import crypto, selectors, services
from apps.payments.models import CardPayment, StripeEvent
from apps.payments.stripe_api import object_id, stripe_client
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

# Stripe's default: a signed event older than five minutes is a replay.
TOLERANCE_SECONDS = 300
ACTOR = Actor.system("Stripe webhook")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, subdomain: str) -> HttpResponse:
    tenant = Tenant.objects.filter(subdomain=subdomain).exclude(schema_name="public").first()
    if tenant is None:
        return JsonResponse({"error": "unknown account"}, status=404)
    # Money events are recorded for a suspended tenant too: the payment was taken.
    with tenant_context(tenant):
        account = selectors.stripe_account_get()
        if account is None or not account.webhook_secret_encrypted:
            return JsonResponse({"error": "webhooks are not set up for this account"}, status=400)
        try:
            event = stripe.Webhook.construct_event(
                request.body,
                request.headers.get("Stripe-Signature", ""),
                crypto.decrypt(account.webhook_secret_encrypted),
                tolerance=TOLERANCE_SECONDS,
            )
        except (ValueError, stripe.SignatureVerificationError):
            return JsonResponse({"error": "bad signature"}, status=400)
        return _receive(event, client=stripe_client(account))


def _receive(event: Any, *, client: stripe.StripeClient) -> HttpResponse:
    payload = event.to_dict()
    try:
        with transaction.atomic():
            StripeEvent.objects.bulk_create(
                [
                    StripeEvent(
                        event_id=event.id,
                        type=str(event.type)[:100],
                        livemode=bool(getattr(event, "livemode", False)),
                        payload=payload,
                    )
                ],
                ignore_conflicts=True,
            )
            # A second delivery of the same event waits here for the first, then finds it processed.
            stored = StripeEvent.objects.select_for_update().get(event_id=event.id)
            if stored.processed_at is not None:
                return JsonResponse({"received": True, "duplicate": True})
            outcome = event_process(event, client=client)
            stored.processed_at = timezone.now()
            stored.error = ""
            stored.save(update_fields=["processed_at", "error"])
    except Exception as error:
        logger.exception("Stripe event %s (%s) failed", event.id, event.type)
        # Kept unprocessed with its error; Stripe retries and the retry processes it.
        StripeEvent.objects.update_or_create(
            event_id=event.id,
            defaults={
                "type": str(event.type)[:100],
                "livemode": bool(getattr(event, "livemode", False)),
                "payload": payload,
                "error": f"{type(error).__name__}: {error}"[:2000],
            },
        )
        return JsonResponse({"error": "processing failed; please retry"}, status=500)
    return JsonResponse({"received": True, "outcome": outcome})


def _payment_of_intent_id(intent_id: str) -> CardPayment | None:
    return CardPayment.objects.filter(stripe_payment_intent_id=intent_id).first() if intent_id else None


def _apply_intent(intent_id: str, client: stripe.StripeClient, *, hint: Any = None) -> CardPayment | None:
    """Re-read the PaymentIntent and apply it to its payment in this tenant (None: not one of ours)."""
    payment = _payment_of_intent_id(intent_id)
    if payment is None and hint is not None:
        payment = services.card_payment_for_intent(hint)
    if payment is None:
        return None
    intent = client.v1.payment_intents.retrieve(intent_id)
    return services.card_payment_apply(card_payment=payment, payment_intent=intent, client=client, actor=ACTOR)


def _intent_of_charge(charge: Any, client: stripe.StripeClient) -> str:
    intent_id = object_id(getattr(charge, "payment_intent", None))
    if not intent_id and object_id(charge):
        intent_id = object_id(client.v1.charges.retrieve(object_id(charge)).payment_intent)
    return intent_id


def event_process(event: Any, *, client: stripe.StripeClient) -> str:
    """Process one verified event; returns what happened (for the response and the logs)."""
    kind = str(event.type)
    obj = event.data.object
    if kind.startswith("payment_intent."):
        payment = _apply_intent(str(obj.id), client, hint=obj)
        return f"payment {payment.status}" if payment else "ignored: not a payment of this account"
    if kind == "charge.refunded":
        intent_id = _intent_of_charge(obj, client)
        payment = _apply_intent(intent_id, client)
        if payment is None:
            return "ignored: not a payment of this account"
        refunds = services.card_payment_refunds_sync(card_payment=payment, client=client, actor=ACTOR)
        return f"{len(refunds)} refunds"
    if kind in ("charge.dispute.created", "charge.dispute.closed"):
        intent_id = object_id(getattr(obj, "payment_intent", None)) or _intent_of_charge(
            getattr(obj, "charge", None), client
        )
        payment = _apply_intent(intent_id, client)
        if payment is None:
            return "ignored: not a payment of this account"
        if kind == "charge.dispute.created":
            services.card_dispute_open(card_payment=payment, dispute=obj, actor=ACTOR)
        else:
            services.card_dispute_close(card_payment=payment, dispute=obj, actor=ACTOR)
        return f"dispute {obj.status}"
    return "ignored: event type not used"
