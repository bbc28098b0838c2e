"""URLs served on the base domain: the public site, signup and the platform operator console."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.tenants.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
