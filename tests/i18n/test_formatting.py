"""Money and dates read the way each language writes them (CLDR through babel: non-breaking spaces included)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from apps.core.money import format_money

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("lang", "currency", "expected"),
    [
        ("en", "USD", "$1,234.56"),
        ("fr", "EUR", f"1{NNBSP}234,56{NBSP}€"),
        ("pl", "PLN", f"1{NBSP}234,56{NBSP}zł"),
        ("en", "EUR", "€1,234.56"),
        ("fr", "USD", f"1{NNBSP}234,56{NBSP}$US"),
        ("pl", "EUR", f"1{NBSP}234,56{NBSP}€"),
    ],
)
def test_it_formats_money_the_way_the_reader_writes_it(lang, currency, expected):
    assert format_money(1234_56, currency, lang) == expected


def test_it_respects_currencies_without_cents():
    assert format_money(1234, "JPY", "fr") == f"1{NNBSP}234{NBSP}JPY"


@pytest.mark.parametrize(
    ("lang", "amount", "date"),
    [
        ("en", "$1,234.56", "Mar 5, 2026"),
        ("fr", f"1{NNBSP}234,56{NBSP}$US", "5 mars 2026"),
        ("pl", f"1{NBSP}234,56{NBSP}USD", "5 mar 2026"),
    ],
)
def test_it_formats_money_and_dates_in_templates_in_the_active_language(lang, amount, date):
    template = Template("{{ amount|money:'USD' }} | {{ day|ldate }} | {{ moment|ldate:'long' }}")
    context = Context(
        {"amount": 1234_56, "day": dt.date(2026, 3, 5), "moment": dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC)}
    )
    with translation.override(lang):
        rendered = template.render(context)
    long_date = {"en": "March 5, 2026", "fr": "5 mars 2026", "pl": "5 marca 2026"}[lang]
    assert rendered == f"{amount} | {date} | {long_date}"
