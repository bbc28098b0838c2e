"""The policy preview page (R2): full page, or the htmx fragment the policy pages load."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.accounts.permissions import Perm, require_perm
from apps.debtors.views import is_fragment_request
from apps.engine.preview import preview
from apps.policies.models import Policy, VersionStatus

PREVIEW_DAYS = 30


@require_GET
@require_perm(Perm.MANAGE_POLICIES)
def policy_preview(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(Policy, pk=policy_id)
    versions = policy.versions.exclude(status=VersionStatus.RETIRED)
    chosen = request.GET.get("version", "")
    if chosen.isdigit():
        version = get_object_or_404(versions, pk=int(chosen))
    else:
        version = versions.filter(status=VersionStatus.DRAFT).first() or get_object_or_404(
            versions, status=VersionStatus.PUBLISHED
        )
    context = {"policy": policy, "version": version, "preview": preview(version, days=PREVIEW_DAYS)}
    fragment = is_fragment_request(request, "policy-preview") or request.GET.get("fragment") == "1"
    template = "engine/preview.html#preview" if fragment else "engine/preview.html"
    return render(request, template, context)
