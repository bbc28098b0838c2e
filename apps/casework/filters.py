"""The staff worklist's filters: open cases by default, by kind, priority, "my cases" and overdue."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.casework.models import Case, CaseKind, CaseStatus, Priority

ANY_STATUS = "all"
STATUS_CHOICES = [
    (CaseStatus.OPEN, _("Open")),
    (CaseStatus.RESOLVED, _("Resolved")),
    (ANY_STATUS, _("Any status")),
]


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, empty_label=None, method="filter_status"
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CaseKind.choices, empty_label=_("Any kind"))
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority"))
    mine = django_filters.BooleanFilter(label=_("My cases"), method="filter_mine", widget=forms.CheckboxInput)
    overdue = django_filters.BooleanFilter(
        label=_("Reply overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Case
        fields = ["status", "kind", "priority", "mine", "overdue"]

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
