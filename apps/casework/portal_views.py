"""The portal's help pages (Q5): dispute, financial difficulty, "not me", "already paid", a callback at a chosen time,
and contact preferences. Plain forms that work without JavaScript; everything is scoped to the signed-in debtor."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.casework import help as requests
from apps.casework import selectors
from apps.casework.forms import (
    AlreadyPaidForm,
    CallbackForm,
    DisputeForm,
    HardshipForm,
    NotMeForm,
    PreferencesForm,
)
from apps.casework.models import CaseKind
from apps.casework.services import case_reply_by
from apps.contact.gate import contact_hours
from apps.contact.timezones import debtor_timezone
from apps.core.errors import DomainError
from apps.debtors.forms import add_domain_error
from apps.debtors.models import Debtor
from apps.debts.models import Debt
from apps.portal.access import portal_actor
from apps.portal.views import debtor_view

UNPROCESSABLE = 422
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def _posted(request: HttpRequest) -> tuple[Any, Any]:
    """What a form is bound to: the posted data and files (an empty post is bound too, and fails), or nothing."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _debt(debtor: Debtor, debt_id: uuid.UUID) -> Debt:
    debt = selectors.portal_debt(debtor, debt_id)
    if debt is None:
        raise Http404
    return debt


def _render(
    request: HttpRequest, template: str, form: forms.Form, debtor: Debtor, kind: str | None = None, **context: Any
) -> HttpResponse:
    """A help page; `kind` shows the debtor by when a person answers that kind of request."""
    status = UNPROCESSABLE if form.is_bound and form.errors else 200
    context.update(form=form, debtor=debtor, tz=debtor_timezone(debtor).key)
    if kind is not None:
        context["reply_by"] = case_reply_by(kind)
    return render(request, template, context, status=status)


def _done(request: HttpRequest, result: requests.HelpRequest) -> HttpResponse:
    if result.created:
        messages.success(request, _("Thank you. We have received your request."))
    else:
        messages.info(
            request,
            _(
                "You had already sent us this request and we are working on it. Anything new you sent has been "
                "added to it."
            ),
        )
    return redirect("portal:help_request", case_id=result.case.pk)


@require_GET
@debtor_view(signed_out="redirect")
def help_index(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    context = {
        "debtor": debtor,
        "debts": list(Debt.objects.active().filter(debtor=debtor).order_by("due_date", "external_ref")),
        "requests": selectors.portal_requests(debtor),
        "tz": debtor_timezone(debtor).key,
    }
    return render(request, "casework/portal/help.html", context)


@require_GET
@debtor_view(signed_out="redirect")
def help_request(request: HttpRequest, debtor: Debtor, case_id: uuid.UUID) -> HttpResponse:
    case = selectors.portal_case(debtor, case_id)
    if case is None:
        raise Http404
    paused = list(Debt.objects.filter(pk__in=case.paused_debt_ids).order_by("external_ref"))
    context = {"debtor": debtor, "case": case, "paused": paused, "tz": debtor_timezone(debtor).key}
    return render(request, "casework/portal/request.html", context)


@require_http_methods(["GET", "POST"])
@debtor_view(signed_out="redirect")
def dispute(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    form = DisputeForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = requests.dispute_request(
                debtor=debtor,
                debt=debt,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                uploads=form.cleaned_data["documents"],
                actor=portal_actor(debtor),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _done(request, result)
    return _render(request, "casework/portal/dispute.html", form, debtor, CaseKind.DISPUTE, debt=debt)


@require_http_methods(["GET", "POST"])
@debtor_view(signed_out="redirect")
def not_me(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    form = NotMeForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = requests.not_me_request(
                debtor=debtor,
                debt=debt,
                details=form.cleaned_data["details"],
                uploads=form.cleaned_data["documents"],
                actor=portal_actor(debtor),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _done(request, result)
    return _render(request, "casework/portal/not_me.html", form, debtor, CaseKind.NOT_ME, debt=debt)


@require_http_methods(["GET", "POST"])
@debtor_view(signed_out="redirect")
def already_paid(request: HttpRequest, debtor: Debtor, debt_id: uuid.UUID) -> HttpResponse:
    debt = _debt(debtor, debt_id)
    form = AlreadyPaidForm(*_posted(request), currency=debt.currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = requests.already_paid_request(
                debtor=debtor,
                debt=debt,
                paid_on=data["paid_on"],
                amount_minor=data["amount"],
                method=data["method"],
                reference=data["reference"],
                details=data["details"],
                uploads=data["documents"],
                actor=portal_actor(debtor),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _done(request, result)
    return _render(request, "casework/portal/already_paid.html", form, debtor, CaseKind.ALREADY_PAID, debt=debt)


@require_http_methods(["GET", "POST"])
@debtor_view(signed_out="redirect")
def hardship(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    form = HardshipForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = requests.hardship_request(
                debtor=debtor,
                details=form.cleaned_data["details"],
                uploads=form.cleaned_data["documents"],
                actor=portal_actor(debtor),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _done(request, result)
    return _render(request, "casework/portal/hardship.html", form, debtor, CaseKind.HARDSHIP)


@require_http_methods(["GET", "POST"])
@debtor_view(signed_out="redirect")
def callback(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    numbers = selectors.debtor_phone_numbers(debtor)
    form = CallbackForm(_posted(request)[0], initial={"phone": numbers[0] if numbers else ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = requests.callback_request(
                debtor=debtor,
                day=data["day"],
                time=data["time"],
                phone=data["phone"],
                topic=data["topic"],
                actor=portal_actor(debtor),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _done(request, result)
    hours = contact_hours(debtor)
    # The date picker offers the days a call can be booked on (the server checks again).
    today = timezone.now().astimezone(hours.tz).date()
    form.fields["day"].widget.attrs.update(
        {"min": today.isoformat(), "max": (today + requests.CALLBACK_LATEST).isoformat()}
    )
    context: dict[str, Any] = {
        "numbers": numbers,
        "hours": selectors.contact_hours_summary(hours),
        "calls_stopped": "phone" in selectors.opted_out_channels(debtor),
    }
    return _render(request, "casework/portal/callback.html", form, debtor, **context)


@require_http_methods(["GET", "POST"])
@debtor_view(signed_out="redirect")
def preferences(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    stopped = selectors.opted_out_channels(debtor)
    initial: dict[str, Any] = {name: channel not in stopped for channel, name in PreferencesForm.CHANNEL_FIELDS.items()}
    initial["language"] = debtor.preferred_language or request.LANGUAGE_CODE  # type: ignore[attr-defined]
    form = PreferencesForm(_posted(request)[0], initial=initial)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            requests.contact_preferences_save(
                debtor=debtor, allowed=form.allowed(), language=language, actor=portal_actor(debtor)
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            with translation.override(language):
                messages.success(request, _("Your contact preferences are saved."))
            response = redirect("portal:preferences")
            # The pages follow the language chosen here from now on, like the language switcher.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            return response
    return _render(request, "casework/portal/preferences.html", form, debtor, stopped=stopped)
