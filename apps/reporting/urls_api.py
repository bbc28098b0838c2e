"""v1 endpoints of the reports, included by apps.api.urls under /api/v1/reports/ (names land in `api:`)."""

from django.urls import path

from apps.reporting.api import REPORT_VIEWS

urlpatterns = [
    path(f"{slug.replace('_', '-')}/", view.as_view(), name=f"report_{slug}") for slug, view in REPORT_VIEWS.items()
]
