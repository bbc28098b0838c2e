"""`{% debt_arrangements debt %}`: a debt's arrangements on a staff page, with their schedules and the decisions
the signed-in user may take on them."""

from __future__ import annotations

from typing import Any

from django import template

from apps.arrangements.forms import InstalmentPaymentForm
from apps.arrangements.models import ArrangementStatus, InstalmentStatus
from apps.arrangements.selectors import debt_arrangements as arrangements_of
from apps.arrangements.services import paid_towards_minor, pending_valid_until
from apps.core.dates import tenant_today
from apps.debts.models import Debt

register = template.Library()


@register.inclusion_tag("arrangements/staff/_debt_arrangements.html", takes_context=True)
def debt_arrangements(context: template.Context, debt: Debt, only_if_any: bool = False) -> dict[str, Any]:
    """The block lists every arrangement of `debt`; with `only_if_any` it shows nothing for a debt without one."""
    rows = []
    for arrangement in arrangements_of(debt):
        instalments = list(arrangement.instalments.all())
        live = arrangement.status in (ArrangementStatus.PENDING, ArrangementStatus.ACTIVE)
        rows.append(
            {
                "arrangement": arrangement,
                "instalments": instalments,
                "next_due": next((i for i in instalments if i.status == InstalmentStatus.DUE), None) if live else None,
                "paid_towards_minor": paid_towards_minor(arrangement) if live else None,
                "valid_until": pending_valid_until(arrangement)
                if arrangement.status == ArrangementStatus.PENDING
                else None,
            }
        )
    request = context.get("request")
    return {
        "debt": debt,
        "rows": rows,
        "hidden": only_if_any and not rows,
        "can": context.get("can", {}),
        "csrf_token": context.get("csrf_token"),
        "next_url": request.get_full_path() if request is not None else "",
        "payment_form": InstalmentPaymentForm(initial={"received_on": tenant_today()}, auto_id="instalment_%s"),
    }
