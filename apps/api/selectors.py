"""Reads behind the API and the key pages. Everything is per schema: another tenant's rows are simply absent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from apps.api.models import ApiKey
from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import ACTIVE_STATUSES, Debt, EntryKind, LedgerEntry


def api_keys_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").order_by("revoked_at", "-created_at")


def debtors_list() -> QuerySet[Debtor]:
    return Debtor.objects.all()


def debtor_detail_queryset() -> QuerySet[Debtor]:
    return Debtor.objects.prefetch_related(
        Prefetch("contact_points", queryset=ContactPoint.objects.order_by("kind", "-is_primary", "value"))
    )


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    balance_minor: int
    debts: int
    active_debts: int


def debtor_totals(debtor: Debtor) -> list[CurrencyTotal]:
    """What the debtor owes in each currency: sums never mix currencies."""
    balances = dict(
        LedgerEntry.objects.filter(debt__debtor=debtor)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .values_list("currency", "total")
    )
    counts = (
        Debt.objects.filter(debtor=debtor)
        .values("currency")
        .annotate(n=Count("id"), active=Count("id", filter=Q(status__in=ACTIVE_STATUSES)))
        .order_by("currency")
    )
    return [
        CurrencyTotal(
            currency=row["currency"],
            balance_minor=int(balances.get(row["currency"]) or 0),
            debts=row["n"],
            active_debts=row["active"],
        )
        for row in counts
    ]


def debts_list() -> QuerySet[Debt]:
    # Aggregating queries drop Meta.ordering, so the order is stated here (pagination needs a stable one).
    return Debt.objects.select_related("debtor").with_balance().order_by("due_date", "external_ref")


def debt_detail_queryset() -> QuerySet[Debt]:
    return debts_list().prefetch_related(
        Prefetch("entries", queryset=LedgerEntry.objects.order_by("occurred_on", "id"))
    )


def payments_list() -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).select_related("debt").order_by("-occurred_on", "-id")
