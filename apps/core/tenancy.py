"""The tenant whose schema the database connection is in (set per request or by schema_context)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def current_tenant() -> Any:
    return getattr(connection, "tenant", None)
