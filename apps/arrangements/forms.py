"""Forms of the options page (portal) and of the staff decisions. Amounts are typed in the currency's major unit and
kept in minor units from here on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from babel.numbers import format_decimal
from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from apps.arrangements import options
from apps.arrangements.services import MAX_NOTE_LENGTH
from apps.core.errors import DomainError
from apps.core.money import MoneyError, currency_exponent, format_money, parse_amount, to_decimal
from apps.core.templatetags.money import ldate
from apps.debtors.forms import DateInput
from apps.debts.models import PaymentMethod
from apps.policies.models import Frequency

_GROUPED = re.compile(r"-?\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*")


def parse_money_input(text: str, currency: str) -> int:
    """An amount as a person types it, in any of our languages: "12.50", "12,50", "1 234,50", "1,234.50". The last
    separator is the decimal one when one or two digits (the currency's decimals) follow it and it is not also used
    to group thousands; other separators must group thousands properly ("1.2.3" is refused, not guessed)."""
    raw = "".join((text or "").replace("\u00a0", " ").replace("\u202f", " ").split())
    last = max(raw.rfind("."), raw.rfind(","))
    whole, decimals = raw, ""
    if last >= 0:
        head, tail = raw[:last], raw[last + 1 :]
        if tail.isdigit() and len(tail) <= currency_exponent(currency) and raw[last] not in head:
            whole, decimals = head, tail
    if "." in whole or "," in whole:
        if not _GROUPED.fullmatch(whole):
            raise MoneyError(_("“%(v)s” is not an amount.") % {"v": text}, field="amount")
        whole = whole.replace(".", "").replace(",", "")
    return parse_amount(f"{whole}.{decimals}" if decimals else whole, currency)


def money_initial(amount_minor: int, currency: str) -> str:
    """An amount as the field shows it, in the active language ("100.00", "100,00"), without grouping: what
    `parse_money_input` reads back exactly."""
    exponent = currency_exponent(currency)
    pattern = "0." + "0" * exponent if exponent else "0"
    locale = (get_language() or "en").replace("-", "_")
    return str(format_decimal(to_decimal(amount_minor, currency), format=pattern, locale=locale))


def _money(minor: int, currency: str) -> str:
    return format_money(minor, currency, get_language() or "en")


# What the debtor saw: posted back with an agreement, so that an amount that changed since is never agreed unseen.
def _shown_total() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class PlanForm(forms.Form):
    """The plan builder: read from the query string (the preview) and posted (the agreement)."""

    down_payment = forms.CharField(
        label=gettext_lazy("First payment, today"), max_length=30, required=False, strip=True
    )
    frequency = forms.ChoiceField(label=gettext_lazy("How often"), choices=Frequency.choices)
    instalment_count = forms.IntegerField(
        label=gettext_lazy("Number of instalments after the first payment"),
        min_value=1,
        max_value=options.MAX_INSTALMENTS_ASKED,
    )
    note = forms.CharField(
        label=gettext_lazy("Anything you would like us to know (optional)"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shown_total_minor = _shown_total()

    def __init__(self, *args: Any, currency: str, limits: options.PlanLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        down = self.fields["down_payment"]
        down.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        frequency = self.fields["frequency"]
        assert isinstance(frequency, forms.ChoiceField)
        allowed = list(limits.frequencies) or [str(f) for f in options.FREQUENCY_ORDER]
        frequency.choices = [(f, Frequency(f).label) for f in allowed]
        count = self.fields["instalment_count"]
        count.widget.attrs.update({"inputmode": "numeric"})
        if limits.min_down_payment_minor > 0:
            down.help_text = _("At least %(amount)s (%(pct)s%% of what you owe) for us to agree at once.") % {
                "amount": _money(limits.min_down_payment_minor, currency),
                "pct": limits.min_down_payment_pct,
            }
        else:
            down.help_text = _("You can leave it at 0.")
        if limits.max_instalments_for_balance >= 1:
            count.help_text = _("Up to %(n)s instalments of at least %(amount)s each can be agreed at once.") % {
                "n": limits.max_instalments_for_balance,
                "amount": _money(limits.min_instalment_minor, currency),
            }

    def clean_down_payment(self) -> int:
        text = self.cleaned_data.get("down_payment") or "0"
        try:
            return parse_money_input(text, self.currency)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None


class PromiseForm(forms.Form):
    pay_by = forms.DateField(label=gettext_lazy("I will pay everything by"), widget=DateInput())
    note = forms.CharField(
        label=gettext_lazy("Anything you would like us to know (optional)"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shown_total_minor = _shown_total()

    def __init__(self, *args: Any, today: dt.date, latest: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pay_by"]
        field.widget.attrs.update({"min": today.isoformat(), "max": latest.isoformat()})
        field.help_text = _("Choose a date from today up to %(latest)s.") % {"latest": ldate(latest, "long")}


class SettlementForm(forms.Form):
    """Accepting the settlement offer shown: its discount and amount are posted back."""

    discount_pct = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=99)
    shown_total_minor = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoneFitForm(forms.Form):
    details = forms.CharField(
        label=gettext_lazy("What would work for you?"),
        help_text=gettext_lazy("For example: the amount you could pay each month, or the date you get paid."),
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is it declined?"), max_length=MAX_NOTE_LENGTH)


class ApproveForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=MAX_NOTE_LENGTH, required=False)


class InstalmentPaymentForm(forms.Form):
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DateInput())
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=[(m, label) for m, label in PaymentMethod.choices if m != PaymentMethod.CARD],
    )
