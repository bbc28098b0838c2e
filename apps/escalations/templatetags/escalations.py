"""`{% escalation_panel debt %}`: a debt's escalations (C5) on a staff page: attorney letters and agency hand-offs
already taken, and, for those who may escalate, the net-recovery comparison and the three actions."""

from __future__ import annotations

from typing import Any

from django import template

from apps.debts.models import Debt
from apps.escalations.panel import panel_context

register = template.Library()


@register.inclusion_tag("escalations/_panel.html", takes_context=True)
def escalation_panel(context: template.Context, debt: Debt) -> dict[str, Any]:
    request = context.get("request")
    return panel_context(
        debt=debt,
        can=context.get("can") or {},
        csrf_token=context.get("csrf_token"),
        next_url=request.get_full_path() if request is not None else "",
    )
