"""Manager forms for experiments and the report's window. The services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.experiments.models import MAX_ARM_WEIGHT, Arm, ArmKind
from apps.experiments.report import DEFAULT_DAYS, MAX_DAYS
from apps.policies.models import Policy, PolicyVersion, VersionStatus


class VersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: PolicyVersion) -> str:  # type: ignore[override]
        return f"v{obj.number} ({obj.get_status_display()})"


class ExperimentCreateForm(forms.Form):
    policy = forms.ModelChoiceField(label=_("Policy"), queryset=Policy.objects.none())
    name = forms.CharField(label=_("Name"), max_length=120)
    hypothesis = forms.CharField(
        label=_("Hypothesis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you expect to change and why, e.g. “An SMS on day 1 gets paid sooner than an email.”"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        live = Policy.objects.filter(versions__status=VersionStatus.PUBLISHED).distinct().order_by("priority", "name")
        self.fields["policy"].queryset = live  # type: ignore[attr-defined]


class ExperimentEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    hypothesis = forms.CharField(label=_("Hypothesis"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ArmForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Arm"),
        choices=ArmKind.choices,
        initial=ArmKind.VARIANT,
        help_text=_("A variant follows a published version; the holdout gets no automated message."),
    )
    version = VersionChoice(
        label=_("Policy version"),
        queryset=PolicyVersion.objects.none(),
        required=False,
        help_text=_("Only published versions: their steps can no longer change. Publish a draft to use it."),
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=0,
        max_value=MAX_ARM_WEIGHT,
        initial=50,
        help_text=_("Arms share new debtors in proportion to their weights."),
    )
    description = forms.CharField(label=_("What differs"), max_length=200, required=False)
    settlement_discount_pct = forms.IntegerField(
        label=_("Settlement discount offered (%)"),
        min_value=0,
        max_value=99,
        required=False,
        help_text=_("Leave empty to offer the negotiation margins' discount. Not for the holdout."),
    )

    def __init__(self, *args: Any, versions: QuerySet[PolicyVersion], arm: Arm | None = None, **kwargs: Any) -> None:
        if arm is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": arm.kind,
                    "version": arm.version_id,
                    "weight": arm.weight,
                    "description": arm.description,
                    "settlement_discount_pct": arm.settlement_discount_pct,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions  # type: ignore[attr-defined]
        if arm is not None:
            del self.fields["kind"]  # an arm stays what it is
            if arm.is_holdout:
                del self.fields["version"]
                del self.fields["settlement_discount_pct"]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "version": data.get("version"),
            "weight": data["weight"],
            "description": data.get("description", ""),
            "settlement_discount_pct": data.get("settlement_discount_pct"),
        }


class WeightsForm(forms.Form):
    """One weight per arm; while running, zero closes an arm to new debtors."""

    def __init__(self, *args: Any, arms: list[Arm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arms = arms
        for arm in arms:
            self.fields[f"weight_{arm.pk}"] = forms.IntegerField(
                label=_("Weight of %(arm)s") % {"arm": arm.label},
                min_value=0,
                max_value=MAX_ARM_WEIGHT,
                initial=arm.weight,
            )

    def weights(self) -> dict[int, int]:
        return {arm.pk: self.cleaned_data[f"weight_{arm.pk}"] for arm in self.arms}


class StopForm(forms.Form):
    reason = forms.CharField(
        label=_("Why stop now?"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(forms.Form):
    days = forms.IntegerField(
        label=_("Paid within (days after a step)"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )
