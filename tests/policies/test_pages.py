"""The managers' pages: role gating, the htmx step editor, the template live preview, margins and contact rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.policies.models import ContactRules, Margins, MessageTemplate, Policy, VersionStatus
from apps.policies.selectors import live_version
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "steps"}


def standard_v1() -> tuple[Policy, int]:
    policy = Policy.objects.get(name="Standard")
    version = live_version(policy)
    assert version is not None
    return policy, version.number


def test_it_shows_the_policy_and_its_steps_to_a_viewer(client_for: ClientFor, viewer: User) -> None:
    policy, number = standard_v1()
    client = client_for(viewer)
    assert "Standard" in client.get("/policies/").content.decode()
    page = client.get(f"/policies/{policy.pk}/v{number}/").content.decode()
    assert "first-letter" in page
    assert "Publish this version" not in page


@pytest.mark.parametrize("persona", ["viewer", "agent"])
def test_it_refuses_writes_to_viewers_and_agents(
    client_for: ClientFor, persona: str, request: pytest.FixtureRequest
) -> None:
    policy, number = standard_v1()
    client = client_for(request.getfixturevalue(persona))
    template = MessageTemplate.objects.get(key="overdue", channel="email", locale="en")
    assert client.post(f"/policies/{policy.pk}/draft/").status_code == 403
    assert client.post("/policies/", {"name": "Mine", "priority": 5}).status_code == 403
    assert client.get(f"/policies/templates/{template.pk}/").status_code == 403
    assert client.post("/policies/templates/preview/", {"body": "x"}).status_code == 403
    assert client.post("/policies/margins/", {"max_plan_instalments": 99}).status_code == 403
    assert client.post("/policies/contact-rules/", {"run_hour": 3}).status_code == 403
    assert client.post(f"/policies/{policy.pk}/v{number}/publish/").status_code == 403


def test_it_lets_a_manager_edit_a_draft_with_htmx_and_publish_it(client_for: ClientFor, manager: User) -> None:
    policy, _number = standard_v1()
    client = client_for(manager)
    response = client.post(f"/policies/{policy.pk}/draft/")
    assert response.status_code == 302
    assert response["Location"] == f"/policies/{policy.pk}/v2/"

    added = client.post(
        f"/policies/{policy.pk}/v2/steps/",
        {
            "kind": "schedule",
            "offset_days": "45",
            "channel": "sms",
            "template_key": "overdue-sms",
            "stage": "firm",
            "segments": "at-risk",
            "min_balance": "50.00",
        },
        **HTMX,
    )
    assert added.status_code == 200
    fragment = added.content.decode()
    assert fragment.lstrip().startswith('<div id="steps">')
    assert "at-risk" in fragment
    assert "€50.00" in fragment

    refused = client.post(
        f"/policies/{policy.pk}/v2/steps/",
        {"kind": "schedule", "offset_days": "5", "channel": "phone", "template_key": "overdue", "stage": "firm"},
        **HTMX,
    )
    assert refused.status_code == 422
    assert "There is no phone call template “overdue”" in refused.content.decode()

    published = client.post(f"/policies/{policy.pk}/v2/publish/", follow=True)
    assert "Version 2 is live." in published.content.decode()
    assert live_version(policy).number == 2  # type: ignore[union-attr]
    assert policy.versions.get(number=1).status == VersionStatus.RETIRED


def test_it_previews_a_template_on_sample_data_with_warnings(client_for: ClientFor, manager: User) -> None:
    client = client_for(manager)
    response = client.post(
        "/policies/templates/preview/",
        {
            "channel": "email",
            "locale": "fr",
            "stage": "friendly",
            "subject": "Rappel : {{ total }}",
            "body": "Bonjour {{ debtor.name }}, sinon l'huissier viendra. {{ portal_link }}",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="preview"')
    assert "Rappel : 166,25\xa0€" in page  # sample debts: 120 + 1.35 − 20 + 64.90
    assert "Bonjour Alex Martin" in page
    assert "An email must offer a way to opt out" in page
    assert "huissier" in page


def test_it_refuses_to_save_a_template_without_an_opt_out(client_for: ClientFor, manager: User) -> None:
    template = MessageTemplate.objects.get(key="overdue", channel="email", locale="en")
    response = client_for(manager).post(
        f"/policies/templates/{template.pk}/",
        {"stage": "friendly", "subject": template.subject, "body": "Pay {{ total }}: {{ portal_link }}"},
    )
    assert response.status_code == 422
    assert "An email must offer a way to opt out" in response.content.decode()
    template.refresh_from_db()
    assert "{{ opt_out_link }}" in template.body


def test_it_saves_a_new_template_and_shows_tone_warnings(client_for: ClientFor, manager: User) -> None:
    response = client_for(manager).post(
        "/policies/templates/new/",
        {
            "key": "nudge",
            "channel": "sms",
            "locale": "en",
            "stage": "friendly",
            "subject": "",
            "body": "{{ total }} is due, PAY NOW PLEASE!! {{ portal_link }} Reply STOP to opt out.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Avoid shouting" in response.content.decode()
    assert MessageTemplate.objects.filter(key="nudge", channel="sms", locale="en").exists()


def test_it_saves_margins(client_for: ClientFor, manager: User) -> None:
    response = client_for(manager).post(
        "/policies/margins/",
        {
            "max_settlement_discount_pct": 30,
            "settlement_after_days_overdue": 45,
            "min_down_payment_pct": 5,
            "max_plan_instalments": 6,
            "min_instalment": "15.50",
            "allowed_frequencies": ["monthly"],
            "max_promise_deferral_days": 14,
            "agency_commission_pct": 25,
        },
    )
    assert response.status_code == 302
    margins = Margins.objects.get()
    assert (margins.max_settlement_discount_pct, margins.min_instalment_minor) == (30, 15_50)
    assert margins.agency_commission_pct == 25
    assert margins.allowed_frequencies == ["monthly"]


RULES = {
    "quiet_hours_start": "08:00",
    "quiet_hours_end": "21:00",
    "max_attempts_per_day": 1,
    "max_emails_per_week": 3,
    "max_sms_per_week": 2,
    "max_letters_per_month": 2,
    "max_calls_per_7_days": 7,
    "call_cooldown_days_after_conversation": 7,
    "run_hour": 9,
}


def test_it_refuses_a_us_tenant_wider_quiet_hours(client_for: ClientFor, outsider: User, other_tenant: Tenant) -> None:
    client = client_for(outsider, on=other_tenant)
    response = client.post("/policies/contact-rules/", {**RULES, "quiet_hours_end": "22:00"})
    assert response.status_code == 422
    assert "US law allows contact only between 08:00 and 21:00" in response.content.decode()
    with schema_context(other_tenant.schema_name):
        assert str(ContactRules.objects.get().quiet_hours_end) == "21:00:00"


def test_it_lets_a_french_tenant_set_its_own_hours(client_for: ClientFor, manager: User) -> None:
    response = client_for(manager).post(
        "/policies/contact-rules/", {**RULES, "quiet_hours_end": "19:30", "no_sundays": "on"}
    )
    assert response.status_code == 302
    rules = ContactRules.objects.get()
    assert str(rules.quiet_hours_end) == "19:30:00"
    assert rules.no_sundays
    assert not rules.no_public_holidays


def test_it_renders_every_policy_page_for_a_manager(client_for: ClientFor, manager: User) -> None:
    policy, number = standard_v1()
    step = policy.versions.get(number=number).steps.first()
    template = MessageTemplate.objects.get(key="first-letter", channel="letter", locale="fr")
    client = client_for(manager)
    client.post(f"/policies/{policy.pk}/draft/")
    draft_step = policy.versions.get(status=VersionStatus.DRAFT).steps.get(position=step.position)  # type: ignore[union-attr]
    pages = [
        "/policies/",
        f"/policies/{policy.pk}/",
        f"/policies/{policy.pk}/v{number}/",
        f"/policies/{policy.pk}/v{number + 1}/",
        f"/policies/{policy.pk}/v{number + 1}/steps/{draft_step.pk}/",
        "/policies/templates/?channel=letter&locale=fr",
        "/policies/templates/new/",
        f"/policies/templates/{template.pk}/",
        "/policies/margins/",
        "/policies/contact-rules/",
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    assert "Publish this version" in client.get(f"/policies/{policy.pk}/v{number + 1}/").content.decode()
