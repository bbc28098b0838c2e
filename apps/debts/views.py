"""Staff pages for debts: the list, a debt's page with its ledger and history, and the managers' actions on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm, user_has_perm
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.debtors.forms import add_domain_error
from apps.debtors.models import Debtor
from apps.debtors.views import is_fragment_request
from apps.debts import services
from apps.debts.filters import DebtFilter
from apps.debts.forms import AdjustmentForm, DebtCreateForm, DebtEditForm, PaymentForm, TransitionForm
from apps.debts.models import Debt
from apps.debts.selectors import (
    MANUAL_TRANSITIONS,
    debt_list_queryset,
    debt_page,
    debts_totals_by_currency,
    manual_transition_check,
)

PAGE_SIZE = 50
UNPROCESSABLE = 422

TRANSITION_SERVICES: dict[str, Callable[..., Debt]] = {
    "dispute": services.debt_dispute,
    "hold": services.debt_hold,
    "resume": services.debt_resume,
    "settle": services.debt_settle,
    "cancel": services.debt_cancel,
}


@require_GET
@require_perm(Perm.VIEW)
def debt_list(request: HttpRequest) -> HttpResponse:
    filterset = DebtFilter(request.GET, queryset=debt_list_queryset())
    debts = filterset.qs
    page = Paginator(debts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "totals": debts_totals_by_currency(debts)}
    template = "debts/list.html#results" if is_fragment_request(request, "results") else "debts/list.html"
    return render(request, template, context)


def _render_debt(request: HttpRequest, debt: Debt, status: int = 200, **bound: Any) -> HttpResponse:
    """The debt page; a form that failed is passed in bound so its errors show where it was filled in."""
    view = debt_page(debt)
    context: dict[str, Any] = {"view": view, "debt": debt}
    if user_has_perm(request.user, Perm.EDIT_DEBTS):
        context["payment_form"] = bound.get("payment_form") or PaymentForm(debt=debt)
        context["adjust_form"] = bound.get("adjust_form") or AdjustmentForm(debt=debt)
        failed = bound.get("transition_form")
        context["transition_forms"] = [
            (
                name,
                label,
                failed
                if failed is not None and failed.prefix == name
                else TransitionForm(prefix=name, reason_required=needs_reason),
            )
            for name, label, needs_reason in view.transitions
        ]
    return render(request, "debts/detail.html", context, status=status)


@require_GET
@require_perm(Perm.VIEW)
def debt_detail(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = get_object_or_404(Debt.objects.select_related("debtor"), pk=debt_id)
    return _render_debt(request, debt)


@require_POST
@require_perm(Perm.EDIT_DEBTS)
def debt_payment_add(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = get_object_or_404(Debt.objects.select_related("debtor"), pk=debt_id)
    form = PaymentForm(request.POST, debt=debt)
    if form.is_valid():
        try:
            services.debt_payment_record(
                debt=debt,
                amount_minor=form.cleaned_data["amount"],
                received_on=form.cleaned_data["received_on"],
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                note=form.cleaned_data["note"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            add_domain_error(form, exc, form.ALIASES)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("debts:detail", debt_id=debt.pk)
    return _render_debt(request, debt, status=UNPROCESSABLE, payment_form=form)


@require_POST
@require_perm(Perm.EDIT_DEBTS)
def debt_adjustment_add(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = get_object_or_404(Debt.objects.select_related("debtor"), pk=debt_id)
    form = AdjustmentForm(request.POST, debt=debt)
    if form.is_valid():
        try:
            services.debt_adjust(
                debt=debt,
                amount_minor=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Adjustment recorded."))
            return redirect("debts:detail", debt_id=debt.pk)
    return _render_debt(request, debt, status=UNPROCESSABLE, adjust_form=form)


@require_POST
@require_perm(Perm.EDIT_DEBTS)
def debt_transition(request: HttpRequest, debt_id: UUID, name: str) -> HttpResponse:
    debt = get_object_or_404(Debt.objects.select_related("debtor"), pk=debt_id)
    if name not in TRANSITION_SERVICES:
        raise Http404
    form = TransitionForm(request.POST, prefix=name, reason_required=MANUAL_TRANSITIONS[name][1])
    if form.is_valid():
        try:
            manual_transition_check(debt, name)
            changed = TRANSITION_SERVICES[name](
                debt=debt, reason=form.cleaned_data["reason"], actor=Actor.for_user(request.user)
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Debt %(ref)s is now %(status)s.")
                % {"ref": changed.external_ref, "status": changed.get_status_display()},
            )
        return redirect("debts:detail", debt_id=debt.pk)
    return _render_debt(request, debt, status=UNPROCESSABLE, transition_form=form)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def debt_create(request: HttpRequest, debtor_id: UUID) -> HttpResponse:
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    currency = request.tenant.currency  # type: ignore[attr-defined]
    form = DebtCreateForm(request.POST or None, currency=currency)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            debt = services.debt_create(
                debtor=debtor,
                external_ref=d["external_ref"],
                amount_minor=d["amount_minor"],
                currency=d["currency"],
                issue_date=d["issue_date"],
                due_date=d["due_date"],
                description=d["description"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            add_domain_error(form, exc, form.ALIASES)
        else:
            messages.success(request, _("Debt %(ref)s added.") % {"ref": debt.external_ref})
            return redirect("debts:detail", debt_id=debt.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "debts/form.html", {"form": form, "debtor": debtor}, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def debt_edit(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = get_object_or_404(Debt.objects.select_related("debtor"), pk=debt_id)
    form = DebtEditForm(request.POST or None, debt=debt)
    if request.method == "POST" and form.is_valid():
        try:
            services.debt_update(debt=debt, actor=Actor.for_user(request.user), **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Debt %(ref)s saved.") % {"ref": debt.external_ref})
            return redirect("debts:detail", debt_id=debt.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "debts/form.html", {"form": form, "debt": debt, "debtor": debt.debtor}, status=status)
