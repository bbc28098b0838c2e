"""The staff worklist's filters: open cases by default; a search, kind, priority, who holds the case, "my cases",
overdue; and the order (priority then reply time, or reply time, or age)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.casework.models import Case, CaseKind, CaseStatus, Priority

ANY_STATUS = "all"
STATUS_CHOICES = [
    (CaseStatus.OPEN, _("Open")),
    (CaseStatus.RESOLVED, _("Resolved")),
    (ANY_STATUS, _("Any status")),
]
NOBODY = "nobody"
SORTS = {
    "due": (_("Reply by, soonest first"), (F("reply_by").asc(nulls_last=True), "priority", "created_at", "pk")),
    "newest": (_("Newest first"), ("-created_at", "-pk")),
    "oldest": (_("Oldest first"), ("created_at", "pk")),
}


class CaseFilter(django_filters.FilterSet):
    # The shared filter bar shows no help texts: what is searched is said in the label.
    q = django_filters.CharFilter(
        label=_("Search (subject, debtor, invoice)"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, empty_label=None, method="filter_status"
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CaseKind.choices, empty_label=_("Any kind"))
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority"))
    assigned = django_filters.ChoiceFilter(
        label=_("Assigned to"), choices=[], empty_label=_("Anyone"), method="filter_assigned"
    )
    mine = django_filters.BooleanFilter(label=_("My cases"), method="filter_mine", widget=forms.CheckboxInput)
    overdue = django_filters.BooleanFilter(
        label=_("Reply overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"),
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        empty_label=_("Priority, then reply by"),
        method="filter_sort",
    )

    class Meta:
        model = Case
        fields = ["q", "status", "kind", "priority", "assigned", "mine", "overdue", "sort"]

    def __init__(self, *args: Any, workers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["assigned"].extra["choices"] = [
            (NOBODY, _("Nobody")),
            *((str(user.public_id), user.display_name) for user in workers),
        ]

    @classmethod
    def with_defaults(cls, data: Any, **kwargs: Any) -> CaseFilter:
        """The worklist opens on open cases; a status in the address overrides that."""
        data = data.copy()
        if not data.get("status"):
            data["status"] = CaseStatus.OPEN
        return cls(data, **kwargs)

    def filter_status(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset if value == ANY_STATUS else queryset.filter(status=value)

    def filter_mine(self, queryset: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        user = getattr(self.request, "user", None)
        return queryset.filter(assigned_to=user) if value and user is not None else queryset

    def filter_overdue(self, queryset: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        if not value:
            return queryset
        return queryset.filter(status=CaseStatus.OPEN, reply_by__lt=timezone.now())

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(debtor__name__icontains=value)
            | Q(debtor__external_ref__iexact=value)
            | Q(debt__external_ref__iexact=value)
        )

    def filter_assigned(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == NOBODY:
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to__public_id=value)

    def filter_sort(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.order_by(*SORTS[value][1]) if value in SORTS else queryset
