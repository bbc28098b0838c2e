"""Staff pages of card payments: the tenant's Stripe account (owners and managers) and refunds from a debt's page."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.debtors.forms import add_domain_error
from apps.payments import selectors, services
from apps.payments.forms import PaymentInstructionsForm, RefundForm, StripeAccountForm
from apps.payments.models import CardPayment

UNPROCESSABLE = 422
# What the webhook endpoint in Stripe should send (Stripe → Developers → Webhooks → Add endpoint).
WEBHOOK_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.closed",
)


def webhook_url(subdomain: str) -> str:
    """Where this tenant's Stripe account posts its events: the public site, named by the tenant's subdomain."""
    port = f":{settings.AMIABLE_URL_PORT}" if settings.AMIABLE_URL_PORT else ""
    path = reverse("stripe_webhook", urlconf="config.urls_public", kwargs={"subdomain": subdomain})
    return f"{settings.AMIABLE_URL_SCHEME}://{settings.AMIABLE_BASE_DOMAIN}{port}{path}"


def _page(
    request: HttpRequest,
    *,
    account_form: StripeAccountForm | None = None,
    instructions_form: PaymentInstructionsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    account = selectors.stripe_account_get()
    if account_form is None:
        account_form = StripeAccountForm(
            initial={"publishable_key": account.publishable_key} if account else None,
            has_secret=account is not None,
            has_webhook_secret=bool(account and account.webhook_secret_encrypted),
        )
    if instructions_form is None:
        instructions_form = PaymentInstructionsForm(initial={"text": selectors.payment_instructions_text()})
    context: dict[str, Any] = {
        "account": account,
        "account_form": account_form,
        "instructions_form": instructions_form,
        "webhook_url": webhook_url(request.tenant.subdomain),  # type: ignore[attr-defined]
        "webhook_events": WEBHOOK_EVENTS,
    }
    return render(request, "payments/stripe_settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_PAYMENTS)
def stripe_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    account = selectors.stripe_account_get()
    form = StripeAccountForm(
        request.POST,
        has_secret=account is not None,
        has_webhook_secret=bool(account and account.webhook_secret_encrypted),
    )
    if form.is_valid():
        actor = Actor.for_user(request.user)
        try:
            saved = services.stripe_account_save(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            checked = services.stripe_account_check(account=saved, actor=actor)
            if checked.last_check_ok:
                messages.success(request, _("Stripe settings saved. Stripe accepted the secret key."))
            else:
                messages.error(
                    request,
                    _("Stripe settings saved, but Stripe did not accept the connection: %(why)s")
                    % {"why": checked.last_check_message},
                )
            return redirect("payments:stripe")
    return _page(request, account_form=form, status=UNPROCESSABLE)


@require_POST
@require_perm(Perm.MANAGE_PAYMENTS)
def stripe_check(request: HttpRequest) -> HttpResponse:
    account = selectors.stripe_account_get()
    if account is None:
        raise Http404
    checked = services.stripe_account_check(account=account, actor=Actor.for_user(request.user))
    if checked.last_check_ok:
        messages.success(request, _("Connection to Stripe works."))
    else:
        messages.error(
            request, _("Stripe did not accept the connection: %(why)s") % {"why": checked.last_check_message}
        )
    return redirect("payments:stripe")


@require_POST
@require_perm(Perm.MANAGE_PAYMENTS)
def instructions_save(request: HttpRequest) -> HttpResponse:
    form = PaymentInstructionsForm(request.POST)
    if form.is_valid():
        try:
            services.payment_instructions_save(text=form.cleaned_data["text"], actor=Actor.for_user(request.user))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Other ways to pay saved."))
            return redirect("payments:stripe")
    return _page(request, instructions_form=form, status=UNPROCESSABLE)


@require_POST
@require_perm(Perm.MANAGE_PAYMENTS)
def card_refund(request: HttpRequest, card_payment_id: uuid.UUID) -> HttpResponse:
    payment = get_object_or_404(CardPayment.objects.select_related("debt"), pk=card_payment_id)
    refundable = selectors.refundable_minor(payment)
    if refundable <= 0:
        raise Http404
    form = RefundForm(request.POST, card_payment=payment, refundable_minor=refundable)
    if form.is_valid():
        try:
            refund = services.card_refund_create(
                card_payment=payment,
                amount_minor=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                request_key=str(form.cleaned_data["request_key"]),
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            add_domain_error(form, exc, aliases={"amount_minor": "amount"})
        else:
            messages.success(
                request,
                _("Refunded %(amount)s to the debtor's card.")
                % {"amount": format_money(refund.amount_minor, refund.currency, request.LANGUAGE_CODE)},
            )
            return redirect("debts:detail", debt_id=payment.debt_id)
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, _("Nothing was refunded: %(why)s") % {"why": errors})
    return redirect(f"{reverse('debts:detail', kwargs={'debt_id': payment.debt_id})}#card-payments")
