"""Portal pages where a debtor pays by card (Q4): a debt or one instalment, the result, the receipt, saved cards.

The card field is Stripe's (card data never reaches us) and is the portal's only JavaScript (static/js/pay.js).
Only these pages allow Stripe's origins in their Content-Security-Policy. The amount is decided on the server; the
page's amount comes back signed, and nothing is charged if the amount due changed meanwhile.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import stripe
from csp.decorators import csp_update
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.core.templatetags.money import ldate
from apps.core.tenancy import current_tenant
from apps.debtors.models import Debtor
from apps.debts.services import debt_balance_minor
from apps.payments import crypto, selectors, services
from apps.payments.models import FINAL_STATUSES, CardPayment, PaymentStatus
from apps.payments.receipts import receipt_pdf
from apps.payments.stripe_api import csp_for_pay_pages, failure_words, stripe_client, stripe_js_url
from apps.portal.access import portal_actor
from apps.portal.views import debtor_view

logger = logging.getLogger(__name__)

TOKEN_SALT = "payments.pay-page"  # noqa: S105 - a namespace for signing, not a secret
# A pay page left open longer than this asks to be reloaded (its amount may be stale).
TOKEN_MAX_AGE = 2 * 60 * 60


def stripe_csp(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """django-csp's csp_update with Stripe's origins as configured now (read per request, not at import)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return csp_update(csp_for_pay_pages())(view)(request, *args, **kwargs)

    return wrapped


def consent_text(target: selectors.PayTarget) -> str:
    """The words the debtor agrees to when saving the card for the plan: stored as shown, with the time."""
    later = target.later_instalments
    if not later:
        return ""
    lang = translation.get_language() or "en"
    amounts = {i.amount_minor for i in later}
    each = (
        format_money(later[0].amount_minor, target.currency, lang)
        if len(amounts) == 1
        else _("%(low)s to %(high)s")
        % {
            "low": format_money(min(amounts), target.currency, lang),
            "high": format_money(max(amounts), target.currency, lang),
        }
    )
    return ngettext(
        "I agree that %(creditor)s charges this card for the %(count)d remaining instalment of my payment plan "
        "(%(each)s) on its due date, %(first)s. I can stop this at any time from my account.",
        "I agree that %(creditor)s charges this card for the %(count)d remaining instalments of my payment plan "
        "(%(each)s each) on their due dates, from %(first)s to %(last)s. I can stop this at any time from my "
        "account.",
        len(later),
    ) % {
        "creditor": _creditor_name(),
        "count": len(later),
        "each": each,
        "first": ldate(later[0].due_on, "long"),
        "last": ldate(later[-1].due_on, "long"),
    }


def _creditor_name() -> str:
    return str(getattr(current_tenant(), "legal_name", ""))


def _pay_page(request: HttpRequest, debtor: Debtor, target: selectors.PayTarget) -> HttpResponse:
    context: dict[str, Any] = {
        "debtor": debtor,
        "target": target,
        "other_ways": selectors.payment_instructions_text(),
        "state": "form",
    }
    account = selectors.stripe_account_get()
    under_way = selectors.payment_in_flight(target.debt)
    if not target.payable:
        context["state"] = "nothing"
    elif account is None:
        context["state"] = "unavailable"
    elif under_way is not None:
        context["state"] = "under_way"
        context["under_way"] = under_way
    else:
        try:
            setup = services.card_setup_start(debtor=debtor)
        except (stripe.StripeError, crypto.DecryptionError, DomainError):
            logger.exception("pay page: card setup could not start")
            context["state"] = "unavailable_now"
        else:
            context.update(
                setup=setup,
                stripe_js_url=stripe_js_url(),
                consent=consent_text(target),
                token=signing.dumps({"shown": target.signature(), "seti": setup.setup_intent_id}, salt=TOKEN_SALT),
            )
    return render(request, "payments/pay.html", context)


@require_GET
@debtor_view(signed_out="redirect")
@stripe_csp
def pay_full(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = selectors.debtor_debt(debtor, debt_id)
    if debt is None:
        raise Http404
    return _pay_page(request, debtor, selectors.pay_target_for_debt(debt))


@require_GET
@debtor_view(signed_out="redirect")
@stripe_csp
def pay_instalment(request: HttpRequest, debtor: Debtor, instalment_id: int) -> HttpResponse:
    instalment = selectors.debtor_instalment(debtor, instalment_id)
    if instalment is None:
        raise Http404
    return _pay_page(request, debtor, selectors.pay_target_for_instalment(instalment))


def _refusal(message: str, code: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, "code": code, **extra}, status=status)


def _target_from(debtor: Debtor, shown: dict[str, Any]) -> selectors.PayTarget | None:
    if shown.get("source") == "instalment":
        instalment = selectors.debtor_instalment(debtor, int(shown.get("instalment") or 0))
        return selectors.pay_target_for_instalment(instalment) if instalment else None
    debt = selectors.debtor_debt(debtor, str(shown.get("debt") or ""))
    return selectors.pay_target_for_debt(debt) if debt else None


def _page_url(shown: dict[str, Any]) -> str:
    if shown.get("source") == "instalment":
        return reverse("portal:pay_instalment", kwargs={"instalment_id": shown["instalment"]})
    return reverse("portal:pay_full", kwargs={"debt_id": shown["debt"]})


@require_POST
@debtor_view(signed_out="404")
def pay_confirm(request: HttpRequest, debtor: Debtor) -> JsonResponse:
    """The card is set up (Stripe.js confirmCardSetup): charge it. JSON in and out (see pay.js)."""
    try:
        body = json.loads(request.body or b"{}")
        data = signing.loads(str(body.get("token", "")), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        shown, seti = dict(data["shown"]), str(data["seti"])
    except signing.SignatureExpired:
        return _refusal(_("This page was open for a long time. Please reload it and pay again."), "expired", 400)
    except (ValueError, KeyError, TypeError, signing.BadSignature):
        return _refusal(_("The payment form is not valid. Please reload the page."), "invalid", 400)
    if str(body.get("setup_intent", "")) != seti:
        return _refusal(
            _("The card details did not come through. Please reload the page and try again."), "invalid", 400
        )
    try:
        target = _target_from(debtor, shown)
    except (ValueError, DomainError):
        target = None
    if target is None:
        raise Http404
    try:
        payment = services.card_payment_start(
            debtor=debtor,
            target=target,
            shown=shown,
            setup_intent_id=seti,
            payment_method_id=str(body.get("payment_method", "")),
            consent_text=consent_text(target) if body.get("save_card") is True else "",
            actor=portal_actor(debtor),
        )
    except DomainError as exc:
        status = {"amount_changed": 409, "in_progress": 409, "unavailable": 503}.get(exc.code, 400)
        return _refusal(exc.message, exc.code, status, next=_page_url(shown))
    return JsonResponse(_payment_json(payment))


def _payment_json(payment: CardPayment) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": payment.status,
        "payment": str(payment.pk),
        "next": reverse("portal:pay_result", kwargs={"card_payment_id": payment.pk}),
    }
    if payment.status == PaymentStatus.FAILED:
        data["message"] = failure_words(payment.failure_code, payment.failure_message)
    if payment.status == PaymentStatus.REQUIRES_ACTION and payment.stripe_payment_intent_id:
        account = selectors.stripe_account_get()
        if account is not None:
            try:
                intent = stripe_client(account).v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
                data["client_secret"] = intent.client_secret
            except stripe.StripeError:
                logger.exception("client secret of %s could not be read", payment.stripe_payment_intent_id)
    return data


@require_GET
@debtor_view(signed_out="redirect")
def pay_result(request: HttpRequest, debtor: Debtor, card_payment_id: uuid.UUID) -> HttpResponse:
    payment = selectors.debtor_card_payment(debtor, card_payment_id)
    if payment is None:
        raise Http404
    if payment.status not in FINAL_STATUSES and payment.stripe_payment_intent_id:
        # Back from the bank's check, or the webhook is late: ask Stripe now (the same code as the webhook).
        account = selectors.stripe_account_get()
        if account is not None:
            client = stripe_client(account)
            try:
                intent = client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
                payment = services.card_payment_apply(
                    card_payment=payment, payment_intent=intent, client=client, actor=portal_actor(debtor)
                )
            except stripe.StripeError:
                logger.exception("result page: PaymentIntent %s could not be read", payment.stripe_payment_intent_id)
    payment.refresh_from_db()
    context = {
        "debtor": debtor,
        "payment": payment,
        "failure": failure_words(payment.failure_code, payment.failure_message)
        if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED)
        else "",
        "retry_url": reverse("portal:pay_instalment", kwargs={"instalment_id": payment.instalment_id})
        if payment.instalment_id and payment.purpose == "instalment"
        else reverse("portal:pay_full", kwargs={"debt_id": payment.debt_id}),
        "balance_minor": debt_balance_minor(payment.debt),
        "excess_refunds": [r for r in payment.refunds.all() if r.kind == "excess"],
        "other_ways": selectors.payment_instructions_text(),
    }
    return render(request, "payments/result.html", context)


@require_GET
@debtor_view(signed_out="404")
def pay_receipt(request: HttpRequest, debtor: Debtor, card_payment_id: uuid.UUID) -> HttpResponse:
    payment = selectors.debtor_card_payment(debtor, card_payment_id)
    if payment is None or payment.status != PaymentStatus.SUCCEEDED:
        raise Http404
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{payment.pk}.pdf"'
    return response


@require_GET
@debtor_view(signed_out="redirect")
def saved_cards(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    return render(
        request, "payments/saved_cards.html", {"debtor": debtor, "cards": selectors.debtor_saved_cards(debtor)}
    )


@require_POST
@debtor_view(signed_out="404")
def saved_card_revoke(request: HttpRequest, debtor: Debtor, card_id: int) -> HttpResponse:
    card = selectors.debtor_saved_cards(debtor).filter(pk=card_id).first()
    if card is None:
        raise Http404
    services.saved_card_revoke(saved_card=card, actor=portal_actor(debtor))
    messages.success(
        request,
        _("Automatic payments stopped: your card ending %(last4)s will not be charged again.") % {"last4": card.last4},
    )
    return redirect("portal:saved_cards")
