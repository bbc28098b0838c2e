"""Manager forms for debts: add and edit, offline payments, adjustments and status changes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.dates import tenant_today
from apps.debtors.forms import DateInput, clean_currency_code, parse_money
from apps.debts.models import Debt, PaymentMethod


def amount_field(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)


class DebtCreateForm(forms.Form):
    external_ref = forms.CharField(label=_("Reference"), max_length=100)
    amount = amount_field(_("Amount"))
    currency = forms.CharField(label=_("Currency"), max_length=3)
    issue_date = forms.DateField(label=_("Issue date"), widget=DateInput)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)

    ALIASES = {"amount_minor": "amount"}

    def __init__(self, *args: Any, currency: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("currency", currency)
        kwargs["initial"].setdefault("issue_date", tenant_today())
        super().__init__(*args, **kwargs)

    def clean_currency(self) -> str:
        return clean_currency_code(self.cleaned_data["currency"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount") and data.get("currency"):
            try:
                data["amount_minor"] = parse_money(data["amount"], data["currency"])
            except forms.ValidationError as exc:
                self.add_error("amount", exc)
        return data


class DebtEditForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    issue_date = forms.DateField(label=_("Issue date"), widget=DateInput)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)

    def __init__(self, *args: Any, debt: Debt, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"description": debt.description, "issue_date": debt.issue_date, "due_date": debt.due_date}
        )
        super().__init__(*args, **kwargs)


class PaymentForm(forms.Form):
    amount = amount_field(_("Amount received"))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.TRANSFER)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=120,
        required=False,
        help_text=_("Cheque number or bank reference; the same reference is never recorded twice."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    ALIASES = {"amount_minor": "amount"}

    def __init__(self, *args: Any, debt: Debt, **kwargs: Any) -> None:
        self.debt = debt
        kwargs.setdefault("initial", {"received_on": tenant_today()})
        kwargs.setdefault("prefix", "payment")
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("In %(currency)s.") % {"currency": debt.currency}

    def clean_amount(self) -> int:
        return parse_money(self.cleaned_data["amount"], self.debt.currency)


class AdjustmentForm(forms.Form):
    amount = amount_field(_("Amount"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, debt: Debt, **kwargs: Any) -> None:
        self.debt = debt
        kwargs.setdefault("prefix", "adjust")
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("In %(currency)s. Positive adds to what is owed, negative takes away.") % {
            "currency": debt.currency
        }

    def clean_amount(self) -> int:
        return parse_money(self.cleaned_data["amount"], self.debt.currency, allow_negative=True)


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args: Any, reason_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
