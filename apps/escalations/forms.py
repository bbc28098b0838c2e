"""Forms of the escalation panel. Each action says why; services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

REASON_MAX = 2000


def _reason(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}), help_text=help_text
    )


class AttorneyLetterForm(forms.Form):
    reason = _reason(_("Why an attorney letter now?"), _("Kept with the letter and in the audit log."))


class HandoffForm(forms.Form):
    agency_name = forms.CharField(label=_("Collection agency"), max_length=200)
    commission_pct = forms.IntegerField(label=_("Agency commission (%)"), min_value=0, max_value=100)
    reason = _reason(_("Why hand it off?"))


class WriteOffForm(forms.Form):
    reason = _reason(_("Why write it off?"), _("The rest of the balance becomes a write-off line in the ledger."))


class RecallForm(forms.Form):
    reason = _reason(_("Why take it back from the agency?"))
