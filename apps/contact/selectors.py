"""Reads of the contact area: the gate's decisions for a debtor's timeline."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.contact.models import GateDecision, GateOutcome
from apps.debtors.models import Debtor


def gate_decisions_for_debtor(
    debtor: Debtor, *, refusals_only: bool = False, limit: int = 100
) -> QuerySet[GateDecision]:
    """The debtor's gate decisions, newest first; `refusals_only` keeps denials and deferrals (the timeline)."""
    rows = GateDecision.objects.filter(debtor=debtor)
    if refusals_only:
        rows = rows.exclude(outcome=GateOutcome.ALLOW)
    return rows.order_by("-decided_at", "-pk")[:limit]
