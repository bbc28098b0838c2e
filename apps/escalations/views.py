"""Staff actions escalating a debt (managers and owners): attorney letter, hand-off to an agency (and taking it
back), write-off. A done action returns to the page it came from; a refused one shows the panel again with why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import Perm, require_perm, user_has_perm
from apps.audit.services import Actor
from apps.contact.models import GateOutcome
from apps.core.errors import DomainError
from apps.debtors.forms import add_domain_error
from apps.debts.models import Debt
from apps.escalations import services
from apps.escalations.forms import AttorneyLetterForm, HandoffForm, RecallForm, WriteOffForm
from apps.escalations.models import AgencyHandoff
from apps.escalations.panel import panel_context
from apps.escalations.selectors import handoffs_list

UNPROCESSABLE = 422


def _next_url(request: HttpRequest, debt: Debt) -> str:
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("debts:detail", kwargs={"debt_id": debt.pk})


def _can(request: HttpRequest) -> dict[str, bool]:
    return {p.value: user_has_perm(request.user, p) for p in Perm}


def _page(request: HttpRequest, debt: Debt, *, bound: forms.Form | None = None, error: str = "") -> HttpResponse:
    context = panel_context(
        debt=debt,
        can=_can(request),
        csrf_token=get_token(request),
        next_url=_next_url(request, debt),
        bound=bound,
        error=error,
    )
    status = UNPROCESSABLE if bound is not None and (bound.errors or error) else 200
    return render(request, "escalations/page.html", context, status=status)


def _debt(debt_id: UUID) -> Debt:
    return get_object_or_404(Debt.objects.select_related("debtor"), pk=debt_id)


@require_GET
@require_perm(Perm.VIEW)
def debt_panel(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    return _page(request, _debt(debt_id))


def _act(
    request: HttpRequest,
    debt: Debt,
    form: forms.Form,
    action: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    if not form.is_valid():
        return _page(request, debt, bound=form)
    try:
        done = action(form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _page(request, debt, bound=form)
    messages.success(request, done)
    return redirect(_next_url(request, debt))


@require_POST
@require_perm(Perm.ESCALATE)
def attorney_letter(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = _debt(debt_id)

    def send(data: dict[str, Any]) -> str:
        _letter, verdict = services.attorney_letter_send(
            debt=debt, reason=data["reason"], actor=Actor.for_user(request.user)
        )
        if verdict.outcome == GateOutcome.DEFER and verdict.defer_until is not None:
            return _("The attorney letter is written and will go on %(day)s (%(why)s).") % {
                "day": verdict.defer_until.date().isoformat(),
                "why": verdict.detail,
            }
        return _("The attorney letter for %(ref)s is on its way.") % {"ref": debt.external_ref}

    return _act(request, debt, AttorneyLetterForm(request.POST, prefix="letter"), send)


@require_POST
@require_perm(Perm.ESCALATE)
def handoff(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = _debt(debt_id)

    def hand_off(data: dict[str, Any]) -> str:
        done = services.agency_handoff(
            debt=debt,
            agency_name=data["agency_name"],
            commission_pct=data["commission_pct"],
            reason=data["reason"],
            actor=Actor.for_user(request.user),
        )
        return _("%(ref)s is handed to %(agency)s; the collection policy no longer contacts the debtor about it.") % {
            "ref": debt.external_ref,
            "agency": done.agency_name,
        }

    return _act(request, debt, HandoffForm(request.POST, prefix="handoff"), hand_off)


@require_POST
@require_perm(Perm.ESCALATE)
def write_off(request: HttpRequest, debt_id: UUID) -> HttpResponse:
    debt = _debt(debt_id)

    def write(data: dict[str, Any]) -> str:
        services.escalation_write_off(debt=debt, reason=data["reason"], actor=Actor.for_user(request.user))
        return _("%(ref)s is written off.") % {"ref": debt.external_ref}

    return _act(request, debt, WriteOffForm(request.POST, prefix="writeoff"), write)


@require_POST
@require_perm(Perm.ESCALATE)
def recall(request: HttpRequest, handoff_id: UUID) -> HttpResponse:
    found = get_object_or_404(AgencyHandoff.objects.select_related("debt__debtor"), pk=handoff_id)

    def take_back(data: dict[str, Any]) -> str:
        services.agency_handoff_recall(handoff=found, reason=data["reason"], actor=Actor.for_user(request.user))
        return _("%(ref)s is back from %(agency)s.") % {"ref": found.debt.external_ref, "agency": found.agency_name}

    return _act(request, found.debt, RecallForm(request.POST, prefix="recall"), take_back)


@require_GET
@require_perm(Perm.VIEW)
def handoff_list(request: HttpRequest) -> HttpResponse:
    return render(request, "escalations/list.html", {"handoffs": handoffs_list()})
