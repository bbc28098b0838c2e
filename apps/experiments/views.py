"""Staff pages for experiments (R6): list and create, the experiment with its arms, start / stop, the report."""

from __future__ import annotations

import csv
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm, user_has_perm
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.debtors.forms import add_domain_error
from apps.experiments import services
from apps.experiments.forms import ArmForm, ExperimentCreateForm, ExperimentEditForm, ReportForm, StopForm, WeightsForm
from apps.experiments.models import Arm, ArmKind, Experiment
from apps.experiments.report import DEFAULT_DAYS, ExperimentReport, Money, experiment_report
from apps.experiments.selectors import arm_versions, experiment_arms, experiment_list

UNPROCESSABLE = 422


def _experiment(experiment_id: UUID) -> Experiment:
    return get_object_or_404(Experiment.objects.select_related("policy"), pk=experiment_id)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.VIEW)
def experiment_index(request: HttpRequest) -> HttpResponse:
    can_manage = user_has_perm(request.user, Perm.MANAGE_POLICIES)
    form = ExperimentCreateForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                experiment = services.experiment_create(
                    policy=form.cleaned_data["policy"],
                    name=form.cleaned_data["name"],
                    hypothesis=form.cleaned_data["hypothesis"],
                    actor=Actor.for_user(request.user),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return redirect("experiments:detail", experiment_id=experiment.pk)
    status = UNPROCESSABLE if form is not None and form.errors else 200
    return render(request, "experiments/list.html", {"experiments": experiment_list(), "form": form}, status=status)


def _detail(request: HttpRequest, experiment: Experiment, status: int = 200, **bound: Any) -> HttpResponse:
    arms = experiment_arms(experiment)
    total = sum(arm.weight for arm in arms) or 1
    context: dict[str, Any] = {
        "experiment": experiment,
        "arms": [(arm, round(100 * arm.weight / total)) for arm in arms],
        "has_holdout": any(arm.is_holdout for arm in arms),
        "problems": services.experiment_problems(experiment) if experiment.is_draft else [],
    }
    if user_has_perm(request.user, Perm.MANAGE_POLICIES):
        if experiment.is_draft:
            context["edit_form"] = bound.get("edit_form") or ExperimentEditForm(
                initial={"name": experiment.name, "hypothesis": experiment.hypothesis}
            )
            context["arm_form"] = bound.get("arm_form") or ArmForm(versions=arm_versions(experiment))
        if experiment.is_running:
            context["weights_form"] = bound.get("weights_form") or WeightsForm(arms=arms)
            context["stop_form"] = bound.get("stop_form") or StopForm()
    return render(request, "experiments/detail.html", context, status=status)


@require_GET
@require_perm(Perm.VIEW)
def experiment_detail(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    return _detail(request, _experiment(experiment_id))


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def experiment_edit(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    form = ExperimentEditForm(request.POST)
    if form.is_valid():
        try:
            services.experiment_update(experiment=experiment, actor=Actor.for_user(request.user), **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Experiment saved."))
            return redirect("experiments:detail", experiment_id=experiment.pk)
    return _detail(request, experiment, UNPROCESSABLE, edit_form=form)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def arm_add(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    form = ArmForm(request.POST, versions=arm_versions(experiment))
    if form.is_valid():
        fields = form.service_fields()
        kind = form.cleaned_data["kind"]
        if kind == ArmKind.HOLDOUT:
            fields["version"] = None
        try:
            services.arm_add(experiment=experiment, kind=kind, actor=Actor.for_user(request.user), **fields)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Arm added."))
            return redirect("experiments:detail", experiment_id=experiment.pk)
    return _detail(request, experiment, UNPROCESSABLE, arm_form=form)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_POLICIES)
def arm_edit(request: HttpRequest, experiment_id: UUID, arm_id: int) -> HttpResponse:
    arm = get_object_or_404(
        Arm.objects.select_related("experiment__policy", "version"), pk=arm_id, experiment_id=experiment_id
    )
    form = ArmForm(request.POST or None, versions=arm_versions(arm.experiment), arm=arm)
    if request.method == "POST" and form.is_valid():
        try:
            services.arm_update(arm=arm, actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Arm saved."))
            return redirect("experiments:detail", experiment_id=experiment_id)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "experiments/arm_form.html", {"form": form, "arm": arm}, status=status)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def arm_remove(request: HttpRequest, experiment_id: UUID, arm_id: int) -> HttpResponse:
    arm = get_object_or_404(Arm.objects.select_related("experiment", "version"), pk=arm_id, experiment_id=experiment_id)
    try:
        services.arm_remove(arm=arm, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Arm removed."))
    return redirect("experiments:detail", experiment_id=experiment_id)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def experiment_weights(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    form = WeightsForm(request.POST, arms=experiment_arms(experiment))
    if form.is_valid():
        try:
            services.experiment_weights_set(
                experiment=experiment, weights=form.weights(), actor=Actor.for_user(request.user)
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Weights saved: they apply to debtors not yet assigned."))
            return redirect("experiments:detail", experiment_id=experiment.pk)
    return _detail(request, experiment, UNPROCESSABLE, weights_form=form)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def experiment_start(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    try:
        services.experiment_start(experiment=experiment, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The experiment is running: the next daily run assigns debtors to the arms."))
    return redirect("experiments:detail", experiment_id=experiment.pk)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def experiment_stop(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            services.experiment_stop(
                experiment=experiment, reason=form.cleaned_data["reason"], actor=Actor.for_user(request.user)
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Stopped: from the next run every debtor follows the live version."))
        return redirect("experiments:detail", experiment_id=experiment.pk)
    return _detail(request, experiment, UNPROCESSABLE, stop_form=form)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def experiment_discard(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    try:
        services.experiment_discard(experiment=experiment, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("experiments:detail", experiment_id=experiment.pk)
    messages.success(request, _("Draft discarded."))
    return redirect("experiments:list")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _csv(report: ExperimentReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="experiment-{report.experiment.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "arm",
            "version",
            "debtors",
            "recovered_debtors",
            "recovery_rate_pct",
            "recovery_ci_low_pct",
            "recovery_ci_high_pct",
            "debts",
            "debts_paid_or_settled",
            "currency",
            "owed_minor",
            "recovered_minor",
            "median_days_to_pay",
            "opted_out",
            "opt_out_rate_pct",
        ]
    )
    for figures in report.arms:
        arm = figures.arm
        rows: list[Money | None] = list(figures.money) or [None]
        for money in rows:
            interval = figures.recovered.interval
            writer.writerow(
                [
                    arm.label,
                    arm.version.number if arm.version else "",
                    figures.debtors,
                    figures.recovered.count,
                    _percent(figures.recovered.rate),
                    _percent(interval.low if interval else None),
                    _percent(interval.high if interval else None),
                    figures.debts.total,
                    figures.debts.count,
                    money.currency if money else "",
                    money.owed_minor if money else "",
                    money.recovered_minor if money else "",
                    "" if figures.time_to_pay.median_days is None else f"{figures.time_to_pay.median_days:g}",
                    figures.opted_out.count,
                    _percent(figures.opted_out.rate),
                ]
            )
    return response


@require_GET
@require_perm(Perm.VIEW)
def experiment_results(request: HttpRequest, experiment_id: UUID) -> HttpResponse:
    experiment = _experiment(experiment_id)
    form = ReportForm(request.GET or {"days": DEFAULT_DAYS})
    days = form.cleaned_data["days"] if form.is_valid() else DEFAULT_DAYS
    report = experiment_report(experiment, days=days)
    if request.GET.get("format") == "csv":
        return _csv(report)
    return render(request, "experiments/report.html", {"experiment": experiment, "report": report, "form": form})
