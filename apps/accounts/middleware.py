"""Staff pages speak the user's language, else the tenant's default locale."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang = self.language_for(request)
        if lang:
            translation.activate(lang)
            request.LANGUAGE_CODE = lang  # type: ignore[attr-defined]
        response = self.get_response(request)
        if lang:
            response.headers.setdefault("Content-Language", lang)
        return response

    @staticmethod
    def language_for(request: HttpRequest) -> str | None:
        explicit = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if explicit in SUPPORTED:
            return explicit
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "language", "") in SUPPORTED:
            return str(user.language)
        tenant_locale = getattr(getattr(request, "tenant", None), "default_locale", None)
        if tenant_locale in SUPPORTED:
            return str(tenant_locale)
        return None
