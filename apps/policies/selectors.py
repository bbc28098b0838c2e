"""Reads for policies: the singletons (margins, contact rules), the policy a segment gets, templates by language."""

from __future__ import annotations

from apps.core.tenancy import current_tenant
from apps.policies.defaults import default_contact_rules, default_margins
from apps.policies.models import (
    ContactRules,
    Margins,
    MessageTemplate,
    Policy,
    PolicyVersion,
    Step,
    StepKind,
    VersionStatus,
)


def _tenant_attr(name: str, default: str) -> str:
    return str(getattr(current_tenant(), name, None) or default)


def margins_get() -> Margins:
    """The tenant's negotiation margins, created with the jurisdiction's defaults on first read."""
    row = Margins.objects.order_by("pk").first()
    if row is None:
        row = Margins.objects.create(**default_margins(_tenant_attr("currency", "EUR")))
    return row


def contact_rules_get() -> ContactRules:
    """The tenant's contact rules, created with the jurisdiction's defaults on first read."""
    row = ContactRules.objects.order_by("pk").first()
    if row is None:
        row = ContactRules.objects.create(**default_contact_rules(_tenant_attr("jurisdiction", "FR")))
    return row


def policy_for_segment(segment: str) -> Policy | None:
    """The first policy by priority that targets `segment` (or every segment) and has a live version."""
    live = Policy.objects.filter(versions__status=VersionStatus.PUBLISHED).distinct().order_by("priority", "name")
    for policy in live:
        if not policy.segments or segment in policy.segments:
            return policy
    return None


def live_version(policy: Policy) -> PolicyVersion | None:
    return policy.versions.filter(status=VersionStatus.PUBLISHED).first()


def draft_version(policy: Policy) -> PolicyVersion | None:
    return policy.versions.filter(status=VersionStatus.DRAFT).first()


def template_get(key: str, channel: str, locale: str) -> MessageTemplate | None:
    """The template for `key` and `channel` in `locale`, else the tenant's default language, else English."""
    order = list(dict.fromkeys([locale, _tenant_attr("default_locale", "en"), "en"]))
    found = {t.locale: t for t in MessageTemplate.objects.filter(key=key, channel=channel, locale__in=order)}
    for lang in order:
        if lang in found:
            return found[lang]
    return None


def policy_rows() -> list[dict[str, Policy | PolicyVersion | None]]:
    """Every policy with its live and draft versions, for the list page."""
    policies = list(Policy.objects.prefetch_related("versions"))
    rows: list[dict[str, Policy | PolicyVersion | None]] = []
    for policy in policies:
        versions = list(policy.versions.all())
        rows.append(
            {
                "policy": policy,
                "live": next((v for v in versions if v.status == VersionStatus.PUBLISHED), None),
                "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
            }
        )
    return rows


def first_letter_keys() -> set[str]:
    """Template keys used by the first scheduled letter of a live or draft version (the US validation notice)."""
    keys: set[str] = set()
    versions = PolicyVersion.objects.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.DRAFT])
    for version in versions.prefetch_related("steps"):
        key = first_letter_key(list(version.steps.all()))
        if key:
            keys.add(key)
    return keys


def first_letter_key(steps: list[Step]) -> str:
    letters = [s for s in steps if s.kind == StepKind.SCHEDULE and s.channel == "letter"]
    return min(letters, key=lambda s: (s.offset_days, s.position)).template_key if letters else ""
