"""Staff pages for debtors: the list, a debtor's page, and the managers' forms for debtors and contact points."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from apps.accounts.permissions import Perm, require_perm
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.debtors import services
from apps.debtors.filters import DebtorFilter
from apps.debtors.forms import ContactPointForm, DebtorForm, add_domain_error
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.selectors import debtor_contact_timeline, debtor_list_queryset, debtor_page, debtor_rows

PAGE_SIZE = 50
UNPROCESSABLE = 422


def is_fragment_request(request: HttpRequest, target: str) -> bool:
    """An htmx request that swaps only `target` (a history restore needs the whole page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    if not htmx:
        return False
    return htmx.target == target and not htmx.history_restore_request


@require_GET
@require_perm(Perm.VIEW)
def debtor_list(request: HttpRequest) -> HttpResponse:
    region = request.tenant.jurisdiction  # type: ignore[attr-defined]
    filterset = DebtorFilter(request.GET, queryset=debtor_list_queryset(), region=region)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "rows": debtor_rows(list(page.object_list))}
    template = "debtors/list.html#results" if is_fragment_request(request, "results") else "debtors/list.html"
    return render(request, template, context)


@require_GET
@require_perm(Perm.VIEW)
def debtor_detail(request: HttpRequest, debtor_id: UUID) -> HttpResponse:
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    context = {"view": debtor_page(debtor), "debtor": debtor, "contact": debtor_contact_timeline(debtor)}
    return render(request, "debtors/detail.html", context)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def debtor_create(request: HttpRequest) -> HttpResponse:
    currency = request.tenant.currency  # type: ignore[attr-defined]
    form = DebtorForm(request.POST or None, currency=currency)
    if request.method == "POST" and form.is_valid():
        try:
            debtor = services.debtor_create(actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc, form.ALIASES)
        else:
            messages.success(request, _("Debtor %(name)s added.") % {"name": debtor.name})
            return redirect("debtors:detail", debtor_id=debtor.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "debtors/form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def debtor_edit(request: HttpRequest, debtor_id: UUID) -> HttpResponse:
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    currency = request.tenant.currency  # type: ignore[attr-defined]
    form = DebtorForm(request.POST or None, debtor=debtor, currency=currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.debtor_update(debtor=debtor, actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc, form.ALIASES)
        else:
            messages.success(request, _("Debtor %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("debtors:detail", debtor_id=debtor.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "debtors/form.html", {"form": form, "debtor": debtor}, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def contact_point_add(request: HttpRequest, debtor_id: UUID) -> HttpResponse:
    debtor = get_object_or_404(Debtor, pk=debtor_id)
    form = ContactPointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if form.cleaned_data["opted_out"]:
            fields["opted_out_at"] = timezone.now()
        try:
            contact = services.contact_point_add(
                debtor=debtor, kind=form.cleaned_data["kind"], actor=Actor.for_user(request.user), **fields
            )
        except DomainError as exc:
            add_domain_error(form, exc, form.ALIASES)
        else:
            messages.success(request, _("Contact point %(value)s added.") % {"value": contact.value})
            return redirect("debtors:detail", debtor_id=debtor.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "debtors/contact_form.html", {"form": form, "debtor": debtor}, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.EDIT_DEBTS)
def contact_point_edit(request: HttpRequest, debtor_id: UUID, contact_id: UUID) -> HttpResponse:
    contact = get_object_or_404(ContactPoint.objects.select_related("debtor"), pk=contact_id, debtor_id=debtor_id)
    form = ContactPointForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_point_update(
                contact=contact,
                actor=Actor.for_user(request.user),
                opted_out=form.cleaned_data["opted_out"],
                **form.service_fields(),
            )
        except DomainError as exc:
            add_domain_error(form, exc, form.ALIASES)
        else:
            messages.success(request, _("Contact point saved."))
            return redirect("debtors:detail", debtor_id=contact.debtor_id)
    status = UNPROCESSABLE if form.errors else 200
    return render(
        request,
        "debtors/contact_form.html",
        {"form": form, "debtor": contact.debtor, "contact": contact},
        status=status,
    )
