"""The report filters shared by the dashboard, its CSV files and the API: period, currency and the N of "paid
within N days". Everything is optional; what is missing takes its default."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.dates import tenant_today
from apps.core.tenancy import current_tenant
from apps.debtors.forms import DateInput
from apps.reporting.selectors import ReportParams, report_currencies

CUSTOM = "custom"
PRESETS = {"30": 30, "90": 90, "365": 365}
DEFAULT_PERIOD = "90"
DAY_CHOICES = (7, 14, 30)
DEFAULT_DAYS = 14
# Ten years of months is as long a table as anyone reads; longer is a mistake in a date.
MAX_PERIOD_DAYS = 3660


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("30", _("Last 30 days")),
            ("90", _("Last 90 days")),
            ("365", _("Last 365 days")),
            (CUSTOM, _("From … to …")),
        ],
    )
    start = forms.DateField(label=pgettext_lazy("first day of a period", "From"), required=False, widget=DateInput())
    end = forms.DateField(label=pgettext_lazy("last day of a period", "To"), required=False, widget=DateInput())
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        error_messages={"invalid_choice": _("Nothing is recorded in %(value)s: choose a currency from the list.")},
    )
    days = forms.TypedChoiceField(
        label=_("Paid within"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_DAYS,  # type: ignore[arg-type]
        choices=[(str(n), str(n)) for n in DAY_CHOICES],  # labelled in __init__, in the reader's language
        help_text=_("For the policy steps: how long after a step a payment still counts."),
    )

    def __init__(self, data: Any, *, currencies: list[str], tenant_currency: str, today: dt.date, tz: str) -> None:
        self.tenant_currency = tenant_currency if tenant_currency in currencies else (currencies or [""])[0]
        # The form is always bound, so what the address leaves out is filled in here and shows as chosen.
        filled = {key: data.get(key, "") for key in ("period", "start", "end", "currency", "days")}
        if not filled["period"]:
            filled["period"] = CUSTOM if filled["start"] or filled["end"] else DEFAULT_PERIOD
        filled["currency"] = filled["currency"] or self.tenant_currency
        filled["days"] = filled["days"] or str(DEFAULT_DAYS)
        super().__init__(filled)
        self.today = today
        self.tz = tz
        days = self.fields["days"]
        assert isinstance(days, forms.ChoiceField)
        days.choices = [(str(n), _("%(n)s days") % {"n": n}) for n in DAY_CHOICES]
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(c, c) for c in currencies]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        period = data.get("period") or DEFAULT_PERIOD
        if period == CUSTOM:
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Give the first day of the period."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Give the last day of the period."))
            if start is not None and end is not None:
                if end > self.today:
                    self.add_error("end", _("The last day is after today (%(today)s).") % {"today": self.today})
                elif start > end:
                    self.add_error("start", _("The first day is after the last day."))
                elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                    too_long = _("The period is longer than %(n)s days; choose a shorter one.")
                    self.add_error("start", too_long % {"n": MAX_PERIOD_DAYS})
        else:
            end = self.today
            start = end - dt.timedelta(days=PRESETS[period] - 1)
        data.update(period=period, start=start, end=end)
        return data

    def params(self) -> ReportParams:
        """The figures' parameters; only after is_valid()."""
        data = self.cleaned_data
        return ReportParams(
            start=data["start"],
            end=data["end"],
            currency=data["currency"],
            days=data["days"],
            today=self.today,
            timezone=self.tz,
            now=timezone.now(),
        )

    def query(self) -> dict[str, str]:
        """The filters as they would appear in an address, for the CSV links (only after is_valid())."""
        data = self.cleaned_data
        query = {"period": data["period"], "currency": data["currency"], "days": str(data["days"])}
        if data["period"] == CUSTOM:
            query.update(start=data["start"].isoformat(), end=data["end"].isoformat())
        return query


def report_form(data: Any) -> ReportFilterForm:
    """The filters for the current tenant: its currencies (one query), its today and its timezone."""
    tenant = current_tenant()
    tenant_currency = getattr(tenant, "currency", "") or ""
    return ReportFilterForm(
        data,
        currencies=report_currencies(tenant_currency),
        tenant_currency=tenant_currency,
        today=tenant_today(),
        tz=getattr(tenant, "timezone", "") or "UTC",
    )
