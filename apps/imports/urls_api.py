"""v1 endpoints of imports, included by apps.api.urls."""

from django.urls import path

from apps.imports import api

urlpatterns = [
    path("debts/bulk-upsert/", api.DebtBulkUpsertApi.as_view(), name="debts_bulk_upsert"),
]
