"""Reads of the outbox: the agents' open phone tasks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch

from apps.debts.models import Debt
from apps.outbox.models import Message, MessageStatus
from apps.policies.models import Channel


def phone_tasks_open() -> list[Any]:
    """Phone-step messages waiting for an agent's call, oldest first, each with its balance per currency."""
    tasks = list(
        Message.objects.filter(channel=Channel.PHONE, status=MessageStatus.SENT)
        .select_related("debtor", "contact_point")
        .prefetch_related(Prefetch("debts", queryset=Debt.objects.with_balance().order_by("due_date")))
        .order_by("created_at")[:500]
    )
    for task in tasks:
        totals: dict[str, int] = defaultdict(int)
        for debt in task.debts.all():
            totals[debt.currency] += debt.balance_minor  # type: ignore[attr-defined]
        task.balances = sorted(totals.items())  # type: ignore[attr-defined]
    return tasks
