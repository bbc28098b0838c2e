"""URLs served on a tenant's subdomain: staff pages and the API."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("debtors/", include("apps.debtors.urls")),
    path("debts/", include("apps.debts.urls")),
    path("imports/", include("apps.imports.urls")),
    path("policies/", include("apps.policies.urls")),
    path("engine/", include("apps.engine.urls")),
    path("outbox/", include("apps.outbox.urls")),
    path("cases/", include("apps.casework.urls")),
    path("arrangements/", include("apps.arrangements.urls")),
    path("payments/", include("apps.payments.urls")),
    path("escalations/", include("apps.escalations.urls")),
    path("experiments/", include("apps.experiments.urls")),
    path("reports/", include("apps.reporting.urls")),
    path("api/", include("apps.api.urls")),
    path("p/", include("apps.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
