"""Forms of the portal's help pages and of the staff case pages. Forms parse what people type and check uploads;
the help services decide what a request means."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.arrangements.forms import parse_money_input
from apps.arrangements.models import ArrangementKind
from apps.arrangements.options import MAX_INSTALMENTS_ASKED
from apps.casework.calls import Agreement
from apps.casework.choices import DisputeReason
from apps.casework.uploads import ACCEPT, MAX_FILES, CheckedUpload, check_upload
from apps.contact.models import CallOutcome
from apps.core.errors import DomainError
from apps.debtors.forms import DateInput, parse_money
from apps.debtors.models import ContactPoint, NonPaymentReason
from apps.debts.models import Debt, PaymentMethod
from apps.policies.models import Channel, Frequency

DETAILS_MAX = 4000


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Up to MAX_FILES documents, each checked by content (PDF, JPEG, PNG, at most 10 MB)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": ACCEPT})

    def clean(self, data: Any, initial: Any = None) -> list[CheckedUpload]:  # type: ignore[override]
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise ValidationError(_("Send at most %(n)d files at a time."), params={"n": MAX_FILES}, code="too_many")
        checked: list[CheckedUpload] = []
        errors: list[ValidationError] = []
        for upload in files:
            if not isinstance(upload, UploadedFile):
                errors.append(ValidationError(_("This is not a file."), code="invalid"))
                continue
            try:
                checked.append(check_upload(upload))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return checked


def _documents(help_text: Any) -> DocumentsField:
    return DocumentsField(label=_("Documents (optional)"), help_text=help_text)


DOCUMENTS_HELP = _("PDF, JPEG or PNG, up to 10 MB each, at most 5 files.")


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this invoice?"),
        choices=DisputeReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you dispute this invoice.")},
    )
    details = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Needed if you chose “Another reason”. What happened, and what would put it right?"),
    )
    documents = _documents(
        _("For example a photo of the damaged goods, or a cancellation. PDF, JPEG or PNG, up to 10 MB each.")
    )


class HardshipForm(forms.Form):
    details = forms.CharField(
        label=_("Tell us about your situation"),
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For example: you lost your job, you are ill, your income went down. Say what you could pay, if anything."
        ),
        error_messages={"required": _("Tell us a little about your situation, so that we can help.")},
    )
    documents = _documents(DOCUMENTS_HELP)


class NotMeForm(forms.Form):
    details = forms.CharField(
        label=_("Why is this invoice not yours?"),
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example: you never ordered from us, or someone else has the same name."),
        error_messages={"required": _("Tell us briefly why this invoice is not yours.")},
    )
    documents = _documents(DOCUMENTS_HELP)


class AlreadyPaidForm(forms.Form):
    paid_on = forms.DateField(
        label=_("When did you pay?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the date you paid."), "invalid": _("Enter a real date.")},
    )
    amount = forms.CharField(
        label=_("How much did you pay?"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": _("Enter the amount you paid.")},
    )
    method = forms.ChoiceField(
        label=_("How did you pay?"),
        choices=[("", pgettext_lazy("choice placeholder", "Choose…")), *PaymentMethod.choices],
        error_messages={"required": _("Choose how you paid.")},
    )
    reference = forms.CharField(
        label=_("Payment reference (optional)"),
        max_length=100,
        required=False,
        help_text=_("As shown on your bank statement or receipt, if there is one."),
    )
    details = forms.CharField(
        label=_("Anything else we should know? (optional)"),
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    documents = _documents(
        format_lazy("{} {}", _("A receipt or bank statement helps us find your payment quickly."), DOCUMENTS_HELP)
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = _("How much did you pay? (%(currency)s)") % {"currency": currency}

    def clean_amount(self) -> int:
        return parse_money(self.cleaned_data["amount"], self.currency)


class CallbackForm(forms.Form):
    day = forms.DateField(
        label=pgettext_lazy("callback", "Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Choose a day."), "invalid": _("Enter a real date.")},
    )
    time = forms.TimeField(
        label=pgettext_lazy("callback", "Time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={"required": _("Choose a time."), "invalid": _("Enter a time like 14:30.")},
    )
    phone = forms.CharField(
        label=_("Number to call"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Enter the number we should call.")},
    )
    topic = forms.CharField(
        label=_("What would you like to talk about? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("Emails"), required=False)
    sms = forms.BooleanField(label=_("Text messages (SMS)"), required=False)
    letter = forms.BooleanField(label=_("Letters by post"), required=False)
    phone = forms.BooleanField(label=_("Phone calls"), required=False)
    language = forms.ChoiceField(
        label=_("Language of our messages and letters"),
        # Each language named in itself: a debtor who cannot read the page still finds their own.
        choices=[("en", "English"), ("fr", "Français"), ("pl", "Polski")],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a language.")},
    )

    CHANNEL_FIELDS = {Channel.EMAIL: "email", Channel.SMS: "sms", Channel.LETTER: "letter", Channel.PHONE: "phone"}

    def allowed(self) -> set[str]:
        return {channel for channel, name in self.CHANNEL_FIELDS.items() if self.cleaned_data.get(name)}


# Staff ----------------------------------------------------------------------------------------------------------


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How was it resolved?"),
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept in the case's history; the debtor does not see this note."),
        error_messages={"required": _("Say how the case was resolved.")},
    )
    resume = forms.BooleanField(label=_("Resume collection of the debts this case paused"), required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Dated and signed with your name; the debtor does not see notes."),
        error_messages={"required": _("Write the note first.")},
    )


class AssignForm(forms.Form):
    """Hand a case to a colleague (or to nobody). `expected` is who held it when the page was shown: if that changed
    meanwhile, nothing is changed and the person is told who holds it now."""

    user = forms.ChoiceField(label=_("Assign to"), required=False)
    expected = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, workers: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers = {str(u.public_id): u for u in workers}
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Nobody")), *((key, u.display_name) for key, u in self.workers.items())]

    def assignee(self) -> Any:
        return self.workers.get(self.cleaned_data["user"] or "")


NO_AGREEMENT = ""


class CallForm(forms.Form):
    """A call as the agent logs it (C4). Amounts are typed in the debt's currency; times are the tenant's."""

    contact_point = forms.ChoiceField(
        label=_("Number called"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the number you call.")},
    )
    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the call went.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was said. Dated and kept with the case; the debtor does not see it."),
    )
    reason = forms.ChoiceField(
        label=_("Reason for non-payment"),
        required=False,
        choices=[("", _("Not given")), *NonPaymentReason.choices],
    )
    agreement = forms.ChoiceField(
        label=_("Agreement reached"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (NO_AGREEMENT, _("None")),
            (ArrangementKind.PROMISE, _("Promise to pay")),
            (ArrangementKind.PLAN, _("Payment plan")),
            (ArrangementKind.SETTLEMENT, _("Settlement")),
        ],
        help_text=_("Inside the margins it is active at once; beyond them it goes to a manager for approval."),
    )
    agreement_debt = forms.ChoiceField(label=_("For the invoice"), required=False)
    pay_by = forms.DateField(label=_("Promise: pays everything by"), required=False, widget=DateInput())
    down_payment = forms.CharField(label=_("Plan: first payment, today"), max_length=30, required=False)
    frequency = forms.ChoiceField(label=_("Plan: how often"), required=False, choices=[("", "—"), *Frequency.choices])
    instalment_count = forms.IntegerField(
        label=_("Plan: number of instalments after the first payment"),
        required=False,
        min_value=1,
        max_value=MAX_INSTALMENTS_ASKED,
    )
    discount_pct = forms.IntegerField(label=_("Settlement: discount (%)"), required=False, min_value=1, max_value=99)
    follow_up_date = forms.DateField(label=_("Follow-up: day"), required=False, widget=DateInput())
    follow_up_time = forms.TimeField(
        label=_("Follow-up: time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time like 14:30.")},
    )

    def __init__(
        self, *args: Any, points: Sequence[ContactPoint], debts: Sequence[Debt], tz: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.points = {str(p.pk): p for p in points}
        self.debts = {str(d.pk): d for d in debts}
        self.tz = zoneinfo.ZoneInfo(tz)
        point = self.fields["contact_point"]
        assert isinstance(point, forms.ChoiceField)
        point.choices = [(key, p.value) for key, p in self.points.items()]
        debt = self.fields["agreement_debt"]
        assert isinstance(debt, forms.ChoiceField)
        debt.choices = [(key, d.external_ref) for key, d in self.debts.items()]
        self.fields["down_payment"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.fields["follow_up_time"].help_text = _("Your time (%(tz)s).") % {"tz": tz}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("follow_up_date"), data.get("follow_up_time")
        if bool(day) != bool(time) and "follow_up_date" not in self.errors and "follow_up_time" not in self.errors:
            self.add_error("follow_up_date" if not day else "follow_up_time", _("Give both the day and the time."))
        data["follow_up_at"] = dt.datetime.combine(day, time, tzinfo=self.tz) if day and time else None
        kind = data.get("agreement") or NO_AGREEMENT
        if kind == NO_AGREEMENT:
            return data
        debt = self.debts.get(data.get("agreement_debt") or "")
        if debt is None:
            self.add_error("agreement_debt", _("Choose the invoice the agreement is for."))
            return data
        if kind == ArrangementKind.PROMISE and not data.get("pay_by"):
            self.add_error("pay_by", _("Give the date the debtor promised to pay by."))
        if kind == ArrangementKind.PLAN:
            if not data.get("frequency"):
                self.add_error("frequency", _("Choose how often the debtor pays."))
            if not data.get("instalment_count"):
                self.add_error("instalment_count", _("Give the number of instalments."))
            try:
                data["down_payment_minor"] = parse_money_input(data.get("down_payment") or "0", debt.currency)
            except DomainError as error:
                self.add_error("down_payment", error.message)
        if kind == ArrangementKind.SETTLEMENT and not data.get("discount_pct"):
            self.add_error("discount_pct", _("Give the discount the debtor accepted."))
        return data

    def contact(self) -> ContactPoint:
        return self.points[self.cleaned_data["contact_point"]]

    def agreement_made(self) -> Agreement | None:
        kind = self.cleaned_data.get("agreement") or NO_AGREEMENT
        if kind == NO_AGREEMENT:
            return None
        data = self.cleaned_data
        return Agreement(
            kind=kind,
            debt=self.debts[data["agreement_debt"]],
            pay_by=data.get("pay_by") if kind == ArrangementKind.PROMISE else None,
            down_payment_minor=data.get("down_payment_minor") if kind == ArrangementKind.PLAN else None,
            instalment_count=data.get("instalment_count") if kind == ArrangementKind.PLAN else None,
            frequency=(data.get("frequency") or "") if kind == ArrangementKind.PLAN else "",
            discount_pct=data.get("discount_pct") if kind == ArrangementKind.SETTLEMENT else None,
        )
