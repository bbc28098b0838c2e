"""Staff pages to manage the tenant's API keys (owners only). A new key's secret is shown once, on creation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm
from apps.api import selectors
from apps.api.forms import ApiKeyForm
from apps.api.services import api_key_create, api_key_revoke
from apps.audit.services import Actor
from apps.core.errors import DomainError


@require_GET
@require_perm(Perm.MANAGE_API_KEYS)
def keys(request: HttpRequest) -> HttpResponse:
    return render(request, "api/keys.html", {"keys": selectors.api_keys_list(), "form": ApiKeyForm()})


@never_cache
@require_POST
@require_perm(Perm.MANAGE_API_KEYS)
def key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, full_key = api_key_create(
                name=form.cleaned_data["name"], scope=form.cleaned_data["scope"], actor=Actor.for_user(request.user)
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            # Rendered, not redirected: the full key exists only in this response and is never stored.
            return render(request, "api/key_created.html", {"key": key, "full_key": full_key})
    return render(request, "api/keys.html", {"keys": selectors.api_keys_list(), "form": form}, status=400)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_API_KEYS)
def key_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    key = get_object_or_404(selectors.api_keys_list(), prefix=prefix)
    if request.method == "POST":
        api_key_revoke(key=key, actor=Actor.for_user(request.user))
        messages.success(
            request, _("The key “%(name)s” is revoked; requests using it are now refused.") % {"name": key.name}
        )
        return redirect("api:keys")
    return render(request, "api/key_revoke.html", {"key": key})
