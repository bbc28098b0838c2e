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
from apps.payments.models import SavedCard


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
    # A card saved for a plan's instalments: the page links to where automatic payments are stopped.
    has_saved_cards: bool = False


@dataclasses.dataclass(frozen=True)
class PaymentRow:
    """A payment as the debtor reads it: a positive amount against one of their debts."""

    occurred_on: dt.date
    debt_reference: str
    amount_minor: int
    currency: str
    # The card payment behind it, for its receipt (None for a payment recorded by staff).
    card_payment_id: uuid.UUID | None = None


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
    totals: dict[str, int] = {}
    for debt in debts:
        entries = list(debt.entries.all())
        balance = sum(e.amount_minor for e in entries)
        views.append(DebtView(debt, itemised_balance(entries), balance))
        totals[debt.currency] = totals.get(debt.currency, 0) + balance
    # Payments on every debt, paid and settled ones too: what was just paid in full stays in the history.
    payments = [
        PaymentRow(occurred_on, reference, -amount_minor, currency, card_payment_id)
        for occurred_on, reference, amount_minor, currency, card_payment_id in LedgerEntry.objects.filter(
            debt__debtor=debtor, kind=EntryKind.PAYMENT
        )
        .order_by("-occurred_on", "-debt__external_ref", "-id")
        .values_list("occurred_on", "debt__external_ref", "amount_minor", "currency", "card_payment__id")
    ]
    messages = list(
        Message.objects.filter(debtor=debtor, status__in=SHOWN_STATUSES)
        .only("id", "channel", "subject", "created_at", "sent_at", "pdf", "debtor_id")
        .order_by("-created_at")
    )
    has_saved_cards = SavedCard.objects.filter(debtor=debtor, revoked_at__isnull=True).exists()
    return Overview(views, payments, messages, totals, has_saved_cards)


def portal_letter(debtor: Debtor, message_id: uuid.UUID | str) -> Message | None:
    """A letter of this debtor with its PDF; another debtor's letter is None, like one that does not exist."""
    return Message.objects.filter(debtor=debtor, pk=message_id).exclude(pdf="").first()
