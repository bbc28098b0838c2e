"""Query filters of the API lists (django-filter); a value that is not allowed is a 400 naming the parameter."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from apps.core.dates import tenant_today
from apps.debtors.models import ContactKind, Debtor, DebtorKind
from apps.debts.models import AgingBucket, Debt, DebtStatus, LedgerEntry, PaymentMethod


class DebtorFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Name, external reference or email contains")
    kind = django_filters.ChoiceFilter(choices=DebtorKind.choices)

    class Meta:
        model = Debtor
        fields = ["search", "kind"]

    def filter_search(self, queryset: QuerySet[Debtor], name: str, value: str) -> QuerySet[Debtor]:
        value = value.strip()
        if not value:
            return queryset
        by_email = Debtor.objects.filter(
            contact_points__kind=ContactKind.EMAIL, contact_points__value__icontains=value
        ).values("pk")
        return queryset.filter(Q(name__icontains=value) | Q(external_ref__icontains=value) | Q(pk__in=by_email))


class DebtFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DebtStatus.choices, distinct=False)
    currency = django_filters.CharFilter(method="filter_currency", label="ISO 4217 currency code")
    aging = django_filters.ChoiceFilter(
        choices=AgingBucket.choices, method="filter_aging", label="Days past due, on the tenant's today"
    )
    debtor = django_filters.UUIDFilter(field_name="debtor_id", label="Debtor id")
    debtor_ref = django_filters.CharFilter(field_name="debtor__external_ref", label="Debtor external reference")
    search = django_filters.CharFilter(method="filter_search", label="Reference, description or debtor contains")

    class Meta:
        model = Debt
        fields = ["status", "currency", "aging", "debtor", "debtor_ref", "search"]

    def filter_currency(self, queryset: QuerySet[Debt], name: str, value: str) -> QuerySet[Debt]:
        return queryset.filter(currency=value.strip().upper())

    def filter_aging(self, queryset: QuerySet[Debt], name: str, value: str) -> QuerySet[Debt]:
        return queryset.in_aging_bucket(value, tenant_today())  # type: ignore[attr-defined]

    def filter_search(self, queryset: QuerySet[Debt], name: str, value: str) -> QuerySet[Debt]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(external_ref__icontains=value)
            | Q(description__icontains=value)
            | Q(debtor__name__icontains=value)
            | Q(debtor__external_ref__icontains=value)
        )


class PaymentFilter(django_filters.FilterSet):
    debt = django_filters.UUIDFilter(field_name="debt_id", label="Debt id")
    debt_ref = django_filters.CharFilter(field_name="debt__external_ref", label="Debt external reference")
    received_from = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label="Received on or after")
    received_to = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label="Received on or before")
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    reference = django_filters.CharFilter(label="Payment reference (exact)")

    class Meta:
        model = LedgerEntry
        fields = ["debt", "debt_ref", "received_from", "received_to", "method", "reference"]
