"""Card payments on staff pages: `{% debt_card_payments debt %}` on a debt's page, with refunds for managers."""

from __future__ import annotations

from typing import Any

from django import template

from apps.accounts.permissions import Perm, user_has_perm
from apps.debts.models import Debt
from apps.payments.forms import RefundForm
from apps.payments.selectors import debt_card_payments as card_payment_rows

register = template.Library()


@register.inclusion_tag("payments/_debt_card_payments.html", takes_context=True)
def debt_card_payments(context: dict[str, Any], debt: Debt) -> dict[str, Any]:
    request = context.get("request")
    can_refund = user_has_perm(getattr(request, "user", None), Perm.MANAGE_PAYMENTS)
    rows = [
        {
            "row": row,
            "refund_form": RefundForm(card_payment=row.payment, refundable_minor=row.refundable_minor)
            if can_refund and row.refundable_minor > 0
            else None,
        }
        for row in card_payment_rows(debt)
    ]
    return {"rows": rows, "debt": debt, "request": request}
