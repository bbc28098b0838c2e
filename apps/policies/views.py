"""Staff pages for collection policies (versioned steps), message templates with live preview, margins, rules."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateSyntaxError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import Perm, require_perm, user_has_perm
from apps.audit.services import Actor
from apps.core.errors import DomainError
from apps.debtors.forms import add_domain_error
from apps.debtors.segments import RULES as SEGMENT_RULES
from apps.debtors.views import UNPROCESSABLE, is_fragment_request
from apps.policies import services
from apps.policies.forms import CallScriptForm, ContactRulesForm, MarginsForm, PolicyForm, StepForm, TemplateForm
from apps.policies.models import (
    STAGE_RANK,
    CallScript,
    Channel,
    MessageTemplate,
    Policy,
    PolicyVersion,
    Stage,
    Step,
    VersionStatus,
)
from apps.policies.rendering import render_sample
from apps.policies.scripts import ShownScript, call_script_sample
from apps.policies.selectors import contact_rules_get, margins_get, policy_rows
from apps.policies.validation import SCRIPT_FIELDS, ScriptCheck, TemplateCheck


def _check_write(request: HttpRequest) -> None:
    if request.method == "POST" and not user_has_perm(request.user, Perm.MANAGE_POLICIES):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@require_perm(Perm.VIEW)
def policy_list(request: HttpRequest) -> HttpResponse:
    _check_write(request)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Policy %(name)s created with an empty draft.") % {"name": policy.name})
            return redirect("policies:version", policy_id=policy.pk, number=1)
    status = UNPROCESSABLE if form.errors else 200
    context = {"rows": policy_rows(), "form": form, "segment_rules": SEGMENT_RULES}
    return render(request, "policies/list.html", context, status=status)


@require_GET
@require_perm(Perm.VIEW)
def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(Policy, pk=policy_id)
    version = policy.versions.filter(status=VersionStatus.PUBLISHED).first() or policy.versions.first()
    if version is None:
        return redirect("policies:list")
    return redirect("policies:version", policy_id=policy.pk, number=version.number)


def _version_context(request: HttpRequest, version: PolicyVersion, form: StepForm | None = None) -> dict[str, object]:
    currency = request.tenant.currency  # type: ignore[attr-defined]
    editable = version.status == VersionStatus.DRAFT and user_has_perm(request.user, Perm.MANAGE_POLICIES)
    return {
        "policy": version.policy,
        "version": version,
        "versions": list(version.policy.versions.all()),
        "steps": list(version.steps.all()),
        "editable": editable,
        "form": form or (StepForm(currency=currency) if editable else None),
        "currency": currency,
    }


def _version_page(request: HttpRequest, version: PolicyVersion, *, form: StepForm | None = None) -> HttpResponse:
    template = "policies/version.html#steps" if is_fragment_request(request, "steps") else "policies/version.html"
    status = UNPROCESSABLE if form is not None and form.errors else 200
    return render(request, template, _version_context(request, version, form), status=status)


@require_GET
@require_perm(Perm.VIEW)
def version_detail(request: HttpRequest, policy_id: int, number: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), policy_id=policy_id, number=number)
    return _version_page(request, version)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def draft_open(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(Policy, pk=policy_id)
    draft = services.policy_draft_open(policy=policy, actor=Actor.for_user(request.user))
    return redirect("policies:version", policy_id=policy.pk, number=draft.number)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def step_add(request: HttpRequest, policy_id: int, number: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), policy_id=policy_id, number=number)
    form = StepForm(request.POST, currency=request.tenant.currency)  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            services.step_add(version=version, actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc, {"min_balance_minor": "min_balance"})
        else:
            form = None  # type: ignore[assignment]
    return _version_page(request, version, form=form)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_POLICIES)
def step_edit(request: HttpRequest, policy_id: int, number: int, step_id: int) -> HttpResponse:
    step = get_object_or_404(
        Step.objects.select_related("version__policy"),
        pk=step_id,
        version__policy_id=policy_id,
        version__number=number,
    )
    currency = request.tenant.currency  # type: ignore[attr-defined]
    form = StepForm(request.POST or None, currency=currency, step=step)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_update(step=step, actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc, {"min_balance_minor": "min_balance"})
        else:
            messages.success(request, _("Step saved."))
            return redirect("policies:version", policy_id=policy_id, number=number)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "policies/step_form.html", {"form": form, "step": step}, status=status)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def step_remove(request: HttpRequest, policy_id: int, number: int, step_id: int) -> HttpResponse:
    step = get_object_or_404(
        Step.objects.select_related("version__policy"), pk=step_id, version__policy_id=policy_id, version__number=number
    )
    try:
        services.step_remove(step=step, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _version_page(request, step.version)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def step_move(request: HttpRequest, policy_id: int, number: int, step_id: int, direction: str) -> HttpResponse:
    step = get_object_or_404(
        Step.objects.select_related("version__policy"), pk=step_id, version__policy_id=policy_id, version__number=number
    )
    try:
        services.step_move(step=step, direction=-1 if direction == "up" else 1, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _version_page(request, step.version)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def version_publish(request: HttpRequest, policy_id: int, number: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), policy_id=policy_id, number=number)
    try:
        services.version_publish(version=version, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)s is live.") % {"n": version.number})
    return redirect("policies:version", policy_id=policy_id, number=number)


# Templates ------------------------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.VIEW)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = MessageTemplate.objects.all()
    channel, locale = request.GET.get("channel", ""), request.GET.get("locale", "")
    if channel:
        templates = templates.filter(channel=channel)
    if locale:
        templates = templates.filter(locale=locale)
    context = {"templates": templates, "channels": Channel.choices, "channel": channel, "locale": locale}
    return render(request, "policies/templates.html", context)


def _template_page(
    request: HttpRequest, form: TemplateForm, template: MessageTemplate | None, check: TemplateCheck | None = None
) -> HttpResponse:
    status = UNPROCESSABLE if form.errors else 200
    context = {"form": form, "template": template, "check": check}
    return render(request, "policies/template_form.html", context, status=status)


def _template_save(request: HttpRequest, form: TemplateForm, template: MessageTemplate | None) -> HttpResponse:
    try:
        saved, warnings = services.template_save(
            template=template, actor=Actor.for_user(request.user), **form.service_fields()
        )
    except services.TemplateRefused as exc:
        for error in exc.check.errors:
            form.add_error("body", error)
        return _template_page(request, form, template, exc.check)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _template_page(request, form, template)
    messages.success(request, _("Template %(t)s saved.") % {"t": saved})
    for warning in warnings:
        messages.warning(request, warning)
    return redirect("policies:template_edit", template_id=saved.pk)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_POLICIES)
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None, initial={"locale": request.tenant.default_locale})  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        return _template_save(request, form, None)
    return _template_page(request, form, None)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.MANAGE_POLICIES)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(MessageTemplate, pk=template_id)
    form = TemplateForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        return _template_save(request, form, template)
    check = services.template_check_for(template) if request.method == "GET" else None
    return _template_page(request, form, template, check)


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def template_preview(request: HttpRequest) -> HttpResponse:
    """The htmx fragment beside the editor: the text on sample data, and what the validators say."""
    template = MessageTemplate(
        key=request.POST.get("key", "") or "preview",
        channel=request.POST.get("channel", Channel.EMAIL),
        locale=request.POST.get("locale", "en"),
        stage=request.POST.get("stage", "friendly"),
        is_legal=bool(request.POST.get("is_legal")),
        subject=request.POST.get("subject", ""),
        body=request.POST.get("body", ""),
    )
    existing_id = request.POST.get("template_id", "")
    if existing_id.isdigit():
        existing = get_object_or_404(MessageTemplate, pk=int(existing_id))
        template.key, template.channel, template.locale = existing.key, existing.channel, existing.locale
    check = services.template_check_for(template)
    rendered = None
    if template.body.strip():
        try:
            rendered = render_sample(template=template, tenant=request.tenant)  # type: ignore[attr-defined]
        except TemplateSyntaxError:
            rendered = None
    context = {"check": check, "rendered": rendered, "channel": template.channel}
    return render(request, "policies/template_form.html#preview", context)


# Call scripts ---------------------------------------------------------------------------------------------------

SCRIPT_LOCALES = (("en", "English"), ("fr", "Français"), ("pl", "Polski"))


@require_GET
@require_perm(Perm.VIEW)
def script_list(request: HttpRequest) -> HttpResponse:
    """One row per stage and segment (any segment first), one column per language."""
    labels = {rule.key: rule.label for rule in SEGMENT_RULES}
    # A customer's life: new, usually on time, repeatedly late, at risk (the rules' order is their precedence).
    order = ["", *reversed(list(labels))]
    cells: dict[tuple[str, str], dict[str, CallScript]] = {}
    for script in CallScript.objects.all():
        cells.setdefault((script.stage, script.segment), {})[script.locale] = script
    rows = [
        {
            "stage": Stage(stage),
            "segment": segment,
            "segment_label": labels.get(segment, segment),
            "scripts": [by_locale.get(code) for code, _name in SCRIPT_LOCALES],
        }
        for (stage, segment), by_locale in sorted(
            cells.items(),
            key=lambda item: (
                STAGE_RANK.get(Stage(item[0][0]), 0),
                order.index(item[0][1]) if item[0][1] in order else len(order),
                item[0][1],
            ),
        )
    ]
    context = {"rows": rows, "locales": SCRIPT_LOCALES}
    return render(request, "policies/scripts.html", context)


def _script_page(
    request: HttpRequest, script: CallScript, form: CallScriptForm, check: ScriptCheck, shown: ShownScript | None
) -> HttpResponse:
    labels = {rule.key: rule.label for rule in SEGMENT_RULES}
    context = {
        "script": script,
        "form": form,
        "check": check,
        "shown": shown,
        "segment_label": labels.get(script.segment, ""),
        "can_save": _can_manage(request),
    }
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "policies/script_form.html", context, status=status)


def _script_sample(request: HttpRequest, script: CallScript, fields: dict[str, str] | None) -> ShownScript | None:
    try:
        return call_script_sample(script, tenant=request.tenant, fields=fields)  # type: ignore[attr-defined]
    except TemplateSyntaxError:
        return None  # the check names the syntax error


@require_http_methods(["GET", "POST"])
@require_perm(Perm.VIEW)
def script_edit(request: HttpRequest, script_id: UUID) -> HttpResponse:
    script = get_object_or_404(CallScript, pk=script_id)
    _check_write(request)
    form = CallScriptForm(request.POST or None, script=script)
    if request.method == "POST" and form.is_valid():
        try:
            saved, warnings = services.call_script_save(
                script=script, actor=Actor.for_user(request.user), **form.service_fields()
            )
        except services.ScriptRefused as exc:
            for field, errors in exc.check.field_errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return _script_page(request, script, form, exc.check, _script_sample(request, script, form.cleaned_data))
        messages.success(request, _("Call script saved."))
        for warning in warnings:
            messages.warning(request, warning)
        return redirect("policies:script_edit", script_id=saved.pk)
    fields = {name: request.POST.get(name, "") for name in SCRIPT_FIELDS} if request.method == "POST" else None
    check = services.call_script_check_for(script, fields=fields)
    return _script_page(request, script, form, check, _script_sample(request, script, fields))


@require_POST
@require_perm(Perm.MANAGE_POLICIES)
def script_preview(request: HttpRequest, script_id: UUID) -> HttpResponse:
    """The htmx fragment beside the script editor: the texts on sample data, and what the checks say."""
    script = get_object_or_404(CallScript, pk=script_id)
    fields = {name: request.POST.get(name, "") for name in SCRIPT_FIELDS}
    context = {
        "script": script,
        "check": services.call_script_check_for(script, fields=fields),
        "shown": _script_sample(request, script, fields),
    }
    return render(request, "policies/script_form.html#preview", context)


# Margins and contact rules --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.VIEW)
def margins_edit(request: HttpRequest) -> HttpResponse:
    _check_write(request)
    currency = request.tenant.currency  # type: ignore[attr-defined]
    form = MarginsForm(request.POST or None, margins=margins_get(), currency=currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.margins_update(actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc, {"min_instalment_minor": "min_instalment"})
        else:
            messages.success(request, _("Negotiation margins saved."))
            return redirect("policies:margins")
    status = UNPROCESSABLE if form.errors else 200
    context = {"form": form, "title": _("Negotiation margins"), "can_save": _can_manage(request)}
    return render(request, "policies/settings_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.VIEW)
def contact_rules_edit(request: HttpRequest) -> HttpResponse:
    _check_write(request)
    form = ContactRulesForm(request.POST or None, rules=contact_rules_get())
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_rules_update(actor=Actor.for_user(request.user), **form.service_fields())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Contact rules saved."))
            return redirect("policies:contact_rules")
    status = UNPROCESSABLE if form.errors else 200
    context = {"form": form, "title": _("Contact rules"), "can_save": _can_manage(request)}
    return render(request, "policies/settings_form.html", context, status=status)


def _can_manage(request: HttpRequest) -> bool:
    return user_has_perm(request.user, Perm.MANAGE_POLICIES)
