"""Template filters for the experiment report: shares as percentages and day counts, in the active language."""

from __future__ import annotations

from babel.numbers import format_decimal
from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def _locale() -> str:
    return (get_language() or "en").replace("-", "_")


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.2034 → "20.3 %" (in French "20,3 %"); empty for no value."""
    if value is None:
        return ""
    return f"{format_decimal(round(100 * value, digits), format='#,##0.' + '0' * digits, locale=_locale())} %"


@register.filter
def num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(round(value, digits), format=pattern, locale=_locale()))


@register.filter
def points(value: float | None) -> str:
    """A difference of shares in percentage points, signed: 0.061 → "+6.1 points"."""
    if value is None:
        return ""
    text = format_decimal(round(100 * value, 1), format="#,##0.0", locale=_locale())
    signed = f"+{text}" if value > 0 else str(text).replace("-", "−")
    return _("%(value)s points") % {"value": signed}
