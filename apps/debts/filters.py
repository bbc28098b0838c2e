"""The debts list's search and filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.core.dates import tenant_today
from apps.debtors.models import Debtor
from apps.debts.models import ACTIVE_STATUSES, AgingBucket, Debt, DebtStatus, aging_bucket_range
from apps.debts.selectors import currency_choices


class DebtFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DebtStatus.choices, empty_label=_("Any status"))
    aging = django_filters.ChoiceFilter(
        label=_("Aging"), choices=AgingBucket.choices, empty_label=_("Any age"), method="filter_aging"
    )
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=[], empty_label=_("Any currency"))
    # Chosen from a debtor's page, so it travels as the debtor's id rather than a select of every debtor.
    debtor = django_filters.ModelChoiceFilter(
        label=_("Debtor"), queryset=Debtor.objects.all(), widget=forms.HiddenInput
    )

    class Meta:
        model = Debt
        fields = ["q", "status", "aging", "currency", "debtor"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["currency"].extra["choices"] = currency_choices()
        self.filters["q"].extra["widget"] = forms.TextInput(attrs={"type": "search"})

    def filter_search(self, queryset: QuerySet[Debt], name: str, value: str) -> QuerySet[Debt]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(external_ref__icontains=text) | Q(description__icontains=text) | Q(debtor__name__icontains=text)
        )

    def filter_aging(self, queryset: QuerySet[Debt], name: str, value: str) -> QuerySet[Debt]:
        # Aging means something only for money still being collected.
        return queryset.filter(aging_bucket_range(value, tenant_today()), status__in=ACTIVE_STATUSES)
