"""Tenant-local "today": days past due and aging are counted at the tenant's midnight."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from apps.core.tenancy import current_tenant


def tenant_today(now: dt.datetime | None = None) -> dt.date:
    tz_name = getattr(current_tenant(), "timezone", None) or "UTC"
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    return (now or timezone.now()).astimezone(tz).date()
