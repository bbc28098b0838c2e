"""Forms of the import pages: the upload, and the column mapping with the reading conventions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.imports.fields import REQUIRED_FIELDS, TARGET_FIELDS
from apps.imports.models import DateOrder, ImportJob


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or another encoding; commas or semicolons."))


class MappingForm(forms.Form):
    date_order = forms.ChoiceField(label=_("Dates"), choices=DateOrder.choices)
    decimal_comma = forms.BooleanField(label=_("Amounts use a decimal comma (1 234,56)"), required=False)

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        initial = {f: str(i) for f, i in job.mapping.items()} | {
            "date_order": job.date_order,
            "decimal_comma": job.decimal_comma,
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        columns = [("", _("— not in the file —")), *((str(i), name) for i, name in enumerate(job.header))]
        for field, label in TARGET_FIELDS.items():
            self.fields[field] = forms.ChoiceField(
                label=f"{label} *" if field in REQUIRED_FIELDS else label, choices=columns, required=False
            )
        self.order_fields([*TARGET_FIELDS, "date_order", "decimal_comma"])

    def mapping(self) -> dict[str, int]:
        return {f: int(self.cleaned_data[f]) for f in TARGET_FIELDS if self.cleaned_data.get(f) not in (None, "")}

    def field_rows(self) -> list[forms.BoundField]:
        return [self[f] for f in TARGET_FIELDS]
