"""Routes each request to its tenant's schema; suspended tenants get a notice (pages) or 403 (API)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware


class TenantMiddleware(TenantMainMiddleware):
    """The base domain serves the public site; any other unknown host is a 404."""

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> None:
        base = settings.AMIABLE_BASE_DOMAIN
        if hostname in {base, f"www.{base}", "127.0.0.1"}:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            request.tenant = connection.tenant  # type: ignore[attr-defined]
            self.setup_url_routing(request=request, force_public=True)
            return None
        return super().no_tenant_found(request, hostname)


class TenantStateMiddleware:
    """A suspended tenant's staff pages show why; its API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is not None and getattr(tenant, "status", None) == "suspended":
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("This account is suspended. Contact Amiable support to reactivate it.")},
                    status=403,
                )
            if not request.path.startswith(settings.STATIC_URL):
                return render(request, "tenants/suspended.html", {"tenant": tenant}, status=403)
        return self.get_response(request)
