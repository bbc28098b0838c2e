"""What the debtor's overview shows, read in a fixed, small number of queries whatever the number of debts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from django.db.models import Prefetch

from apps.arrangements.selectors import live_arrangement_annotations
from apps.debtors.models import Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt, EntryKind, LedgerEntry
from apps.debts.selectors import BalanceLine, itemised_balance
from apps.outbox.models import Message, MessageStatus


@dataclasses.dataclass(frozen=True)
class DebtView:
    debt: Debt
    lines: list[BalanceLine]
    balance_minor: int


@dataclasses.dataclass(frozen=True)
class Overview:
    debts: list[DebtView]
    payments: list[PaymentRow]
    messages: list[Message]
    totals: dict[str, int]


@dataclasses.dataclass(frozen=True)
class PaymentRow:
    """A payment as the debtor reads it: a positive amount against one of their debts."""

    occurred_on: dt.date
    debt_reference: str
    amount_minor: int
    currency: str


# Messages the debtor has been sent (or that are on their way to them); cancelled and failed ones never reached them.
SHOWN_STATUSES = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED)


def portal_overview(debtor: Debtor) -> Overview:
    debts = list(
        Debt.objects.filter(debtor=debtor, status__in=ACTIVE_STATUSES)
        .annotate(**live_arrangement_annotations())
        .order_by("due_date", "external_ref")
        .prefetch_related(Prefetch("entries", queryset=LedgerEntry.objects.order_by("occurred_on", "id")))
    )
    views = []
    payments: list[PaymentRow] = []
    totals: dict[str, int] = {}
    for debt in debts:
        entries = list(debt.entries.all())
        balance = sum(e.amount_minor for e in entries)
        views.append(DebtView(debt, itemised_balance(entries), balance))
        payments.extend(
            PaymentRow(e.occurred_on, debt.external_ref, -e.amount_minor, e.currency)
            for e in entries
            if e.kind == EntryKind.PAYMENT
        )
        totals[debt.currency] = totals.get(debt.currency, 0) + balance
    payments.sort(key=lambda p: (p.occurred_on, p.debt_reference), reverse=True)
    messages = list(
        Message.objects.filter(debtor=debtor, status__in=SHOWN_STATUSES)
        .only("id", "channel", "subject", "created_at", "sent_at", "pdf", "debtor_id")
        .order_by("-created_at")
    )
    return Overview(views, payments, messages, totals)


def portal_letter(debtor: Debtor, message_id: uuid.UUID | str) -> Message | None:
    """A letter of this debtor with its PDF; another debtor's letter is None, like one that does not exist."""
    return Message.objects.filter(debtor=debtor, pk=message_id).exclude(pdf="").first()
