"""Cells of the report tables, formatted for the reader's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from apps.reporting.tables import DAYS, PCT, Column, page_value

register = template.Library()


@register.simple_tag
def report_cell(row: dict[str, Any] | None, column: Column, currency: str) -> str:
    if row is None:
        return ""
    if column.key not in row:
        return ""
    return page_value(row[column.key], column, currency)


@register.simple_tag
def report_pct(value: Decimal | None) -> str:
    return page_value(value, Column("pct", "", PCT), "")


@register.simple_tag
def report_days(value: Decimal | None) -> str:
    return page_value(value, Column("days", "", DAYS), "")
