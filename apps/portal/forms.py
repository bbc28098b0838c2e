from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_("Your customer reference or the reference of an invoice, as printed on our letters."),
    )
    postal_code = forms.CharField(label=_("Postal code of your address"), max_length=20, required=False)
    date_of_birth = forms.DateField(
        label=_("or your date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not (data.get("postal_code") or "").strip() and not data.get("date_of_birth"):
            raise forms.ValidationError(_("Give your postal code or your date of birth."))
        return data
