"""The receipt of a card payment as a PDF (WeasyPrint), in the language of the page that asks for it."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.tenancy import current_tenant
from apps.outbox.letters import html_to_pdf
from apps.payments.models import CardPayment, PaymentStatus
from apps.payments.selectors import refunded_minor


def receipt_context(card_payment: CardPayment) -> dict[str, Any]:
    tenant = current_tenant()
    debt = card_payment.debt
    address = [
        line
        for line in [
            tenant.address_line1,
            getattr(tenant, "address_line2", ""),
            f"{tenant.postal_code} {tenant.city}".strip(),
            tenant.country,
        ]
        if line
    ]
    return {
        "tenant": tenant,
        "creditor_lines": address,
        "payment": card_payment,
        "debt": debt,
        "debtor": debt.debtor,
        "paid_at": timezone.localtime(card_payment.succeeded_at or card_payment.updated_at),
        "refunded_minor": refunded_minor(card_payment),
        "card": card_payment.saved_card,
        "brand_color": getattr(tenant, "brand_color", "#2f6f5e"),
    }


def receipt_pdf(card_payment: CardPayment) -> bytes:
    if card_payment.status != PaymentStatus.SUCCEEDED:
        raise ValueError("only a successful payment has a receipt")
    return html_to_pdf(render_to_string("payments/receipt_pdf.html", receipt_context(card_payment)))
