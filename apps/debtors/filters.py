"""The debtors list's search and filters. Debt filters combine: "an overdue USD debt", not "an overdue debt and a USD
debt"."""

from __future__ import annotations

import contextlib
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.debtors.contacts import normalize_phone
from apps.debtors.models import ContactPoint, Debtor, DebtorKind
from apps.debts.models import ACTIVE_STATUSES, AgingBucket, Debt, DebtStatus, aging_bucket_range
from apps.debts.selectors import currency_choices

DEBT_FILTERS = ("status", "aging", "currency")


def search_debtors(queryset: QuerySet[Debtor], text: str, region: str) -> QuerySet[Debtor]:
    """Name, external reference, or any contact value (a phone typed the local way matches its E.164 form)."""
    text = text.strip()
    if not text:
        return queryset
    contact_q = Q(value__icontains=text)
    with contextlib.suppress(DomainError):
        contact_q |= Q(value=normalize_phone(text, region))
    contacts = ContactPoint.objects.filter(contact_q, debtor=OuterRef("pk"))
    return queryset.filter(Q(name__icontains=text) | Q(external_ref__icontains=text) | Exists(contacts))


class DebtorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DebtorKind.choices, empty_label=_("Any kind"))
    status = django_filters.ChoiceFilter(
        label=_("Debt status"), choices=DebtStatus.choices, empty_label=_("Any status"), method="filter_debts"
    )
    aging = django_filters.ChoiceFilter(
        label=_("Aging"), choices=AgingBucket.choices, empty_label=_("Any age"), method="filter_debts"
    )
    currency = django_filters.ChoiceFilter(
        label=_("Currency"), choices=[], empty_label=_("Any currency"), method="filter_debts"
    )

    class Meta:
        model = Debtor
        fields = ["q", "kind", "status", "aging", "currency"]

    def __init__(self, *args: Any, region: str = "US", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        self.filters["currency"].extra["choices"] = currency_choices()
        self.filters["q"].extra["widget"] = forms.TextInput(attrs={"type": "search"})

    def filter_search(self, queryset: QuerySet[Debtor], name: str, value: str) -> QuerySet[Debtor]:
        return search_debtors(queryset, value, self.region)

    def filter_debts(self, queryset: QuerySet[Debtor], name: str, value: str) -> QuerySet[Debtor]:
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Debtor]) -> QuerySet[Debtor]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        condition = Q()
        if data.get("status"):
            condition &= Q(status=data["status"])
        if data.get("aging"):
            # Aging means something only for money still being collected.
            condition &= Q(status__in=ACTIVE_STATUSES) & aging_bucket_range(data["aging"], tenant_today())
        if data.get("currency"):
            condition &= Q(currency=data["currency"])
        if condition:
            queryset = queryset.filter(Exists(Debt.objects.filter(condition, debtor=OuterRef("pk"))))
        return queryset
