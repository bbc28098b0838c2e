"""`{% call_script debtor debt %}`: the call script (C3) for a call to `debtor` about `debt` (or about all their open
debts when `debt` is None), shown beside a call form: the debt's stage, the debtor's segment and language."""

from __future__ import annotations

from typing import Any

from django import template

from apps.debtors.models import Debtor
from apps.debtors.segments import RULES
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus
from apps.policies.scripts import call_script_for, time_barred

register = template.Library()
SEGMENT_LABELS = {rule.key: rule.label for rule in RULES}
LANGUAGES = {"en": "English", "fr": "Français", "pl": "Polski"}


@register.inclusion_tag("policies/_call_script.html", takes_context=True)
def call_script(context: template.Context, debtor: Debtor, debt: Debt | None = None) -> dict[str, Any]:
    shown = call_script_for(debtor=debtor, debt=debt)
    debts = [debt] if debt is not None else list(debtor.debts.filter(status__in=ACTIVE_STATUSES))
    return {
        "shown": shown,
        "dom_id": f"call-script-{(debt or debtor).pk}",
        "debt": debt,
        "segment_label": SEGMENT_LABELS.get(shown.segment, ""),
        "script_language": LANGUAGES.get(shown.script.locale, "") if shown.script else "",
        "time_barred": time_barred(debts),
        "escalated": [d for d in debts if d.status == DebtStatus.ESCALATED],
        "can": context.get("can", {}),
    }
