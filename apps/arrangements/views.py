"""Staff actions on arrangements: approve or decline a request outside the margins (managers and owners), and
record an offline payment of one instalment. Each answers with a redirect back to the page it was sent from."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import Perm, require_perm
from apps.arrangements import services
from apps.arrangements.forms import ApproveForm, DeclineForm, InstalmentPaymentForm
from apps.arrangements.models import Arrangement, Instalment
from apps.audit.services import Actor
from apps.core.errors import DomainError


def _back(request: HttpRequest, arrangement: Arrangement) -> HttpResponse:
    """To the page the form was on (the debt page or the case page), else to the debt page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("debts:detail", debt_id=arrangement.debt_id)


def _form_errors(form: ApproveForm | DeclineForm | InstalmentPaymentForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@require_perm(Perm.APPROVE_ARRANGEMENTS)
def approve(request: HttpRequest, arrangement_id: UUID) -> HttpResponse:
    arrangement = get_object_or_404(Arrangement, pk=arrangement_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, arrangement)
    try:
        services.arrangement_approve(
            arrangement=arrangement, note=form.cleaned_data["note"], actor=Actor.for_user(request.user)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Approved: the %(kind)s is active.") % {"kind": arrangement.get_kind_display().lower()}
        )
    return _back(request, arrangement)


@require_POST
@require_perm(Perm.APPROVE_ARRANGEMENTS)
def decline(request: HttpRequest, arrangement_id: UUID) -> HttpResponse:
    arrangement = get_object_or_404(Arrangement, pk=arrangement_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is declined."))
        return _back(request, arrangement)
    try:
        services.arrangement_decline(
            arrangement=arrangement, reason=form.cleaned_data["reason"], actor=Actor.for_user(request.user)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Declined. Nothing changed for the debt; its reminders resume if they paused."))
    return _back(request, arrangement)


@require_POST
@require_perm(Perm.EDIT_DEBTS)
def instalment_payment(request: HttpRequest, instalment_id: int) -> HttpResponse:
    instalment = get_object_or_404(Instalment.objects.select_related("arrangement"), pk=instalment_id)
    form = InstalmentPaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(request, instalment.arrangement)
    try:
        services.instalment_record_payment(
            instalment=instalment,
            method=form.cleaned_data["method"],
            received_on=form.cleaned_data["received_on"],
            actor=Actor.for_user(request.user),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Payment of instalment %(n)s recorded.") % {"n": instalment.number})
    return _back(request, instalment.arrangement)
