"""Reads behind the staff debtor pages: list rows with per-currency balances, and a debtor's full picture."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, Min, Q, QuerySet, Sum

from apps.audit.models import AuditEvent
from apps.contact.models import GateDecision
from apps.contact.selectors import gate_decisions_for_debtor
from apps.core.dates import tenant_today
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.segments import RULES as SEGMENT_RULES
from apps.debts.models import ACTIVE_STATUSES, Debt, DebtStatus, EntryKind, LedgerEntry
from apps.debts.selectors import HistoryRow, audit_history, days_past_due
from apps.outbox.models import Message
from apps.policies.models import Channel, MessageTemplate


@dataclasses.dataclass(frozen=True)
class Amount:
    amount_minor: int
    currency: str


@dataclasses.dataclass
class DebtorRow:
    debtor: Debtor
    open_balances: list[Amount]
    open_debts: int
    oldest_days_past_due: int


def debtor_list_queryset() -> QuerySet[Debtor]:
    return Debtor.objects.order_by("name", "external_ref")


def debtor_rows(debtors: Sequence[Debtor], today: dt.date | None = None) -> list[DebtorRow]:
    """Open balance per currency, open debt count and oldest days past due: two queries for any page size."""
    today = today or tenant_today()
    ids = [d.pk for d in debtors]
    balances: dict[object, list[Amount]] = defaultdict(list)
    for row in (
        LedgerEntry.objects.filter(debt__debtor_id__in=ids, debt__status__in=ACTIVE_STATUSES)
        .order_by()
        .values("debt__debtor_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("debt__debtor_id", "currency")
    ):
        balances[row["debt__debtor_id"]].append(Amount(int(row["total"]), row["currency"]))
    counts = {
        row["debtor_id"]: row
        for row in Debt.objects.filter(debtor_id__in=ids, status__in=ACTIVE_STATUSES)
        .order_by()
        .values("debtor_id")
        .annotate(n=Count("id"), oldest_due=Min("due_date"))
    }
    rows = []
    for debtor in debtors:
        c = counts.get(debtor.pk)
        oldest = max(0, (today - c["oldest_due"]).days) if c else 0
        rows.append(DebtorRow(debtor, balances.get(debtor.pk, []), c["n"] if c else 0, oldest))
    return rows


@dataclasses.dataclass
class DebtView:
    debt: Debt
    balance_minor: int
    entries: list[LedgerEntry]
    days_past_due: int


@dataclasses.dataclass
class PaymentHistory:
    payments: int
    paid: list[Amount]
    paid_on_time: int
    paid_late: int


@dataclasses.dataclass
class DebtorPage:
    debtor: Debtor
    contacts: list[ContactPoint]
    debts: list[DebtView]
    open_balances: list[Amount]
    payment_history: PaymentHistory
    history: list[HistoryRow]

    @property
    def segment_label(self) -> str:
        labels = {rule.key: str(rule.label) for rule in SEGMENT_RULES}
        return labels.get(self.debtor.segment, "")


def _per_currency(amounts: dict[str, int]) -> list[Amount]:
    return [Amount(v, c) for c, v in sorted(amounts.items())]


def payment_history(debts: Sequence[DebtView]) -> PaymentHistory:
    """From the ledger: how many payments, how much per currency, and whether closed debts were paid by their due
    date (judged by the last payment)."""
    count = 0
    paid: dict[str, int] = defaultdict(int)
    on_time = late = 0
    for view in debts:
        payments = [e for e in view.entries if e.kind == EntryKind.PAYMENT]
        count += len(payments)
        for e in payments:
            paid[e.currency] += -e.amount_minor
        if payments and view.debt.status in (DebtStatus.PAID, DebtStatus.SETTLED):
            if max(e.occurred_on for e in payments) <= view.debt.due_date:
                on_time += 1
            else:
                late += 1
    return PaymentHistory(count, _per_currency(paid), on_time, late)


def debtor_audit_events(debtor: Debtor, contacts: Sequence[ContactPoint]) -> QuerySet[AuditEvent]:
    """What happened to the debtor and to their contact points; each debt's history is on its own page."""
    return AuditEvent.objects.filter(
        Q(object_type=Debtor._meta.label_lower, object_id=str(debtor.pk))
        | Q(object_type=ContactPoint._meta.label_lower, object_id__in=[str(c.pk) for c in contacts])
    ).select_related("actor_user")


def debtor_page(debtor: Debtor) -> DebtorPage:
    today = tenant_today()
    contacts = list(debtor.contact_points.order_by("kind", "-is_primary", "value"))
    debts = list(Debt.objects.filter(debtor=debtor).order_by("-issue_date", "external_ref"))
    entries: dict[object, list[LedgerEntry]] = defaultdict(list)
    for entry in LedgerEntry.objects.filter(debt__debtor=debtor).order_by("occurred_on", "id"):
        entries[entry.debt_id].append(entry)
    views = []
    open_balances: dict[str, int] = defaultdict(int)
    for debt in debts:
        mine = entries.get(debt.pk, [])
        balance = sum(e.amount_minor for e in mine)
        active = debt.status in ACTIVE_STATUSES
        if active:
            open_balances[debt.currency] += balance
        views.append(DebtView(debt, balance, mine, days_past_due(debt, today) if active else 0))
    return DebtorPage(
        debtor=debtor,
        contacts=contacts,
        debts=views,
        open_balances=_per_currency(open_balances),
        payment_history=payment_history(views),
        history=audit_history(debtor_audit_events(debtor, contacts)),
    )


@dataclasses.dataclass(frozen=True)
class ContactTimeline:
    messages: list[Message]
    refusals: list[GateDecision]
    email_templates: list[str]


def debtor_contact_timeline(debtor: Debtor, *, limit: int = 50) -> ContactTimeline:
    """The messages written to the debtor and the contact gate's refusals and deferrals, newest first."""
    messages = list(Message.objects.filter(debtor=debtor).order_by("-created_at")[:limit])
    refusals = list(gate_decisions_for_debtor(debtor, refusals_only=True, limit=limit))
    keys = MessageTemplate.objects.filter(channel=Channel.EMAIL).values_list("key", flat=True).distinct()
    return ContactTimeline(messages, refusals, sorted(keys))
