"""Public site on the base domain: landing page, signup, and the platform operator console."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.tokens import handover_token_make
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.tenants.forms import OperatorLoginForm, ReactivateForm, SignupForm, SuspendForm
from apps.tenants.models import Tenant, TenantStatus
from apps.tenants.selectors import tenant_counts, tenants_for_operator
from apps.tenants.services import tenant_base_url, tenant_create, tenant_reactivate, tenant_suspend

SIGNUP_FIELDS = (
    "subdomain",
    "legal_name",
    "address_line1",
    "postal_code",
    "city",
    "country",
    "jurisdiction",
    "owner_email",
    "owner_password",
    "owner_name",
)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant, owner = tenant_create(
                **{name: data[name] for name in SIGNUP_FIELDS},
                address_line2=data["address_line2"],
                role=data["role"],
                default_locale=data["default_locale"],
                currency=data["currency"],
                timezone=data["timezone"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            token = handover_token_make(user=owner, schema_name=tenant.schema_name)
            path = reverse("accounts:handover", urlconf=settings.ROOT_URLCONF)
            return redirect(f"{tenant_base_url(tenant)}{path}?{urlencode({'token': token})}")
    return render(request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200)


# ---- operator console ----------------------------------------------------------------------------------------------


def operator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as a platform operator (a staff user of the public schema); others are sent to sign in or 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("tenants:operator_login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


operator_login = auth_views.LoginView.as_view(
    template_name="tenants/operator_login.html",
    authentication_form=OperatorLoginForm,
    redirect_authenticated_user=False,
    next_page="tenants:operator_tenants",
)
operator_logout = auth_views.LogoutView.as_view(next_page="tenants:operator_login")


@require_GET
@operator_required
def operator_tenants(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in TenantStatus.values:
        status = ""
    page = Paginator(tenants_for_operator(search=search, status=status), 50).get_page(request.GET.get("page"))
    tenants = list(page.object_list)
    counts = tenant_counts(tenants)
    rows = [(t, counts.get(t.pk)) for t in tenants]
    return render(
        request,
        "tenants/operator_tenants.html",
        {
            "page": page,
            "rows": rows,
            "search": search,
            "status": status,
            "statuses": TenantStatus.choices,
            "suspend_form": SuspendForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@operator_required
def operator_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant.objects.exclude(schema_name="public"), pk=pk)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant_suspend(tenant=tenant, actor=Actor.for_user(request.user), reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(name)s is suspended.") % {"name": tenant.legal_name})
            return redirect("tenants:operator_tenants")
    return render(
        request,
        "tenants/operator_suspend.html",
        {"target": tenant, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@operator_required
def operator_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(Tenant.objects.exclude(schema_name="public"), pk=pk)
    form = ReactivateForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        tenant_reactivate(tenant=tenant, actor=Actor.for_user(request.user), reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is active again.") % {"name": tenant.legal_name})
    return redirect("tenants:operator_tenants")
