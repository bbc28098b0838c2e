"""Manager forms for debtors and contact points. Forms parse what people type; services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.core.money import MoneyError, check_currency, parse_amount, to_decimal
from apps.debtors.models import Consent, ContactKind, ContactPoint, Debtor, DebtorKind, Validity
from apps.debtors.services import CONTACT_FIELDS

DECIMAL_COMMA_LANGUAGES = {"fr", "pl"}
LANGUAGE_CHOICES = [("", _("Tenant default")), ("en", "English"), ("fr", "Français"), ("pl", "Polski")]


def uses_decimal_comma() -> bool:
    return (get_language() or "en").split("-")[0] in DECIMAL_COMMA_LANGUAGES


def parse_money(text: str, currency: str, *, allow_negative: bool = False) -> int:
    """An amount as typed in the page's language: '1 234,50' in French, '1,234.50' in English."""
    try:
        return parse_amount(text, currency, decimal_comma=uses_decimal_comma(), allow_negative=allow_negative)
    except MoneyError as exc:
        raise forms.ValidationError(str(exc)) from None


def clean_currency_code(code: str) -> str:
    """A currency code as typed, checked and upper-cased; a form error when it is not one."""
    try:
        return check_currency(code)
    except MoneyError:
        raise forms.ValidationError(_("“%(c)s” is not a currency code."), params={"c": code}) from None


def amount_for_input(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return ""
    text = str(to_decimal(amount_minor, currency))
    return text.replace(".", ",") if uses_decimal_comma() else text


def add_domain_error(form: forms.Form, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names, or above the form when it names none we show."""
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DebtorForm(forms.Form):
    external_ref = forms.CharField(label=_("External reference"), max_length=100)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=DebtorKind.choices)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=LANGUAGE_CHOICES, required=False)
    timezone = forms.CharField(
        label=_("Timezone"), max_length=64, required=False, help_text=_("For example Europe/Paris")
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)
    customer_since = forms.DateField(label=_("Customer since"), required=False, widget=DateInput)
    lifetime_revenue = forms.CharField(
        label=_("Lifetime revenue"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lifetime_revenue_currency = forms.CharField(label=_("Revenue currency"), max_length=3, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    ALIASES = {"lifetime_revenue_minor": "lifetime_revenue"}

    def __init__(self, *args: Any, debtor: Debtor | None = None, currency: str = "", **kwargs: Any) -> None:
        self.debtor = debtor
        self.default_currency = currency
        if debtor is not None and "initial" not in kwargs:
            rev_currency = debtor.lifetime_revenue_currency or currency
            kwargs["initial"] = {
                "kind": debtor.kind,
                "name": debtor.name,
                "preferred_language": debtor.preferred_language,
                "timezone": debtor.timezone,
                "date_of_birth": debtor.date_of_birth,
                "customer_since": debtor.customer_since,
                "lifetime_revenue": amount_for_input(debtor.lifetime_revenue_minor, rev_currency),
                "lifetime_revenue_currency": rev_currency,
                "notes": debtor.notes,
            }
        kwargs.setdefault("initial", {}).setdefault("lifetime_revenue_currency", currency)
        super().__init__(*args, **kwargs)
        if debtor is not None:
            del self.fields["external_ref"]

    def clean_lifetime_revenue_currency(self) -> str:
        code = self.cleaned_data["lifetime_revenue_currency"]
        return clean_currency_code(code) if code else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("lifetime_revenue", "")
        currency = data.get("lifetime_revenue_currency")
        data["lifetime_revenue_minor"] = None
        if text and currency is not None:
            data["lifetime_revenue_currency"] = currency = currency or self.default_currency
            try:
                data["lifetime_revenue_minor"] = parse_money(text, currency)
            except forms.ValidationError as exc:
                self.add_error("lifetime_revenue", exc)
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        fields = {
            "kind": d["kind"],
            "name": d["name"],
            "preferred_language": d["preferred_language"],
            "timezone": d["timezone"].strip(),
            "date_of_birth": d["date_of_birth"],
            "customer_since": d["customer_since"],
            "lifetime_revenue_minor": d["lifetime_revenue_minor"],
            "lifetime_revenue_currency": d["lifetime_revenue_currency"]
            if d["lifetime_revenue_minor"] is not None
            else "",
            "notes": d["notes"],
        }
        if self.debtor is None:
            fields["external_ref"] = d["external_ref"]
        return fields


class ContactPointForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    label = forms.CharField(label=_("Label"), max_length=50, required=False, help_text=_("e.g. home, work, mobile"))
    value = forms.CharField(
        label=_("Email or phone number"), max_length=320, required=False, help_text=_("Leave empty for an address.")
    )
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Two-letter code; for a phone number typed without +, the country it belongs to."),
    )
    is_primary = forms.BooleanField(label=_("Primary for its kind"), required=False)
    is_workplace = forms.BooleanField(label=_("Workplace"), required=False)
    consent = forms.ChoiceField(label=_("Consent"), choices=Consent.choices, initial=Consent.UNKNOWN)
    validity = forms.ChoiceField(label=_("Validity"), choices=Validity.choices, initial=Validity.UNVERIFIED)
    opted_out = forms.BooleanField(label=_("Opted out (never contact through this)"), required=False)

    ALIASES = {"email": "value", "phone": "value"}
    # The service's fields but the opt-out date: the form has an "opted out" box instead.
    FIELDS = tuple(f for f in CONTACT_FIELDS if f != "opted_out_at")

    def __init__(self, *args: Any, contact: ContactPoint | None = None, **kwargs: Any) -> None:
        self.contact = contact
        if contact is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(contact, f) for f in self.FIELDS} | {"opted_out": contact.is_opted_out}
            if contact.kind == ContactKind.ADDRESS:
                kwargs["initial"]["value"] = ""
        super().__init__(*args, **kwargs)
        if contact is not None:
            del self.fields["kind"]
            if contact.kind == ContactKind.ADDRESS:
                del self.fields["value"]
            else:
                unused = ["address_line1", "address_line2", "postal_code", "city", "region"]
                if contact.kind == ContactKind.EMAIL:
                    unused.append("country")
                for f in unused:
                    del self.fields[f]
                self.fields["value"].required = True
                self.fields["value"].help_text = ""

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        fields = {f: d[f] for f in self.FIELDS if f in self.fields}
        if "value" in fields:
            fields["value"] = fields["value"].strip()
        if "country" in fields:
            fields["country"] = fields["country"].strip().upper()
        return fields
