"""API routes. Each app contributes its own v1 endpoints."""

from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("v1/", include("apps.imports.urls_api")),
]
