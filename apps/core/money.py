"""Money is an integer number of minor units plus an ISO 4217 code; this module converts at the edges."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.utils.translation import gettext as _

from apps.core.errors import DomainError


class MoneyError(DomainError):
    """An amount or currency a person typed or imported that cannot be money."""


@functools.cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@functools.cache
def currency_exponent(currency: str) -> int:
    return int(get_currency_precision(currency))


def check_currency(currency: str) -> str:
    code = (currency or "").strip().upper()
    if code not in known_currencies():
        raise MoneyError(_("“%(c)s” is not an ISO 4217 currency code.") % {"c": currency}, field="currency")
    return code


def parse_amount(text: str, currency: str, *, decimal_comma: bool = False, allow_negative: bool = False) -> int:
    """'1 234,50' EUR → 123450. Refuses more decimals than the currency has, signs, and non-numbers."""
    raw = (text or "").strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    raw = raw.replace(".", "").replace(",", ".") if decimal_comma else raw.replace(",", "")
    if not raw:
        raise MoneyError(_("The amount is empty."), field="amount")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise MoneyError(_("“%(v)s” is not a number.") % {"v": text}, field="amount") from None
    if not value.is_finite():
        raise MoneyError(_("“%(v)s” is not a number.") % {"v": text}, field="amount")
    if value < 0 and not allow_negative:
        raise MoneyError(_("The amount %(v)s is negative.") % {"v": text}, field="amount")
    exponent = currency_exponent(currency)
    exp = value.as_tuple().exponent
    assert isinstance(exp, int)
    if -exp > exponent:
        raise MoneyError(
            _("%(v)s has more decimals than %(c)s allows (%(n)s).") % {"v": text, "c": currency, "n": exponent},
            field="amount",
        )
    return int(value.scaleb(exponent))


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-currency_exponent(currency))


def format_money(amount_minor: int, currency: str, locale: str = "en") -> str:
    return str(format_currency(to_decimal(amount_minor, currency), currency, locale=locale.replace("-", "_")))
