"""Template helpers of casework: times in the page's language, and a debtor's open cases on the debtor page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_time
from django import template
from django.utils.translation import get_language

from apps.casework.selectors import debtor_open_cases
from apps.debtors.models import Debtor

register = template.Library()


@register.filter
def ltime(value: dt.datetime | dt.time | None) -> str:
    """A time of day as the page's language writes it (14:30, 2:30 PM); datetimes in their own zone."""
    if value is None:
        return ""
    moment = value.time() if isinstance(value, dt.datetime) else value
    return str(format_time(moment, format="short", locale=(get_language() or "en").replace("-", "_")))


@register.inclusion_tag("casework/_debtor_cases.html", takes_context=True)
def debtor_cases(context: dict[str, Any], debtor: Debtor) -> dict[str, Any]:
    return {"cases": debtor_open_cases(debtor), "debtor": debtor, "tenant": context.get("tenant")}
