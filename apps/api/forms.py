"""The form that names a new API key and picks its scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.api.models import ApiKeyScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses this key, e.g. “Billing system nightly import”.")
    )
    scope = forms.ChoiceField(label=_("Access"), choices=ApiKeyScope.choices, initial=ApiKeyScope.READ)
