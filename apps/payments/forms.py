"""Staff forms of card payments: the tenant's Stripe keys, other ways to pay, and a refund."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.debtors.forms import amount_for_input, parse_money
from apps.debts.forms import amount_field
from apps.payments.models import CardPayment


class StripeAccountForm(forms.Form):
    publishable_key = forms.CharField(
        label=_("Publishable key"),
        max_length=255,
        help_text=_("Starts with pk_live_ (or pk_test_ while you try it out)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    # Write-only: never rendered back into the page; left blank, the stored one is kept.
    secret_key = forms.CharField(
        label=_("Secret key"),
        max_length=255,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "spellcheck": "false"}, render_value=False),
    )
    webhook_secret = forms.CharField(
        label=_("Webhook signing secret"),
        max_length=255,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "spellcheck": "false"}, render_value=False),
    )

    def __init__(self, *args: Any, has_secret: bool, has_webhook_secret: bool, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "stripe")
        super().__init__(*args, **kwargs)
        if has_secret:
            self.fields["secret_key"].help_text = _(
                "A secret key is stored (encrypted; it is never shown). Leave blank to keep it, or paste a new one."
            )
        else:
            self.fields["secret_key"].help_text = _("Starts with sk_live_, or rk_live_ for a restricted key.")
        if has_webhook_secret:
            self.fields["webhook_secret"].help_text = _(
                "A signing secret is stored (encrypted). Leave blank to keep it, or paste a new one."
            )
        else:
            self.fields["webhook_secret"].help_text = _(
                "Starts with whsec_. Stripe shows it after you add the webhook address below."
            )


class PaymentInstructionsForm(forms.Form):
    text = forms.CharField(
        label=_("Other ways to pay"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Shown to debtors when card payment is not possible: for example your bank details for a transfer "
            "(IBAN, reference to use) or where to send a cheque."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "instructions")
        super().__init__(*args, **kwargs)


class RefundForm(forms.Form):
    amount = amount_field(_("Amount to refund"))
    reason = forms.CharField(label=_("Reason"), max_length=500)
    # One key per form shown: the same form sent twice refunds once (it is Stripe's Idempotency-Key).
    request_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, card_payment: CardPayment, refundable_minor: int, **kwargs: Any) -> None:
        self.card_payment = card_payment
        kwargs.setdefault("prefix", f"refund-{card_payment.pk}")
        kwargs.setdefault(
            "initial",
            {"request_key": uuid.uuid4(), "amount": amount_for_input(refundable_minor, card_payment.currency)},
        )
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "In %(currency)s. The refunded amount is owed again; to forgive it, adjust or write off the debt after."
        ) % {"currency": card_payment.currency}
        self.refundable_minor = refundable_minor

    def clean_amount(self) -> int:
        return parse_money(self.cleaned_data["amount"], self.card_payment.currency)
