"""Staff pages for cases (C1, C2): the worklist, a case's page, taking a case, resolving it (and resuming the
collection it paused), and the debtor's documents, which only people who work cases may open."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import Perm, require_perm, user_has_perm
from apps.audit.services import Actor, audit_record
from apps.casework import selectors, services
from apps.casework.filters import CaseFilter
from apps.casework.forms import ResolveForm
from apps.casework.models import Case, CaseStatus
from apps.core.errors import DomainError
from apps.debtors.views import is_fragment_request

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
    filterset = CaseFilter.with_defaults(request.GET, queryset=selectors.case_list_queryset(), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "casework/list.html#results" if is_fragment_request(request, "results") else "casework/list.html"
    return render(request, template, {"filter": filterset, "page": page})


def _render_case(request: HttpRequest, case: Case, *, status: int = 200, form: ResolveForm | None = None) -> Any:
    context: dict[str, Any] = {"case": case, "page": selectors.case_page(case)}
    if case.status == CaseStatus.OPEN and user_has_perm(request.user, Perm.WORK_CASES):
        context["resolve_form"] = form or ResolveForm()
    return render(request, "casework/detail.html", context, status=status)


@require_GET
@require_perm(Perm.VIEW)
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_case(request, _case(case_id))


@require_POST
@require_perm(Perm.WORK_CASES)
def case_assign(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _case(case_id)
    try:
        services.case_assign(case=case, user=request.user, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The case is yours."))
    return redirect("casework:detail", case_id=case.pk)


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
    return _render_case(request, case, status=UNPROCESSABLE, form=form)


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
