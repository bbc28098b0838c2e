"""Outbox pages: the debtor's unsubscribe page (no login), provider webhooks, and the agents' phone tasks."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm
from apps.audit.services import Actor
from apps.contact.models import CallOutcome
from apps.core.errors import DomainError
from apps.debtors.models import Debtor
from apps.outbox import selectors, services
from apps.outbox.models import Message, MessageStatus
from apps.outbox.sms import sms_backend
from apps.outbox.sms.base import SmsBackend
from apps.outbox.unsubscribe import unsubscribe_token_read
from apps.policies.models import Channel


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no CSRF token; the signed token in
# the URL is what authorises the request.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    read = unsubscribe_token_read(token)
    debtor = Debtor.objects.filter(pk=read[0]).first() if read else None
    if read is None or debtor is None or read[1] not in Channel.values:
        return render(request, "outbox/unsubscribe_invalid.html", status=404)
    channel = Channel(read[1])
    if request.method == "POST":
        services.unsubscribe_record(debtor=debtor, channel=channel, actor=Actor.system("unsubscribe link"))
        return render(request, "outbox/unsubscribe_done.html", {"channel": channel})
    return render(request, "outbox/unsubscribe.html", {"channel": channel, "token": token})


def _backend_or_404(provider: str) -> SmsBackend:
    try:
        return sms_backend(provider)
    except LookupError:
        raise Http404(provider) from None


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, provider: str) -> HttpResponse:
    backend = _backend_or_404(provider)
    if not backend.verify(request):
        return HttpResponseForbidden("bad signature")
    sms = backend.parse_inbound(request.POST)
    services.sms_inbound_record(
        provider=backend.name,
        provider_message_id=sms.provider_message_id,
        from_number=sms.from_number,
        to_number=sms.to_number,
        body=sms.body,
        actor=Actor.system(f"SMS reply via {backend.name}"),
    )
    # An empty TwiML answer: no automatic reply.
    return HttpResponse("<Response></Response>", content_type="text/xml")


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, provider: str) -> HttpResponse:
    backend = _backend_or_404(provider)
    if not backend.verify(request):
        return HttpResponseForbidden("bad signature")
    report = backend.parse_status(request.POST)
    message = Message.objects.filter(provider=backend.name, provider_message_id=report.provider_message_id).first()
    if message is not None and report.status:
        services.message_status_record(
            message=message,
            status=report.status,
            error=report.error,
            invalid_contact=report.invalid_number,
            actor=Actor.system(f"status report from {backend.name}"),
        )
    return HttpResponse(status=204)


@require_perm(Perm.VIEW)
def phone_tasks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "outbox/phone_tasks.html",
        {"tasks": selectors.phone_tasks_open(), "outcomes": CallOutcome.choices},
    )


@require_perm(Perm.VIEW)
@require_POST
def phone_task_done(request: HttpRequest, message_id: str) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id, channel=Channel.PHONE, status=MessageStatus.SENT)
    outcome = request.POST.get("outcome", "")
    if outcome not in CallOutcome.values:
        messages.error(request, _("Choose how the call went."))
        return redirect("outbox:phone_tasks")
    verdict = services.call_gate_decide(
        message=message, at=timezone.now(), actor_label=Actor.for_user(request.user).label
    )
    if not verdict.allowed:
        text = _("Call refused by the contact rules (%(rule)s). %(detail)s") % {
            "rule": verdict.rule,
            "detail": verdict.detail,
        }
        if verdict.defer_until is not None:
            text += " " + _("Allowed from %(when)s.") % {
                "when": timezone.localtime(verdict.defer_until).strftime("%Y-%m-%d %H:%M %Z")
            }
        messages.error(request, text)
        return redirect("outbox:phone_tasks")
    services.phone_task_done(message=message, outcome=outcome, actor=Actor.for_user(request.user))
    messages.success(request, _("Call recorded for %(name)s.") % {"name": message.debtor.name})
    return redirect("outbox:phone_tasks")


@require_POST
@require_perm(Perm.CONTACT_DEBTORS)
def manual_email(request: HttpRequest, debtor_id: str) -> HttpResponse:
    """Send an email template to a debtor by hand; the contact gate decides, and the page says what it decided."""
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    try:
        verdict, message = services.manual_email_send(
            debtor=debtor, template_key=request.POST.get("template_key", ""), actor=Actor.for_user(request.user)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if message is None:
            messages.error(
                request, _("Not sent: %(detail)s (rule: %(rule)s).") % {"detail": verdict.detail, "rule": verdict.rule}
            )
        elif verdict.defer_until is not None:
            messages.success(
                request,
                _("Queued. The contact rules allow it from %(when)s (%(detail)s).")
                % {
                    "when": timezone.localtime(verdict.defer_until).strftime("%Y-%m-%d %H:%M"),
                    "detail": verdict.detail,
                },
            )
        else:
            messages.success(request, _("Email queued for %(to)s.") % {"to": message.to_address})
    return redirect("debtors:detail", debtor_id=debtor.pk)
