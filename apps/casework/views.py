"""Staff pages for cases (C1, C2, C4): the worklist, a case's page (the debtor's profile, debts and timeline),
taking and handing over a case, notes, logging a call, resolving (and resuming the collection the case paused), the
approval queue of agreements beyond the margins, and the debtor's documents, which only people who work cases open."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm, user_has_perm
from apps.arrangements.models import ArrangementStatus
from apps.audit.services import Actor, audit_record
from apps.casework import calls, selectors, services
from apps.casework.approvals import approval_queue
from apps.casework.filters import CaseFilter
from apps.casework.forms import AssignForm, CallForm, NoteForm, ResolveForm
from apps.casework.models import Case, CaseStatus
from apps.contact.timezones import debtor_timezone
from apps.core.errors import DomainError
from apps.debtors.views import is_fragment_request
from apps.experiments.selectors import margins_for
from apps.outbox.models import Message, MessageStatus
from apps.policies.models import Channel

PAGE_SIZE = 50
UNPROCESSABLE = 422


def _case(case_id: UUID) -> Case:
    case = selectors.case_get(case_id)
    if case is None:
        raise Http404
    return case


@require_GET
@require_perm(Perm.VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    workers = selectors.case_workers()
    filterset = CaseFilter.with_defaults(
        request.GET, queryset=selectors.case_list_queryset(), request=request, workers=workers
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "casework/list.html#results" if is_fragment_request(request, "results") else "casework/list.html"
    context = {"filter": filterset, "page": page, "summary": selectors.worklist_summary(request.user)}
    return render(request, template, context)


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    resolve_form: ResolveForm | None = None,
    note_form: NoteForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"case": case, "page": selectors.case_page(case)}
    if user_has_perm(request.user, Perm.WORK_CASES):
        context["note_form"] = note_form or NoteForm()
        if case.status == CaseStatus.OPEN:
            context["resolve_form"] = resolve_form or ResolveForm()
            # One's own case or an unassigned one may be handed over by anyone who works cases; a colleague's by
            # someone who manages staff.
            if case.assigned_to_id in (None, request.user.pk) or user_has_perm(request.user, Perm.MANAGE_STAFF):
                context["workers"] = selectors.case_workers()
    return render(request, "casework/detail.html", context, status=status)


@require_GET
@require_perm(Perm.VIEW)
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_case(request, _case(case_id))


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """To the worklist when the form was sent from it, else to the case."""
    if request.POST.get("from") == "list":
        query = QueryDict(request.POST.get("query", "")).urlencode()
        return redirect(reverse("casework:list") + (f"?{query}" if query else ""))
    return redirect("casework:detail", case_id=case.pk)


@require_POST
@require_perm(Perm.WORK_CASES)
def case_claim(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _case(case_id)
    try:
        services.case_claim(case=case, user=request.user, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The case is yours: %(subject)s.") % {"subject": case.subject})
    return _back(request, case)


@require_POST
@require_perm(Perm.WORK_CASES)
def case_assign(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Hand a case over to a colleague, or to nobody. One's own case or an unassigned one: anyone who works cases;
    a colleague's case: only someone who manages staff."""
    case = _case(case_id)
    workers = selectors.case_workers()
    form = AssignForm(request.POST, workers=workers)
    if not form.is_valid():
        messages.error(request, _("Choose someone who works cases."))
        return _back(request, case)
    expected = next((u for u in workers if str(u.public_id) == form.cleaned_data["expected"]), None)
    holder_is_colleague = expected is not None and expected.pk != request.user.pk
    if holder_is_colleague and not user_has_perm(request.user, Perm.MANAGE_STAFF):
        messages.error(
            request, _("%(name)s has this case: only a manager can hand it to someone else.") % {"name": expected}
        )
        return _back(request, case)
    target = form.assignee()
    try:
        services.case_assign(case=case, user=target, actor=Actor.for_user(request.user), expected=expected)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if target is None:
            messages.success(request, _("Nobody holds the case now."))
        else:
            messages.success(request, _("%(name)s holds the case now.") % {"name": target.display_name})
    return _back(request, case)


@require_POST
@require_perm(Perm.WORK_CASES)
def case_note(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _case(case_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.case_note_add(
                case=case, author=request.user, body=form.cleaned_data["body"], actor=Actor.for_user(request.user)
            )
        except DomainError as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, _("Note added."))
            return redirect(reverse("casework:detail", kwargs={"case_id": case.pk}) + "#timeline-title")
    return _render_case(request, case, status=UNPROCESSABLE, note_form=form)


@require_POST
@require_perm(Perm.WORK_CASES)
def case_resolve(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _case(case_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            done = services.case_resolve_and_resume(
                case=case,
                resolution=form.cleaned_data["resolution"],
                resume=form.cleaned_data["resume"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            form.add_error("resolution" if exc.field == "resolution" else None, exc.message)
        else:
            messages.success(request, _("Case resolved."))
            for debt in done.resumed:
                messages.success(
                    request,
                    _("Collection of %(ref)s resumed: it is %(status)s.")
                    % {"ref": debt.external_ref, "status": debt.get_status_display()},
                )
            for debt, other in done.held_elsewhere:
                messages.warning(
                    request,
                    _("%(ref)s stays paused: another open case holds it (%(case)s).")
                    % {"ref": debt.external_ref, "case": other.subject},
                )
            return redirect("casework:detail", case_id=case.pk)
    return _render_case(request, case, status=UNPROCESSABLE, resolve_form=form)


# Calls (C4) ---------------------------------------------------------------------------------------------------------

CALL_FIELDS = frozenset(CallForm.base_fields) | {"follow_up"}


def _call_form(request: HttpRequest, case: Case, data: Any = None) -> CallForm:
    points = calls.phone_points(case)
    initial: dict[str, Any] = {}
    usable = [p for p in points if p.is_usable]
    if usable:
        initial["contact_point"] = str(usable[0].pk)
    if case.debt_id is not None:
        initial["agreement_debt"] = str(case.debt_id)
    tenant = getattr(request, "tenant", None)
    return CallForm(
        data,
        initial=initial,
        points=points,
        debts=calls.arrangeable_debts(case),
        tz=str(getattr(tenant, "timezone", "") or "UTC"),
    )


def _render_call(request: HttpRequest, case: Case, form: CallForm, *, status: int = 200) -> HttpResponse:
    points = list(form.points.values())
    verdicts = calls.call_gate_preview(case, points)
    debtor_zone = debtor_timezone(case.debtor)
    context = {
        "case": case,
        "form": form,
        "debtor_now": timezone.now().astimezone(debtor_zone),
        "debtor_zone": debtor_zone.key,
        "numbers": [(form["contact_point"][i], p, verdicts[p.pk]) for i, p in enumerate(points)],
        "task": calls.open_phone_task(case),
        # The margins this debtor's offers are built from (an experiment arm may change the settlement offer).
        "margins": margins_for(case.debtor),
    }
    return render(request, "casework/call.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.WORK_CASES)
def case_call(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Log a call from a case: the contact gate first (a refusal says why and until when, and records nothing
    else), then the outcome, note, reason, agreement and follow-up."""
    case = _case(case_id)
    if request.method == "GET":
        return _render_call(request, case, _call_form(request, case))
    form = _call_form(request, case, request.POST)
    if not form.is_valid():
        return _render_call(request, case, form, status=UNPROCESSABLE)
    data = form.cleaned_data
    try:
        done = calls.call_log(
            case=case,
            agent=request.user,
            contact_point=form.contact(),
            outcome=data["outcome"],
            note=data["note"],
            reason=data["reason"],
            follow_up_at=data["follow_up_at"],
            agreement=form.agreement_made(),
            actor=Actor.for_user(request.user),
        )
    except calls.CallRefused as exc:
        form.add_error(None, exc.message)
        return _render_call(request, case, form, status=UNPROCESSABLE)
    except DomainError as exc:
        field = exc.field if exc.field in CALL_FIELDS else None
        if field == "follow_up":
            field = "follow_up_date"
        elif field not in form.fields and exc.field is not None:
            field = "agreement"
        form.add_error(field, exc.message)
        return _render_call(request, case, form, status=UNPROCESSABLE)
    messages.success(request, _("Call logged: %(outcome)s.") % {"outcome": done.call.get_outcome_display()})
    arrangement = done.arrangement
    if arrangement is not None and arrangement.status == ArrangementStatus.ACTIVE:
        messages.success(
            request,
            _("%(kind)s agreed within the margins: it is active.") % {"kind": arrangement.get_kind_display()},
        )
    elif arrangement is not None:
        messages.warning(
            request,
            _("%(kind)s is beyond the margins: it waits for a manager's approval, and the debt is on hold meanwhile.")
            % {"kind": arrangement.get_kind_display()},
        )
    if done.follow_up_case is not None and done.call.follow_up_at is not None:
        messages.success(
            request,
            _("Follow-up scheduled for %(when)s: %(case)s.")
            % {"when": selectors.tenant_local(done.call.follow_up_at), "case": done.follow_up_case.subject},
        )
    if done.case_closed:
        messages.success(request, _("The phone task is done; its case is resolved."))
    return redirect("casework:detail", case_id=case.pk)


@require_POST
@require_perm(Perm.WORK_CASES)
def phone_task_call(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """From the phone-task list: the task's case (opened now if the task predates cases), taken by the agent, and
    its call form."""
    message = get_object_or_404(Message, pk=message_id, channel=Channel.PHONE, status=MessageStatus.SENT)
    actor = Actor.for_user(request.user)
    case = services.phone_step_case_open(message=message, actor=actor)
    if case.status != CaseStatus.OPEN:
        messages.error(request, _("This phone task's case is resolved already."))
        return redirect("casework:detail", case_id=case.pk)
    try:
        services.case_claim(case=case, user=request.user, actor=actor)
    except DomainError as exc:
        messages.warning(request, exc.message)
    return redirect("casework:call", case_id=case.pk)


# Approvals (C4: agreements beyond the margins) ------------------------------------------------------------------


@require_GET
@require_perm(Perm.APPROVE_ARRANGEMENTS)
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/approvals.html", {"rows": approval_queue()})


@require_GET
@require_perm(Perm.WORK_CASES)  # type: ignore[arg-type]  # typed for HttpResponse; a file response is as good
def attachment_download(request: HttpRequest, case_id: UUID, attachment_id: int) -> FileResponse:
    attachment = selectors.case_attachment_get(case_id, attachment_id)
    if attachment is None:
        raise Http404
    # Who opened a debtor's document is worth knowing later (proofs of identity, of income, of payment).
    audit_record(
        actor=Actor.for_user(request.user),
        action="case.attachment_opened",
        obj=attachment.case,
        after={"attachment": attachment.pk, "name": attachment.original_name},
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
