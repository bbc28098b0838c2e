"""API permissions: any valid key reads; only write-scoped keys change data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from apps.api.models import ApiKey, ApiKeyScope

MISSING_KEY = _("An API key is required: send `Authorization: Api-Key <prefix>.<secret>`.")


class HasApiKey(permissions.BasePermission):
    message = MISSING_KEY

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            # Raised here rather than returned: DRF would otherwise answer with its generic 401 text.
            raise exceptions.NotAuthenticated(MISSING_KEY)
        if request.method in permissions.SAFE_METHODS:
            return True
        if key.scope != ApiKeyScope.WRITE:
            self.message = _("This API key is read-only.")
            return False
        return True
