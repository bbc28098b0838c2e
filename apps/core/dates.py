"""Tenant-local "today": days past due and aging are counted at the tenant's midnight."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import connection
from django.utils import timezone


def tenant_today(now: dt.datetime | None = None) -> dt.date:
    tz_name = getattr(getattr(connection, "tenant", None), "timezone", None) or "UTC"
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    return (now or timezone.now()).astimezone(tz).date()
