"""The debtor portal: opened by the personal link in every message, or by the fallback sign-in. No staff login."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.debtors.models import Debtor
from apps.portal import access, selectors
from apps.portal.forms import SignInForm
from apps.portal.links import TokenProblem, portal_token_read

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def _speak_debtors_language(request: HttpRequest, debtor: Debtor) -> None:
    # A language the debtor chose on the page (the language cookie) wins over the one on file.
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in SUPPORTED:
        return
    if debtor.preferred_language in SUPPORTED:
        translation.activate(debtor.preferred_language)
        request.LANGUAGE_CODE = debtor.preferred_language  # type: ignore[attr-defined]


View = Callable[..., HttpResponseBase]


def debtor_view(*, signed_out: str) -> Callable[[View], View]:
    """Passes the portal's debtor to the view; without one: "redirect" to the sign-in, or "404"."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            debtor = access.portal_debtor(request)
            if debtor is None:
                if signed_out == "404":
                    raise Http404
                return redirect("portal:sign_in")
            _speak_debtors_language(request, debtor)
            response = view(request, debtor, *args, **kwargs)
            response.headers.setdefault("Cache-Control", "private, no-store")
            return response

        return wrapper

    return decorate


@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    read = portal_token_read(token)
    if read is TokenProblem.EXPIRED:
        return render(request, "portal/link_expired.html", status=410)
    debtor = Debtor.objects.filter(pk=read).first() if isinstance(read, str) else None
    if debtor is None:
        return render(request, "portal/link_invalid.html", status=404)
    access.portal_enter(request, debtor, how="link")
    return redirect("portal:overview")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    locked = False
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        ip = access.client_ip(request)
        locked = access.signin_locked(reference=reference, ip=ip)
        debtor = None
        if not locked:
            debtor = access.debtor_verify(
                reference=reference,
                postal_code=form.cleaned_data["postal_code"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
        if debtor is not None:
            access.signin_failures_clear(reference=reference, ip=ip)
            access.portal_enter(request, debtor, how="sign-in")
            return redirect("portal:overview")
        if not locked:
            access.signin_failure_record(reference=reference, ip=ip)
        # One answer for an unknown reference, a wrong detail and a lockout: the page never says which it was.
        form.add_error(
            None,
            _(
                "We could not find your account with these details. Check them and try again; after several "
                "attempts, please wait 15 minutes."
            ),
        )
    return render(request, "portal/sign_in.html", {"form": form}, status=200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    access.portal_leave(request)
    messages.success(request, _("You have signed out."))
    return redirect("portal:sign_in")


@require_GET
@debtor_view(signed_out="redirect")
def overview(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    return render(request, "portal/overview.html", {"debtor": debtor, "o": selectors.portal_overview(debtor)})


@require_GET
@debtor_view(signed_out="404")
def letter_pdf(request: HttpRequest, debtor: Debtor, message_id: uuid.UUID) -> HttpResponseBase:
    message = selectors.portal_letter(debtor, message_id)
    if message is None:
        raise Http404
    return FileResponse(message.pdf.open("rb"), content_type="application/pdf", filename=f"letter-{message.pk}.pdf")
