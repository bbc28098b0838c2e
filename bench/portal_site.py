"""The tenant URLs plus the portal bench's baseline: the smallest Django view, served by the same server and
middleware as the portal (tenant lookup, session, locale, CSRF, CSP ...), so the ratio is the portal page's own
cost over Django's."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/baseline/", baseline),
    path("", include("config.urls_tenant")),
]
