"""The debtor's options for one debt (Q3): pay in full, a settlement, a payment plan built with a live schedule
preview, a promise to pay by a date, or "none of these fit". Every page works without JavaScript; with htmx the plan
preview follows the fields as they change. Everything is scoped to the signed-in debtor (anything else is 404)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.arrangements import options, selectors, services
from apps.arrangements.forms import NoneFitForm, PlanForm, PromiseForm, SettlementForm, money_initial
from apps.arrangements.models import Arrangement, ArrangementKind
from apps.casework.models import Case, CaseKind
from apps.casework.services import case_reply_by
from apps.contact.timezones import debtor_timezone
from apps.core.errors import DomainError
from apps.debtors.forms import add_domain_error
from apps.debtors.models import Debtor
from apps.debtors.views import is_fragment_request
from apps.debts.models import Debt
from apps.portal.access import portal_actor
from apps.portal.views import debtor_view

UNPROCESSABLE = 422
PREVIEW = "plan-preview"


def _debt(debtor: Debtor, debt_id: uuid.UUID) -> Debt:
    debt = selectors.portal_debt(debtor, debt_id)
    if debt is None:
        raise Http404
    return debt


@dataclasses.dataclass(frozen=True)
class PlanPreview:
    """The plan builder's form and, when it makes a plan, the schedule and what stands outside the margins."""

    form: PlanForm
    proposal: options.Proposal | None
    violations: list[options.Violation]
    down_payment_text: str = ""

    @property
    def agreed_at_once(self) -> bool:
        return self.proposal is not None and not self.violations


def _plan_form(data: Any, view: selectors.DebtOptions) -> PlanForm:
    o = view.options
    down, frequency, count = options.default_plan(o)
    return PlanForm(
        data,
        auto_id="plan_%s",
        currency=o.currency,
        limits=o.plan,
        initial={
            "down_payment": money_initial(down, o.currency),
            "frequency": frequency,
            "instalment_count": count,
        },
    )


def _plan_preview(form: PlanForm, view: selectors.DebtOptions) -> PlanPreview:
    o = view.options
    if form.is_bound:
        if not form.is_valid():
            return PlanPreview(form, None, [])
        down, frequency, count = (
            form.cleaned_data["down_payment"],
            form.cleaned_data["frequency"],
            form.cleaned_data["instalment_count"],
        )
    else:
        down, frequency, count = options.default_plan(o)
    try:
        proposal = options.plan_proposal(
            balance_minor=o.balance_minor,
            currency=o.currency,
            down_payment_minor=down,
            instalment_count=count,
            frequency=frequency,
            today=o.today,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return PlanPreview(form, None, [])
    found = options.violations(proposal, margins=view.margins, days_overdue=o.days_overdue, today=o.today)
    return PlanPreview(form, proposal, found, money_initial(down, o.currency))


def _promise_form(data: Any, view: selectors.DebtOptions) -> PromiseForm:
    o = view.options
    return PromiseForm(
        data,
        auto_id="promise_%s",
        today=o.today,
        latest=o.promise_latest,
        initial={"pay_by": min(o.today + dt.timedelta(days=7), o.promise_latest), "shown_total_minor": o.balance_minor},
    )


def _render(
    request: HttpRequest,
    debtor: Debtor,
    view: selectors.DebtOptions,
    *,
    plan: PlanPreview | None = None,
    promise: PromiseForm | None = None,
    none_fit: NoneFitForm | None = None,
    settlement_error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "debtor": debtor,
        "debt": view.debt,
        "o": view.options,
        "live": view.live,
        "arrangeable": view.debt.status in services.ARRANGEABLE and view.live is None,
        "on_hold": view.debt.status == "on_hold",
        "plan": plan or _plan_preview(_plan_form(None, view), view),
        "promise_form": promise or _promise_form(None, view),
        "none_fit_form": none_fit or NoneFitForm(),
        "settlement_form_error": settlement_error,
        "reply_by": case_reply_by(CaseKind.OUT_OF_MARGIN),
        "tz": debtor_timezone(debtor).key,
    }
    return render(request, "arrangements/portal/options.html", context, status=status)


@require_GET
@debtor_view(signed_out="redirect")
def options_page(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    """The options page. Its plan builder is a GET form: "Show schedule" re-renders the page with the preview, and
    htmx swaps only the preview fragment as the fields change."""
    view = selectors.debt_options(_debt(debtor, debt_id))
    bound = "instalment_count" in request.GET
    plan = _plan_preview(_plan_form(request.GET if bound else None, view), view)
    if is_fragment_request(request, PREVIEW):
        context = {
            "debt": view.debt,
            "o": view.options,
            "plan": plan,
            "reply_by": case_reply_by(CaseKind.OUT_OF_MARGIN),
            "tz": debtor_timezone(debtor).key,
        }
        return render(request, f"arrangements/portal/options.html#{PREVIEW}", context)
    return _render(request, debtor, view, plan=plan)


def _agreed(debt: Debt, arrangement: Arrangement) -> HttpResponse:
    return redirect("portal:arrangement", debt_id=debt.pk, arrangement_id=arrangement.pk)


@require_POST
@debtor_view(signed_out="404")
def settlement_accept(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    form = SettlementForm(request.POST)
    if form.is_valid():
        try:
            arrangement = services.arrangement_request(
                debt=debt,
                kind=ArrangementKind.SETTLEMENT,
                discount_pct=form.cleaned_data["discount_pct"],
                expected_total_minor=form.cleaned_data["shown_total_minor"],
                actor=portal_actor(debtor),
            )
        except DomainError as error:
            return _render(
                request, debtor, selectors.debt_options(debt), settlement_error=error.message, status=UNPROCESSABLE
            )
        return _agreed(debt, arrangement)
    return _render(
        request,
        debtor,
        selectors.debt_options(debt),
        settlement_error=_("This offer could not be read. Please try again."),
        status=UNPROCESSABLE,
    )


@require_POST
@debtor_view(signed_out="404")
def plan_agree(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    view = selectors.debt_options(debt)
    form = _plan_form(request.POST, view)
    if form.is_valid():
        try:
            arrangement = services.arrangement_request(
                debt=debt,
                kind=ArrangementKind.PLAN,
                down_payment_minor=form.cleaned_data["down_payment"],
                frequency=form.cleaned_data["frequency"],
                instalment_count=form.cleaned_data["instalment_count"],
                note=form.cleaned_data["note"],
                expected_total_minor=form.cleaned_data["shown_total_minor"],
                actor=portal_actor(debtor),
            )
        except DomainError as error:
            add_domain_error(form, error, aliases={"down_payment_minor": "down_payment"})
        else:
            return _agreed(debt, arrangement)
    preview = _plan_preview(form, view) if not form.errors else PlanPreview(form, None, [])
    return _render(request, debtor, view, plan=preview, status=UNPROCESSABLE)


@require_POST
@debtor_view(signed_out="404")
def promise_agree(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    view = selectors.debt_options(debt)
    form = _promise_form(request.POST, view)
    if form.is_valid():
        try:
            arrangement = services.arrangement_request(
                debt=debt,
                kind=ArrangementKind.PROMISE,
                pay_by=form.cleaned_data["pay_by"],
                note=form.cleaned_data["note"],
                expected_total_minor=form.cleaned_data["shown_total_minor"],
                actor=portal_actor(debtor),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _agreed(debt, arrangement)
    return _render(request, debtor, view, promise=form, status=UNPROCESSABLE)


@require_POST
@debtor_view(signed_out="404")
def none_fit(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    form = NoneFitForm(request.POST)
    if form.is_valid():
        try:
            case = services.none_fit_request(
                debt=debt, details=form.cleaned_data["details"], actor=portal_actor(debtor)
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("portal:options_request_sent", debt_id=debt.pk, case_id=case.pk)
    return _render(request, debtor, selectors.debt_options(debt), none_fit=form, status=UNPROCESSABLE)


@require_GET
@debtor_view(signed_out="redirect")
def arrangement_page(
    request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID, arrangement_id: uuid.UUID
) -> HttpResponse:
    """The result of a choice: agreed (with the schedule and the next thing to pay), waiting for a person (with the
    date they answer by), or what became of it later."""
    arrangement = selectors.portal_arrangement(debtor, debt_id, arrangement_id)
    if arrangement is None:
        raise Http404
    context = {
        "debtor": debtor,
        "debt": arrangement.debt,
        "arrangement": arrangement,
        "instalments": list(arrangement.instalments.all()),
        "next": selectors.next_instalment(arrangement),
        "single_payment": arrangement.kind != ArrangementKind.PLAN,
        "tz": debtor_timezone(debtor).key,
    }
    return render(request, "arrangements/portal/arrangement.html", context)


@require_GET
@debtor_view(signed_out="redirect")
def request_sent(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID, case_id: uuid.UUID) -> HttpResponse:
    """After "none of these fit": the request is with a person, who answers by the date shown."""
    case = (
        Case.objects.filter(pk=case_id, debt_id=debt_id, debtor=debtor, kind=CaseKind.NONE_FIT)
        .select_related("debt")
        .first()
    )
    if case is None:
        raise Http404
    context = {"debtor": debtor, "debt": case.debt, "case": case, "tz": debtor_timezone(debtor).key}
    return render(request, "arrangements/portal/request_sent.html", context)
