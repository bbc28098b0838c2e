"""Template filters that format money and dates for the active language."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from django import template
from django.utils.translation import get_language

from apps.core.money import format_money

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return ""
    return format_money(int(amount_minor), currency, get_language() or "en")


@register.filter
def ldate(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(format_date(value, format=fmt, locale=(get_language() or "en").replace("-", "_")))
