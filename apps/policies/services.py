"""Every write to policies, templates, margins and contact rules. Published versions are frozen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Actor, audit_record, changed_fields, snapshot
from apps.core.errors import DomainError
from apps.core.tenancy import current_tenant
from apps.policies import defaults
from apps.policies.models import (
    CallScript,
    Channel,
    ContactRules,
    Frequency,
    Margins,
    MessageTemplate,
    Policy,
    PolicyVersion,
    Stage,
    Step,
    StepKind,
    VersionStatus,
)
from apps.policies.selectors import (
    contact_rules_get,
    first_letter_key,
    first_letter_keys,
    live_version,
    margins_get,
)
from apps.policies.validation import (
    RECORDING_PHRASE,
    SCRIPT_FIELDS,
    ScriptCheck,
    TemplateCheck,
    call_script_check,
    template_check,
)

LOCALES = ("en", "fr", "pl")
STEP_FIELDS = (
    "kind",
    "offset_days",
    "channel",
    "template_key",
    "stage",
    "segments",
    "min_balance_minor",
    "min_debt_age_days",
    "max_debt_age_days",
)
TEMPLATE_FIELDS = ("key", "channel", "locale", "stage", "is_legal", "is_exception", "subject", "body")
MARGIN_FIELDS = (
    "max_settlement_discount_pct",
    "settlement_after_days_overdue",
    "min_down_payment_pct",
    "max_plan_instalments",
    "min_instalment_minor",
    "allowed_frequencies",
    "max_promise_deferral_days",
    "agency_commission_pct",
)
RULE_FIELDS = (
    "quiet_hours_start",
    "quiet_hours_end",
    "no_sundays",
    "no_public_holidays",
    "max_attempts_per_day",
    "max_emails_per_week",
    "max_sms_per_week",
    "max_letters_per_month",
    "max_calls_per_7_days",
    "call_cooldown_days_after_conversation",
    "run_hour",
    "calls_recorded",
)
US_EARLIEST = dt.time(8, 0)
US_LATEST = dt.time(21, 0)
US_MAX_CALLS_PER_7_DAYS = 7
US_CALL_COOLDOWN_DAYS = 7
MAX_OFFSET_DAYS = 3650


class ScriptRefused(DomainError):
    """A call script the validators refuse; carries the reasons per field and the warnings."""

    def __init__(self, check: ScriptCheck) -> None:
        super().__init__(" ".join(check.errors), field=next(iter(check.field_errors), None))
        self.check = check


class TemplateRefused(DomainError):
    """A template the validators refuse; carries every reason and the warnings."""

    def __init__(self, check: TemplateCheck) -> None:
        super().__init__(" ".join(check.errors), field="body")
        self.check = check


def _tenant(tenant: Any = None) -> Any:
    return tenant if tenant is not None else current_tenant()


def policies_install_defaults(*, tenant: Any = None) -> None:
    """The jurisdiction's default policy (published v1), templates in en/fr/pl, margins and contact rules.

    Idempotent; a handful of bulk queries so tenant signup stays fast.
    """
    tenant = _tenant(tenant)
    jurisdiction = getattr(tenant, "jurisdiction", "FR")
    role = getattr(tenant, "role", "creditor")
    with transaction.atomic():
        existing = MessageTemplate.objects.count()
        MessageTemplate.objects.bulk_create(
            [MessageTemplate(**row) for row in defaults.default_templates(jurisdiction, role)], ignore_conflicts=True
        )
        installed: dict[str, Any] = {"templates": MessageTemplate.objects.count() - existing}
        scripts = CallScript.objects.count()
        CallScript.objects.bulk_create(
            [
                CallScript(**row, updated_by_label="Amiable defaults")
                for row in defaults.default_call_scripts(jurisdiction)
            ],
            ignore_conflicts=True,
        )
        if added := CallScript.objects.count() - scripts:
            installed["call_scripts"] = added
        if not Policy.objects.exists():  # a tenant that renamed or replaced it keeps its own
            policy = Policy.objects.create(name=defaults.POLICY_NAME)
            version = PolicyVersion.objects.create(
                policy=policy,
                number=1,
                status=VersionStatus.PUBLISHED,
                published_at=timezone.now(),
                published_by_label="Amiable defaults",
            )
            Step.objects.bulk_create(
                [
                    Step(
                        version=version,
                        position=position,
                        kind=s.kind,
                        offset_days=s.offset_days,
                        channel=s.channel,
                        template_key=s.template_key,
                        stage=s.stage,
                    )
                    for position, s in enumerate(defaults.default_steps(jurisdiction), start=1)
                ]
            )
            installed["policy"] = policy.pk
        if not Margins.objects.exists():
            Margins.objects.create(**defaults.default_margins(getattr(tenant, "currency", "EUR")))
            installed["margins"] = True
        if not ContactRules.objects.exists():
            ContactRules.objects.create(**defaults.default_contact_rules(jurisdiction))
            installed["contact_rules"] = True
        if len(installed) > 1 or installed["templates"]:
            audit_record(
                actor=Actor.system("Amiable defaults"),
                action="policies.defaults_installed",
                object_type="policies.policy",
                object_repr=f"{defaults.POLICY_NAME} ({jurisdiction})",
                after={"jurisdiction": jurisdiction, **installed},
            )


# Policies and versions ------------------------------------------------------------------------------------------


def policy_create(*, name: str, segments: list[str], priority: int, actor: Actor) -> Policy:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the policy a name."), field="name")
    if Policy.objects.filter(name=name).exists():
        raise DomainError(_("A policy named “%(n)s” already exists.") % {"n": name}, field="name")
    with transaction.atomic():
        policy = Policy.objects.create(name=name, segments=_clean_segments(segments), priority=priority)
        PolicyVersion.objects.create(policy=policy, number=1, status=VersionStatus.DRAFT)
        audit_record(
            actor=actor,
            action="policy.created",
            obj=policy,
            after={"name": name, "segments": policy.segments, "priority": priority},
        )
    return policy


def policy_draft_open(*, policy: Policy, actor: Actor) -> PolicyVersion:
    """The policy's draft, or a new one copied from the live version (the live one is never edited)."""
    with transaction.atomic():
        Policy.objects.select_for_update().get(pk=policy.pk)
        draft = policy.versions.filter(status=VersionStatus.DRAFT).first()
        if draft:
            return draft
        live = live_version(policy)
        number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = PolicyVersion.objects.create(policy=policy, number=number, status=VersionStatus.DRAFT)
        if live:
            Step.objects.bulk_create(
                [
                    Step(version=draft, position=s.position, **{f: getattr(s, f) for f in STEP_FIELDS})
                    for s in live.steps.all()
                ]
            )
        audit_record(
            actor=actor,
            action="policy.draft_opened",
            obj=draft,
            after={"number": number, "copied_from": live.number if live else None},
        )
    return draft


def _draft_locked(version: PolicyVersion) -> PolicyVersion:
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise DomainError(
            _("Version %(n)s is %(s)s and cannot change: edit the draft instead.")
            % {"n": locked.number, "s": locked.get_status_display().lower()}
        )
    return locked


def _clean_segments(segments: list[str] | None) -> list[str]:
    return sorted({s.strip() for s in segments or [] if s.strip()})


def _clean_step(fields: dict[str, Any]) -> dict[str, Any]:
    if fields["kind"] not in StepKind.values:
        raise DomainError(_("Choose a step kind."), field="kind")
    if fields["channel"] not in Channel.values:
        raise DomainError(_("Choose a channel."), field="channel")
    if fields["stage"] not in Stage.values:
        raise DomainError(_("Choose a stage."), field="stage")
    if abs(int(fields["offset_days"])) > MAX_OFFSET_DAYS:
        raise DomainError(_("The day must be within ten years of the due date."), field="offset_days")
    if fields["kind"] != StepKind.SCHEDULE and fields["offset_days"] < 0:
        raise DomainError(_("A step after a missed payment cannot come before the miss."), field="offset_days")
    key = fields["template_key"]
    if not MessageTemplate.objects.filter(key=key, channel=fields["channel"]).exists():
        raise DomainError(
            _("There is no %(channel)s template “%(key)s”. Create it first or pick another.")
            % {"channel": Channel(fields["channel"]).label.lower(), "key": key},
            field="template_key",
        )
    if fields.get("min_balance_minor") is not None and fields["min_balance_minor"] < 0:
        raise DomainError(_("The minimum balance cannot be negative."), field="min_balance_minor")
    low, high = fields.get("min_debt_age_days"), fields.get("max_debt_age_days")
    if low is not None and high is not None and low > high:
        raise DomainError(_("The minimum days past due is above the maximum."), field="max_debt_age_days")
    fields["segments"] = _clean_segments(fields.get("segments"))
    return fields


def step_add(*, version: PolicyVersion, actor: Actor, **fields: Any) -> Step:
    fields = _clean_step({f: fields.get(f) for f in STEP_FIELDS})
    with transaction.atomic():
        locked = _draft_locked(version)
        position = (locked.steps.aggregate(p=Max("position"))["p"] or 0) + 1
        step = Step.objects.create(version=locked, position=position, **fields)
        audit_record(actor=actor, action="policy.step_added", obj=step, after={"position": position, **fields})
    return step


def step_update(*, step: Step, actor: Actor, **fields: Any) -> Step:
    fields = _clean_step({f: fields.get(f) for f in STEP_FIELDS})
    with transaction.atomic():
        _draft_locked(step.version)
        locked = Step.objects.select_for_update().get(pk=step.pk)
        old, new = changed_fields(snapshot(locked, list(STEP_FIELDS)), fields)
        if not new:
            return locked
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(new))
        audit_record(actor=actor, action="policy.step_updated", obj=locked, before=old, after=new)
    return locked


def step_remove(*, step: Step, actor: Actor) -> None:
    with transaction.atomic():
        version = _draft_locked(step.version)
        locked = Step.objects.select_for_update().get(pk=step.pk)
        removed = snapshot(locked, ["position", *STEP_FIELDS])
        locked.delete()
        # Ascending, so each step moves into the slot the previous one freed (the unique index is not deferred).
        for later in version.steps.filter(position__gt=removed["position"]).order_by("position"):
            later.position -= 1
            later.save(update_fields=["position"])
        audit_record(
            actor=actor,
            action="policy.step_removed",
            object_type="policies.step",
            object_id=str(step.pk),
            object_repr=str(step),
            before=removed,
        )


def step_move(*, step: Step, direction: int, actor: Actor) -> None:
    """Swap the step with its neighbour above (direction -1) or below (+1)."""
    with transaction.atomic():
        version = _draft_locked(step.version)
        locked = Step.objects.select_for_update().get(pk=step.pk)
        neighbour = version.steps.filter(position=locked.position + (1 if direction > 0 else -1)).first()
        if neighbour is None:
            return
        mine, theirs = locked.position, neighbour.position
        locked.position = 0
        locked.save(update_fields=["position"])
        neighbour.position = mine
        neighbour.save(update_fields=["position"])
        locked.position = theirs
        locked.save(update_fields=["position"])
        audit_record(
            actor=actor, action="policy.step_moved", obj=locked, before={"position": mine}, after={"position": theirs}
        )


def version_problems(version: PolicyVersion, *, tenant: Any = None) -> list[str]:
    """Why `version` cannot be published (empty when it can)."""
    tenant = _tenant(tenant)
    steps = list(version.steps.all())
    problems: list[str] = []
    if not any(s.kind == StepKind.SCHEDULE for s in steps):
        problems.append(_("The policy needs at least one scheduled step."))
    first_letter = first_letter_key(steps)
    default_locale = getattr(tenant, "default_locale", "en") or "en"
    wanted = {(s.template_key, s.channel) for s in steps}
    templates = MessageTemplate.objects.filter(key__in={k for k, _c in wanted})
    by_key: dict[tuple[str, str], list[MessageTemplate]] = {}
    for t in templates:
        by_key.setdefault((t.key, t.channel), []).append(t)
    for key, channel in sorted(wanted):
        found = by_key.get((key, channel), [])
        if not {t.locale for t in found} & {default_locale, "en"}:
            problems.append(
                _("Step template “%(key)s” (%(channel)s) has no text in %(locale)s or English.")
                % {"key": key, "channel": Channel(channel).label.lower(), "locale": default_locale}
            )
        for template in found:
            check = _check_template(
                template, tenant=tenant, first_letter=(channel == Channel.LETTER and key == first_letter)
            )
            problems += [
                _("Template “%(key)s” (%(channel)s, %(locale)s): %(error)s")
                % {"key": key, "channel": Channel(channel).label.lower(), "locale": template.locale, "error": e}
                for e in check.errors
            ]
    return problems


def version_publish(*, version: PolicyVersion, actor: Actor) -> PolicyVersion:
    """The draft becomes the live version; the previous live version is retired, unchanged."""
    with transaction.atomic():
        Policy.objects.select_for_update().get(pk=version.policy_id)
        locked = _draft_locked(version)
        problems = version_problems(locked)
        if problems:
            raise DomainError(_("This version cannot be published: %(p)s") % {"p": " ".join(problems)})
        previous = live_version(locked.policy)
        if previous:
            previous.status = VersionStatus.RETIRED
            previous.save(update_fields=["status"])
        locked.status = VersionStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by_label = actor.label[:200]
        locked.save(update_fields=["status", "published_at", "published_by_label"])
        audit_record(
            actor=actor,
            action="policy.published",
            obj=locked,
            before={"live": previous.number if previous else None},
            after={"live": locked.number, "steps": locked.steps.count()},
        )
    return locked


# Templates ------------------------------------------------------------------------------------------------------


def _check_template(template: MessageTemplate, *, tenant: Any, first_letter: bool | None = None) -> TemplateCheck:
    jurisdiction = getattr(tenant, "jurisdiction", "FR")
    if first_letter is None:
        first_letter = template.channel == Channel.LETTER and template.key in first_letter_keys()
    return template_check(
        channel=template.channel,
        locale=template.locale,
        stage=template.stage,
        subject=template.subject,
        body=template.body,
        jurisdiction=jurisdiction,
        tenant_role=getattr(tenant, "role", "creditor"),
        first_letter=first_letter,
        is_legal=template.is_legal,
    )


def template_check_for(template: MessageTemplate, *, tenant: Any = None) -> TemplateCheck:
    """The validators' answer for an (unsaved or saved) template, in the tenant's jurisdiction."""
    return _check_template(template, tenant=_tenant(tenant))


def template_save(
    *, template: MessageTemplate | None, actor: Actor, **fields: Any
) -> tuple[MessageTemplate, list[str]]:
    """Create or change a template. Refused (TemplateRefused) when a validator refuses; returns the warnings."""
    values = {f: fields[f] for f in TEMPLATE_FIELDS if f in fields}
    if values.get("channel", template.channel if template else "") not in Channel.values:
        raise DomainError(_("Choose a channel."), field="channel")
    if values.get("locale", template.locale if template else "") not in LOCALES:
        raise DomainError(_("Choose English, French or Polish."), field="locale")
    with transaction.atomic():
        if template is None:
            target = MessageTemplate(**values)
            if MessageTemplate.objects.filter(key=target.key, channel=target.channel, locale=target.locale).exists():
                raise DomainError(_("This template already exists in that language; edit it instead."), field="key")
            before: dict[str, Any] = {}
        else:
            target = MessageTemplate.objects.select_for_update().get(pk=template.pk)
            before = snapshot(target, list(TEMPLATE_FIELDS))
            for name, value in values.items():
                setattr(target, name, value)
        check = _check_template(target, tenant=_tenant(None))
        if not check.ok:
            raise TemplateRefused(check)
        after = snapshot(target, list(TEMPLATE_FIELDS))
        old, new = changed_fields(before, after) if before else ({}, after)
        if not new:
            return target, check.warnings
        target.save()
        audit_record(
            actor=actor,
            action="template.created" if not before else "template.updated",
            obj=target,
            before=old or None,
            after=new,
        )
    return target, check.warnings


# Call scripts ---------------------------------------------------------------------------------------------------


def call_script_check_for(
    script: CallScript, *, fields: dict[str, str] | None = None, tenant: Any = None
) -> ScriptCheck:
    """The validators' answer for `script`, or for `fields` about to replace its texts, in the tenant's jurisdiction."""
    values = {name: getattr(script, name) for name in SCRIPT_FIELDS} | (fields or {})
    return call_script_check(
        stage=script.stage,
        locale=script.locale,
        jurisdiction=getattr(_tenant(tenant), "jurisdiction", "FR"),
        fields=values,
        calls_recorded=contact_rules_get().calls_recorded,
    )


def call_script_save(*, script: CallScript, actor: Actor, **fields: Any) -> tuple[CallScript, list[str]]:
    """Change a script's texts. Refused (ScriptRefused) when a check fails, e.g. a required disclosure is missing;
    returns the tone warnings. Stage, segment and language say which calls it is for and do not change."""
    values = {name: str(fields[name]).strip().replace("\r\n", "\n") for name in SCRIPT_FIELDS if name in fields}
    with transaction.atomic():
        locked = CallScript.objects.select_for_update().get(pk=script.pk)
        check = call_script_check_for(locked, fields=values)
        if not check.ok:
            raise ScriptRefused(check)
        old, new = changed_fields(snapshot(locked, list(values)), values)
        if not new:
            return locked, check.warnings
        for name, value in new.items():
            setattr(locked, name, value)
        locked.updated_by_label = actor.label[:200]
        locked.save(update_fields=[*new, "updated_by_label", "updated_at"])
        audit_record(actor=actor, action="call_script.updated", obj=locked, before=old, after=new)
    return locked, check.warnings


def _scripts_without_recording_notice() -> list[CallScript]:
    return [
        s
        for s in CallScript.objects.all()
        if RECORDING_PHRASE.get(s.locale, RECORDING_PHRASE["en"]) not in s.recording_notice.lower()
    ]


# Margins and contact rules ------------------------------------------------------------------------------------


def margins_update(*, actor: Actor, **fields: Any) -> Margins:
    values = {f: fields[f] for f in MARGIN_FIELDS if f in fields}
    for name in ("max_settlement_discount_pct", "min_down_payment_pct", "agency_commission_pct"):
        if name in values and not 0 <= values[name] <= 100:
            raise DomainError(_("A percentage is between 0 and 100."), field=name)
    if "max_plan_instalments" in values and values["max_plan_instalments"] < 1:
        raise DomainError(_("A plan has at least one instalment."), field="max_plan_instalments")
    if "allowed_frequencies" in values:
        freqs = list(dict.fromkeys(values["allowed_frequencies"]))
        if not freqs or set(freqs) - set(Frequency.values):
            raise DomainError(_("Choose at least one instalment frequency."), field="allowed_frequencies")
        values["allowed_frequencies"] = freqs
    with transaction.atomic():
        row = Margins.objects.select_for_update().get(pk=margins_get().pk)
        old, new = changed_fields(snapshot(row, list(values)), values)
        if not new:
            return row
        for name in new:
            setattr(row, name, values[name])
        row.save(update_fields=[*new, "updated_at"])
        audit_record(actor=actor, action="margins.updated", obj=row, before=old, after=new)
    return row


def contact_rules_update(*, actor: Actor, tenant: Any = None, **fields: Any) -> ContactRules:
    values = {f: fields[f] for f in RULE_FIELDS if f in fields}
    current = contact_rules_get()
    start = values.get("quiet_hours_start", current.quiet_hours_start)
    end = values.get("quiet_hours_end", current.quiet_hours_end)
    if start >= end:
        raise DomainError(_("Contact must start before it ends (e.g. 08:00 to 20:00)."), field="quiet_hours_end")
    if getattr(_tenant(tenant), "jurisdiction", "") == "US":
        if start < US_EARLIEST or end > US_LATEST:
            raise DomainError(
                _(
                    "US law allows contact only between 08:00 and 21:00 in the debtor's time; "
                    "the window cannot start before 08:00 or end after 21:00."
                ),
                field="quiet_hours_start" if start < US_EARLIEST else "quiet_hours_end",
            )
        if values.get("max_calls_per_7_days", current.max_calls_per_7_days) > US_MAX_CALLS_PER_7_DAYS:
            raise DomainError(
                _("In the US, at most 7 calls in 7 days per debt (Regulation F)."), field="max_calls_per_7_days"
            )
        cooldown = values.get("call_cooldown_days_after_conversation", current.call_cooldown_days_after_conversation)
        if cooldown < US_CALL_COOLDOWN_DAYS:
            raise DomainError(
                _("In the US, no call in the 7 days after a conversation (Regulation F)."),
                field="call_cooldown_days_after_conversation",
            )
    if not 0 <= values.get("run_hour", current.run_hour) <= 23:
        raise DomainError(_("The run hour is between 0 and 23."), field="run_hour")
    if values.get("calls_recorded") and not current.calls_recorded:
        silent = _scripts_without_recording_notice()
        if silent:
            raise DomainError(
                _("Before calls are recorded, these call scripts need a call-recording notice: %(scripts)s.")
                % {"scripts": ", ".join(_script_name(s) for s in silent[:10])},
                field="calls_recorded",
            )
    with transaction.atomic():
        row = ContactRules.objects.select_for_update().get(pk=current.pk)
        old, new = changed_fields(snapshot(row, list(values)), values)
        if not new:
            return row
        for name, value in new.items():
            setattr(row, name, value)
        row.save(update_fields=[*new, "updated_at"])
        audit_record(
            actor=actor, action="contact_rules.updated", obj=row, before=_audit_times(old), after=_audit_times(new)
        )
    return row


def _audit_times(values: dict[str, Any]) -> dict[str, Any]:
    """Times of day as text: the audit log stores JSON."""
    return {k: v.isoformat() if isinstance(v, dt.time) else v for k, v in values.items()}


def _script_name(script: CallScript) -> str:
    segment = script.segment or _("any segment")
    return f"{Stage(script.stage).label} · {segment} · {script.locale}"
