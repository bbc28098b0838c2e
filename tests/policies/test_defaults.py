"""Every new tenant starts with its jurisdiction's default policy, templates in en/fr/pl, margins and rules."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.policies.defaults import default_templates
from apps.policies.models import (
    ContactRules,
    Margins,
    MessageTemplate,
    Policy,
    PolicyVersion,
    Stage,
    Step,
    VersionStatus,
)
from apps.policies.selectors import contact_rules_get, first_letter_key, live_version, margins_get, policy_for_segment
from apps.policies.services import policies_install_defaults
from apps.policies.validation import template_check
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _check_all(jurisdiction: str, role: str) -> list[str]:
    problems = []
    for row in default_templates(jurisdiction, role):
        check = template_check(
            channel=row["channel"],
            locale=row["locale"],
            stage=row["stage"],
            subject=row["subject"],
            body=row["body"],
            jurisdiction=jurisdiction,
            tenant_role=role,
            first_letter=row["key"] == "first-letter",
            is_legal=row["is_legal"],
        )
        problems += [f"{jurisdiction} {role} {row['key']} {row['locale']}: {m}" for m in check.errors + check.warnings]
    return problems


@pytest.mark.parametrize("jurisdiction", ["US", "FR", "PL"])
@pytest.mark.parametrize("role", ["creditor", "agency"])
def test_it_ships_default_templates_that_pass_every_check(jurisdiction: str, role: str) -> None:
    assert _check_all(jurisdiction, role) == []


def test_it_gives_a_new_tenant_a_live_default_policy_with_templates_in_three_languages(tenant: Tenant) -> None:
    policy = policy_for_segment("new")
    assert policy is not None
    assert policy.name == "Standard"
    version = live_version(policy)
    assert version is not None
    assert version.number == 1
    assert version.status == VersionStatus.PUBLISHED
    steps = list(version.steps.all())
    schedule = [(s.offset_days, s.channel, s.stage) for s in steps if s.kind == "schedule"]
    assert schedule == [
        (-3, "email", "friendly"),
        (1, "email", "friendly"),
        (7, "sms", "friendly"),
        (30, "letter", "firm"),
        (60, "letter", "final"),
        (90, "phone", "final"),
    ]
    assert {s.kind for s in steps} == {"schedule", "broken_promise", "missed_instalment"}
    for step in steps:
        locales = set(
            MessageTemplate.objects.filter(key=step.template_key, channel=step.channel).values_list("locale", flat=True)
        )
        assert locales == {"en", "fr", "pl"}, step
    letter = MessageTemplate.objects.get(key=first_letter_key(steps), channel="letter", locale="fr")
    assert "L111-8" in letter.body
    assert "{{ creditor.address }}" in letter.body


def test_it_sets_french_contact_rules_without_sundays(tenant: Tenant) -> None:
    rules = contact_rules_get()
    assert (rules.quiet_hours_start, rules.quiet_hours_end) == (dt.time(8), dt.time(20))
    assert rules.no_sundays
    assert rules.no_public_holidays
    assert margins_get().min_instalment_minor == 20_00


def test_it_sets_us_quiet_hours_call_caps_and_a_firm_second_letter(other_tenant: Tenant) -> None:
    with schema_context(other_tenant.schema_name):
        rules = contact_rules_get()
        assert (rules.quiet_hours_start, rules.quiet_hours_end) == (dt.time(8), dt.time(21))
        assert (rules.max_calls_per_7_days, rules.call_cooldown_days_after_conversation) == (7, 7)
        version = live_version(Policy.objects.get(name="Standard"))
        assert version is not None
        assert version.steps.get(offset_days=60, kind="schedule").stage == Stage.FIRM
        first = MessageTemplate.objects.get(key="first-letter", channel="letter", locale="en")
        assert "{{ validation_end_date }}" in first.body
        assert "attempt to collect a debt" in first.body
    connection.set_schema_to_public()


def test_it_installs_polish_defaults_once_however_often_it_runs(tenant: Tenant) -> None:
    # A blank schema.
    MessageTemplate.objects.all().delete()
    ContactRules.objects.all().delete()
    Margins.objects.all().delete()
    Step.objects.all().delete()
    PolicyVersion.objects.all().delete()
    Policy.objects.all().delete()
    poland = SimpleNamespace(jurisdiction="PL", role="creditor", currency="PLN")

    policies_install_defaults(tenant=poland)
    policies_install_defaults(tenant=poland)

    assert Policy.objects.filter(name="Standard").count() == 1
    assert MessageTemplate.objects.count() == len(default_templates("PL", "creditor"))
    assert ContactRules.objects.count() == 1
    assert Margins.objects.get().min_instalment_minor == 50_00
    letter = MessageTemplate.objects.get(key="first-letter", channel="letter", locale="pl")
    assert letter.subject.startswith("Wezwanie do zapłaty")
    sms = MessageTemplate.objects.get(key="overdue-sms", channel="sms", locale="pl")
    assert "Odpowiedz STOP" in sms.body
    installs = AuditEvent.objects.filter(action="policies.defaults_installed", object_repr="Standard (PL)")
    assert installs.count() == 1
    assert installs.get().after["templates"] == len(default_templates("PL", "creditor"))


def test_it_leaves_a_renamed_policy_alone(tenant: Tenant) -> None:
    Policy.objects.filter(name="Standard").update(name="Our own")
    policies_install_defaults(tenant=tenant)
    assert list(Policy.objects.values_list("name", flat=True)) == ["Our own"]
