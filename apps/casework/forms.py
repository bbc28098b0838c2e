"""Forms of the portal's help pages and of the staff case pages. Forms parse what people type and check uploads;
the help services decide what a request means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.casework.choices import DisputeReason
from apps.casework.uploads import ACCEPT, MAX_FILES, CheckedUpload, check_upload
from apps.debtors.forms import parse_money
from apps.debts.models import PaymentMethod
from apps.policies.models import Channel

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
