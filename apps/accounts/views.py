"""Staff pages on a tenant's host: signup handover, staff and invitations, profile, tenant settings."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.forms import InvitationAcceptForm, InvitationForm, ProfileForm, RoleForm
from apps.accounts.models import Invitation, Role, User
from apps.accounts.permissions import Perm, require_perm, roles_user_may_invite
from apps.accounts.selectors import invitations_pending, staff_list
from apps.accounts.services import (
    handover_consume,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
    user_change_role,
    user_deactivate,
    user_profile_update,
    user_reactivate,
)
from apps.accounts.tokens import INVITATION_MAX_AGE, LinkError, LinkProblem
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.tenants.forms import TenantSettingsForm
from apps.tenants.models import Tenant
from apps.tenants.services import SETTINGS_FIELDS, tenant_update

ADDRESS_FIELDS = ("legal_name", "address_line1", "address_line2", "postal_code", "city", "country")


def _link_problem(request: HttpRequest, error: LinkError, *, kind: str) -> HttpResponse:
    status = 400 if error.problem == LinkProblem.TAMPERED else 410
    return render(request, "accounts/link_problem.html", {"error": error, "kind": kind}, status=status)


def _form_error(form: object, exc: DomainError) -> None:
    fields = getattr(form, "fields", {})
    form.add_error(exc.field if exc.field in fields else None, exc.message)  # type: ignore[attr-defined]


# ---- signup handover -----------------------------------------------------------------------------------------------


@require_GET
def handover(request: HttpRequest) -> HttpResponse:
    """The new owner arrives from the public signup with a short-lived, single-use token and is signed in."""
    try:
        user = handover_consume(token=request.GET.get("token", ""))
    except LinkError as exc:
        return _link_problem(request, exc, kind="handover")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Welcome to Amiable. Your account is ready."))
    return redirect("core:home")


# ---- staff and invitations -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_STAFF)
def staff(request: HttpRequest) -> HttpResponse:
    roles = roles_user_may_invite(request.user)
    form = InvitationForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,  # type: ignore[arg-type]
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works once, for %(days)s days.")
                % {"email": invitation.email, "days": INVITATION_MAX_AGE.days},
            )
            return redirect("accounts:staff")
    context = {
        "staff": staff_list(),
        "invitations": invitations_pending(),
        "form": form,
        "role_choices": Role.choices,
        "can_invite_roles": roles,
    }
    return render(request, "accounts/staff.html", context, status=400 if form.errors else 200)


@require_POST
@require_perm(Perm.MANAGE_STAFF)
def invitation_revoke_view(request: HttpRequest, public_id: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation, public_id=public_id)
    if invitation.role not in roles_user_may_invite(request.user):
        raise PermissionDenied
    try:
        invitation_revoke(invitation=invitation, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("accounts:staff")


@require_POST
@require_perm(Perm.MANAGE_STAFF_ANY_ROLE)
def user_role(request: HttpRequest, public_id: str) -> HttpResponse:
    member = get_object_or_404(User, public_id=public_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("accounts:staff")
    try:
        member = user_change_role(user=member, role=form.cleaned_data["role"], actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s is now %(role)s.") % {"name": member.display_name, "role": member.get_role_display()}
        )
    return redirect("accounts:staff")


@require_POST
@require_perm(Perm.MANAGE_STAFF_ANY_ROLE)
def user_deactivate_view(request: HttpRequest, public_id: str) -> HttpResponse:
    member = get_object_or_404(User, public_id=public_id)
    try:
        user_deactivate(user=member, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s can no longer sign in.") % {"name": member.display_name})
    return redirect("accounts:staff")


@require_POST
@require_perm(Perm.MANAGE_STAFF_ANY_ROLE)
def user_reactivate_view(request: HttpRequest, public_id: str) -> HttpResponse:
    member = get_object_or_404(User, public_id=public_id)
    try:
        user_reactivate(user=member, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s can sign in again.") % {"name": member.display_name})
    return redirect("accounts:staff")


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_token(token)
    except LinkError as exc:
        return _link_problem(request, exc, kind="invitation")
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except LinkError as exc:
            return _link_problem(request, exc, kind="invitation")
        except DomainError as exc:
            field = "password1" if exc.field == "password" else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s.") % {"name": user.display_name})
            return redirect("core:home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


# ---- own profile ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"full_name": user.full_name, "language": user.language}  # type: ignore[union-attr]
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_update(
                user=user,  # type: ignore[arg-type]
                full_name=form.cleaned_data["full_name"],
                language=form.cleaned_data["language"],
                actor=Actor.for_user(user),
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            # An explicit language cookie would outrank the profile's language on the next page.
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


# ---- tenant settings -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_TENANT)
def tenant_settings(request: HttpRequest) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=request.tenant.pk)  # type: ignore[attr-defined]
    initial = {name: getattr(tenant, name) for name in SETTINGS_FIELDS}
    form = TenantSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenant_update(
                tenant=tenant,
                actor=Actor.for_user(request.user),
                logo=data["logo"] or None,
                remove_logo=data["remove_logo"],
                **{name: data[name] for name in SETTINGS_FIELDS},
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:tenant_settings")
    return render(
        request,
        "accounts/tenant_settings.html",
        {"form": form, "settings_tenant": tenant, "address_fields": ADDRESS_FIELDS},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def tenant_logo(request: HttpRequest) -> FileResponse:
    tenant = get_object_or_404(Tenant, pk=request.tenant.pk)  # type: ignore[attr-defined]
    if not tenant.logo:
        raise Http404
    content_type = mimetypes.guess_type(tenant.logo.name or "")[0] or "application/octet-stream"
    response = FileResponse(tenant.logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    return response
