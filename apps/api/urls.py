"""API routes: the v1 endpoints, the OpenAPI schema and its docs, and the staff pages managing API keys."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from apps.api import api, views

app_name = "api"

v1 = [
    path("debtors/", api.DebtorListApi.as_view(), name="debtors"),
    path("debtors/upsert/", api.DebtorUpsertApi.as_view(), name="debtors_upsert"),
    path("debtors/<uuid:debtor_id>/", api.DebtorDetailApi.as_view(), name="debtor"),
    path("debts/", api.DebtListApi.as_view(), name="debts"),
    path("debts/<uuid:debt_id>/", api.DebtDetailApi.as_view(), name="debt"),
    path("payments/", api.PaymentListCreateApi.as_view(), name="payments"),
    path("payments/<int:payment_id>/", api.PaymentDetailApi.as_view(), name="payment"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("v1/", include("apps.imports.urls_api")),
    path("v1/reports/", include("apps.reporting.urls_api")),
    # The schema and its docs are public on the tenant's host: they describe the API, not the tenant's data.
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/swagger_ui.html",
            authentication_classes=[],
            permission_classes=[AllowAny],
        ),
        name="docs",
    ),
    path("keys/", views.keys, name="keys"),
    path("keys/new/", views.key_create, name="key_create"),
    path("keys/<str:prefix>/revoke/", views.key_revoke, name="key_revoke"),
]
