"""Values every template needs: the tenant, the staff user's permissions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.accounts.permissions import Perm, user_has_perm


def amiable(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    perms = {p.value: user_has_perm(user, p) for p in Perm} if user is not None else {}
    return {
        "tenant": tenant if getattr(tenant, "schema_name", "public") != "public" else None,
        "can": perms,
    }
