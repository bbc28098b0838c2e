"""Manager forms for policies, steps, templates, margins and contact rules. Services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.debtors.forms import amount_for_input, parse_money
from apps.policies.models import (
    CallScript,
    Channel,
    ContactRules,
    Frequency,
    Margins,
    MessageTemplate,
    Stage,
    Step,
    StepKind,
)
from apps.policies.services import MARGIN_FIELDS, RULE_FIELDS
from apps.policies.validation import SCRIPT_FIELDS

LOCALE_CHOICES = [("en", "English"), ("fr", "Français"), ("pl", "Polski")]


def split_segments(text: str) -> list[str]:
    return [s.strip() for s in (text or "").replace(";", ",").split(",") if s.strip()]


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    segments = forms.CharField(
        label=_("Segments"),
        required=False,
        help_text=_("Comma-separated, e.g. repeatedly_late, at_risk. Empty: every debtor."),
    )
    priority = forms.IntegerField(
        label=_("Priority"), min_value=0, initial=50, help_text=_("Lower wins when several policies match.")
    )

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "segments": split_segments(data["segments"]), "priority": data["priority"]}


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("When"), choices=StepKind.choices, initial=StepKind.SCHEDULE)
    offset_days = forms.IntegerField(
        label=_("Day"), help_text=_("Days from the due date (negative: before it), or after the missed payment.")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    template_key = forms.ChoiceField(label=_("Template"))
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    segments = forms.CharField(
        label=_("Only for segments"), required=False, help_text=_("Comma-separated; empty: all.")
    )
    min_balance = forms.CharField(label=_("Minimum balance"), required=False)
    min_debt_age_days = forms.IntegerField(label=_("Minimum days past due"), required=False)
    max_debt_age_days = forms.IntegerField(label=_("Maximum days past due"), required=False)

    def __init__(self, *args: Any, currency: str, step: Step | None = None, **kwargs: Any) -> None:
        if step is not None and not args:
            kwargs["initial"] = {
                "kind": step.kind,
                "offset_days": step.offset_days,
                "channel": step.channel,
                "template_key": step.template_key,
                "stage": step.stage,
                "segments": ", ".join(step.segments),
                "min_balance": amount_for_input(step.min_balance_minor, currency),
                "min_debt_age_days": step.min_debt_age_days,
                "max_debt_age_days": step.max_debt_age_days,
            }
        super().__init__(*args, **kwargs)
        self.currency = currency
        keys = MessageTemplate.objects.order_by("key").values_list("key", flat=True).distinct()
        template_field = self.fields["template_key"]
        assert isinstance(template_field, forms.ChoiceField)
        template_field.choices = [(k, k) for k in keys]

    def clean_min_balance(self) -> int | None:
        text = self.cleaned_data["min_balance"]
        return parse_money(text, self.currency) if text.strip() else None

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "offset_days": data["offset_days"],
            "channel": data["channel"],
            "template_key": data["template_key"],
            "stage": data["stage"],
            "segments": split_segments(data["segments"]),
            "min_balance_minor": data["min_balance"],
            "min_debt_age_days": data["min_debt_age_days"],
            "max_debt_age_days": data["max_debt_age_days"],
        }


class TemplateForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60, help_text=_("Steps refer to the template by this key."))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    locale = forms.ChoiceField(label=_("Language"), choices=LOCALE_CHOICES)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    is_legal = forms.BooleanField(label=_("Mentions legal action"), required=False)
    is_exception = forms.BooleanField(label=_("Allowed after a cease request"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}))

    def __init__(self, *args: Any, template: MessageTemplate | None = None, **kwargs: Any) -> None:
        if template is not None:
            # Also on POST: the disabled key/channel/language fields take their value from here.
            kwargs["initial"] = {f: getattr(template, f) for f in self.base_fields}
        super().__init__(*args, **kwargs)
        if template is not None:
            for name in ("key", "channel", "locale"):
                self.fields[name].disabled = True

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MarginsForm(forms.Form):
    max_settlement_discount_pct = forms.IntegerField(label=_("Maximum settlement discount (%)"), min_value=0)
    settlement_after_days_overdue = forms.IntegerField(label=_("Settlement offered after (days overdue)"), min_value=0)
    min_down_payment_pct = forms.IntegerField(label=_("Minimum down payment (%)"), min_value=0)
    max_plan_instalments = forms.IntegerField(label=_("Maximum number of instalments"), min_value=1)
    min_instalment = forms.CharField(label=_("Minimum instalment"))
    allowed_frequencies = forms.MultipleChoiceField(
        label=_("Instalment frequencies"), choices=Frequency.choices, widget=forms.CheckboxSelectMultiple
    )
    max_promise_deferral_days = forms.IntegerField(label=_("Longest promise to pay (days)"), min_value=0)
    agency_commission_pct = forms.IntegerField(
        label=_("Collection agency commission (%)"),
        min_value=0,
        max_value=100,
        help_text=_("What an agency keeps of what it recovers; the hand-off comparison uses it."),
    )

    def __init__(self, *args: Any, margins: Margins, currency: str, **kwargs: Any) -> None:
        if not args:
            initial = {f: getattr(margins, f) for f in MARGIN_FIELDS if f != "min_instalment_minor"}
            initial["min_instalment"] = amount_for_input(margins.min_instalment_minor, currency)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_min_instalment(self) -> int:
        return parse_money(self.cleaned_data["min_instalment"], self.currency)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["min_instalment_minor"] = data.pop("min_instalment")
        return data


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class ContactRulesForm(forms.Form):
    quiet_hours_start = forms.TimeField(label=_("Contact allowed from"), widget=TimeInput())
    quiet_hours_end = forms.TimeField(label=_("Contact allowed until"), widget=TimeInput())
    no_sundays = forms.BooleanField(label=_("No contact on Sundays"), required=False)
    no_public_holidays = forms.BooleanField(label=_("No contact on public holidays"), required=False)
    max_attempts_per_day = forms.IntegerField(label=_("Attempts per debtor per day"), min_value=0)
    max_emails_per_week = forms.IntegerField(label=_("Emails per week"), min_value=0)
    max_sms_per_week = forms.IntegerField(label=_("SMS per week"), min_value=0)
    max_letters_per_month = forms.IntegerField(label=_("Letters per month"), min_value=0)
    max_calls_per_7_days = forms.IntegerField(label=_("Calls per 7 days"), min_value=0)
    call_cooldown_days_after_conversation = forms.IntegerField(
        label=_("Days without calls after a conversation"), min_value=0
    )
    run_hour = forms.IntegerField(
        label=_("Daily run hour"), min_value=0, max_value=23, help_text=_("In the tenant's time zone.")
    )
    calls_recorded = forms.BooleanField(
        label=_("Calls are recorded"),
        required=False,
        help_text=_("Call scripts then start with their call-recording notice."),
    )

    def __init__(self, *args: Any, rules: ContactRules, **kwargs: Any) -> None:
        if not args:
            kwargs["initial"] = {f: getattr(rules, f) for f in RULE_FIELDS}
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CallScriptForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3}))
    talking_points = forms.CharField(
        label=_("Talking points"), widget=forms.Textarea(attrs={"rows": 7}), help_text=_("One per line.")
    )
    open_questions = forms.CharField(
        label=_("Open questions"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("One per line.")
    )
    voicemail = forms.CharField(
        label=_("On voicemail"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Someone else may hear it: your name, the company and a number, nothing about the debt."),
    )
    disclosures = forms.CharField(
        label=_("Required on every call"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("What the law of your jurisdiction requires the agent to say or observe; one per line."),
    )
    recording_notice = forms.CharField(
        label=_("Call-recording notice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Said first when calls are recorded (contact rules)."),
    )

    def __init__(self, *args: Any, script: CallScript, **kwargs: Any) -> None:
        kwargs["initial"] = {name: getattr(script, name) for name in SCRIPT_FIELDS}
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCRIPT_FIELDS}
