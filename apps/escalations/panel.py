"""The escalation panel's template context, shared by the `{% escalation_panel %}` tag and the panel's own page
(which shows a refused form again with its errors)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.debts.models import Debt
from apps.escalations.forms import AttorneyLetterForm, HandoffForm, RecallForm, WriteOffForm
from apps.escalations.selectors import escalation_panel

FORMS: dict[str, type[forms.Form]] = {
    "letter": AttorneyLetterForm,
    "handoff": HandoffForm,
    "writeoff": WriteOffForm,
    "recall": RecallForm,
}


def panel_context(
    *,
    debt: Debt,
    can: dict[str, bool],
    csrf_token: Any,
    next_url: str,
    bound: forms.Form | None = None,
    error: str = "",
) -> dict[str, Any]:
    panel = escalation_panel(debt)
    built: dict[str, forms.Form] = {}
    for prefix, form_class in FORMS.items():
        if bound is not None and bound.prefix == prefix:
            built[prefix] = bound
            continue
        initial = {"commission_pct": panel.default_commission_pct} if prefix == "handoff" else None
        built[prefix] = form_class(prefix=prefix, initial=initial, auto_id=f"escalate-{debt.pk}-%s")
    return {
        "panel": panel,
        "debt": debt,
        "forms": built,
        "failed": bound.prefix if bound is not None else "",
        "error": error,
        "can": can,
        "csrf_token": csrf_token,
        "next_url": next_url,
        "hidden": not can.get("escalate") and not panel.has_history,
    }
