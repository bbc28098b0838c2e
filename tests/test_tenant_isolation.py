"""A staff user or API key of one tenant gets 404 for every object of another tenant, on every URL that names one.

The test walks the tenant URLconf, so a new URL with an object in its path fails here until it is covered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.services import invitation_create
from apps.accounts.tokens import invitation_token_make
from apps.api.models import ApiKeyScope
from apps.api.services import api_key_create
from apps.arrangements.models import Arrangement, Instalment
from apps.audit.services import Actor
from apps.casework.models import CaseAttachment
from apps.casework.services import case_open
from apps.debtors.services import contact_point_add, debtor_create
from apps.debts.services import debt_create, debt_payment_record
from apps.escalations.models import AgencyHandoff
from apps.experiments.models import Arm, Experiment
from apps.imports.models import ImportJob
from apps.outbox.models import Message
from apps.outbox.unsubscribe import unsubscribe_token
from apps.payments.models import CardPayment, SavedCard
from apps.policies.models import CallScript
from apps.policies.services import policy_create, step_add, template_save
from apps.portal.access import SESSION_KEY
from apps.portal.links import portal_token
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# Path parts that name no object.
NOT_OBJECTS = {"name"}
# Provider webhooks: authorised by the provider's signature, not by a tenant's object (tests/outbox/test_sms.py).
WEBHOOKS = {"outbox:sms_inbound", "outbox:sms_status"}


def url_names_with_kwargs() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
                walk(entry.url_patterns, ns or "")
            elif isinstance(entry, URLPattern) and entry.pattern.regex.groupindex:
                name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
                if name not in WEBHOOKS:
                    found.append((name, list(entry.pattern.regex.groupindex)))

    walk(get_resolver("config.urls_tenant").url_patterns, "")
    return found


@pytest.fixture
def globex_objects(other_tenant, tenant, outsider) -> dict[str, Any]:
    """One object of every kind a URL can name, all in globex's schema."""
    with schema_context(other_tenant.schema_name):
        actor = Actor.for_user(outsider)
        debtor = debtor_create(external_ref="G-1", name="Gina Globex", actor=actor)
        contact = contact_point_add(debtor=debtor, kind="email", value="gina@globex.test", actor=actor)
        debt = debt_create(
            debtor=debtor,
            external_ref="G-INV-1",
            amount_minor=500_00,
            currency="USD",
            issue_date=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 10, 1),
            actor=actor,
        )
        payment = debt_payment_record(
            debt=debt, amount_minor=10_00, received_on=dt.date(2026, 11, 1), method="cheque", actor=actor
        )
        colleague = make_user(Role.AGENT, "gus@globex.test")
        invitation = invitation_create(email="new@globex.test", role=Role.AGENT, invited_by=outsider, actor=actor)
        token = invitation_token_make(
            invitation_public_id=str(invitation.public_id), schema_name=other_tenant.schema_name
        )
        key, _full = api_key_create(name="Globex ERP", scope=ApiKeyScope.READ, actor=actor)
        job = ImportJob.objects.create(default_currency="USD", created_by=outsider, created_by_label=outsider.email)
        # Policy ids are per-schema serials: a second globex policy and template have ids acme does not use.
        policy = policy_create(name="Globex only", segments=[], priority=5, actor=actor)
        step = step_add(
            version=policy.versions.get(),
            kind="schedule",
            offset_days=1,
            channel="email",
            template_key="overdue",
            stage="friendly",
            actor=actor,
        )
        template, _warnings = template_save(
            template=None,
            key="globex-only",
            channel="sms",
            locale="en",
            stage="friendly",
            subject="",
            body="{{ total }} is due: {{ portal_link }} Reply STOP to opt out.",
            actor=actor,
        )
        phone_task = Message.objects.create(
            idempotency_key="globex-call",
            debtor=debtor,
            channel="phone",
            to_address="+12125550100",
            locale="en",
            stage="friendly",
            body="Call script",
            status="sent",
            created_by_label="test",
        )
        unsubscribe = unsubscribe_token(debtor_id=debtor.pk, channel="email")
        case = case_open(kind="dispute", debtor=debtor, subject="Globex dispute", actor=actor, debt=debt)
        attachment = CaseAttachment.objects.create(
            case=case,
            file=ContentFile(b"%PDF-1.4", name="proof.pdf"),
            original_name="proof.pdf",
            content_type="application/pdf",
            size=8,
        )
        portal = portal_token(debtor_id=debtor.pk)
        arrangement = Arrangement.objects.create(
            debt=debt,
            kind="plan",
            status="active",
            balance_minor=490_00,
            total_minor=490_00,
            currency="USD",
            within_margins=True,
            created_by_label="test",
        )
        instalment = Instalment.objects.create(
            arrangement=arrangement, number=0, due_on=dt.date(2026, 12, 1), amount_minor=100_00
        )
        card_payment = CardPayment.objects.create(
            debt=debt, purpose="full", amount_minor=490_00, currency="USD", status="succeeded", created_by_label="test"
        )
        script = CallScript.objects.first()
        handoff = AgencyHandoff.objects.create(
            debt=debt,
            agency_name="Globex Recovery",
            commission_pct=30,
            balance_minor=490_00,
            expected_net_minor=343_00,
            currency="USD",
            reason="test",
            handed_off_at=timezone.now(),
            handed_off_by_label="test",
        )
        experiment = Experiment.objects.create(policy=policy, name="Globex test", created_by_label="test")
        arm = Arm.objects.create(experiment=experiment, position=1, kind="holdout", weight=1)
        saved_card = SavedCard.objects.create(
            debtor=debtor,
            arrangement=arrangement,
            stripe_payment_method_id="pm_globex",
            last4="4242",
            consent_text="I agree",
            consented_at=timezone.now(),
        )
    connection.set_tenant(tenant)
    return {
        "message_id": phone_task.pk,
        "unsubscribe_token": unsubscribe,
        "portal_token": portal,
        "debtor_id": debtor.pk,
        "contact_id": contact.pk,
        "debt_id": debt.pk,
        "payment_id": payment.pk,
        "public_id": colleague.public_id,
        "invitation": invitation.public_id,
        "token": token,
        "prefix": key.prefix,
        "job_id": job.pk,
        "policy_id": policy.pk,
        "number": 1,
        "step_id": step.pk,
        "template_id": template.pk,
        "case_id": case.pk,
        "attachment_id": attachment.pk,
        "arrangement_id": arrangement.pk,
        "instalment_id": instalment.pk,
        "card_payment_id": card_payment.pk,
        "card_id": saved_card.pk,
        "experiment_id": experiment.pk,
        "arm_id": arm.pk,
        "script_id": script.pk,
        "handoff_id": handoff.pk,
    }


def kwargs_for(url_name: str, names: list[str], objects: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        if name == "name":
            values[name] = "dispute"
        elif url_name == "outbox:unsubscribe":
            values[name] = objects["unsubscribe_token"]
        elif url_name == "portal:open":
            values[name] = objects["portal_token"]
        elif name == "public_id" and "invitation" in url_name:
            values[name] = objects["invitation"]
        else:
            assert name in objects, f"{url_name}: no object of another tenant for <{name}>; add one to this test"
            values[name] = objects[name]
    return values


def test_every_url_naming_an_object_is_covered(globex_objects):
    for url_name, names in url_names_with_kwargs():
        kwargs_for(url_name, names, globex_objects)  # raises if a kind of object is missing


def test_staff_of_one_tenant_get_404_for_every_object_of_another(globex_objects, client_for, owner):
    client = client_for(owner)
    # Signed in to the portal as an acme debtor too, so portal pages answer for the object, not with a sign-in page.
    session = client.session
    session[SESSION_KEY] = str(debtor_create(external_ref="A-PORTAL", name="Ann Acme", actor=Actor.for_user(owner)).pk)
    session.save()
    checked = []
    for url_name, names in url_names_with_kwargs():
        if url_name.startswith("api:") and not url_name.startswith("api:key"):
            continue  # API endpoints: see the API key test below
        url = reverse(url_name, kwargs=kwargs_for(url_name, names, globex_objects))
        statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        if url_name == "accounts:invitation_accept":
            # A link minted for another tenant is refused like a tampered one; nobody gets an account.
            assert set(statuses.values()) <= {400, 404, 405}, (url, statuses)
        else:
            # 405 is a method the view does not serve at all; every served method answers 404.
            assert set(statuses.values()) <= {404, 405}, (url, statuses)
            assert 404 in statuses.values(), (url, statuses)
        checked.append(url_name)
    assert "debts:detail" in checked
    assert "debtors:contact_edit" in checked
    assert {"portal:open", "portal:letter_pdf", "portal:help_dispute", "portal:help_request"} <= set(checked)
    assert {"casework:detail", "casework:attachment"} <= set(checked)
    assert {"casework:claim", "casework:assign", "casework:note", "casework:call", "casework:phone_task"} <= set(
        checked
    )
    assert {"portal:options", "portal:arrangement", "arrangements:approve", "arrangements:instalment_payment"} <= set(
        checked
    )
    assert {"portal:pay_full", "portal:pay_instalment", "portal:pay_result", "portal:pay_receipt"} <= set(checked)
    assert {"portal:saved_card_revoke", "payments:refund"} <= set(checked)
    assert {"experiments:detail", "experiments:arm_edit", "experiments:report"} <= set(checked)
    assert {"policies:script_edit", "escalations:handoff", "escalations:recall"} <= set(checked)


def test_an_api_key_of_one_tenant_gets_404_for_every_object_of_another(globex_objects, tenant, owner):
    _key, full = api_key_create(name="Acme ERP", scope=ApiKeyScope.WRITE, actor=Actor.for_user(owner))
    client = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {full}")
    checked = []
    for url_name, names in url_names_with_kwargs():
        if not url_name.startswith("api:") or url_name.startswith("api:key"):
            continue
        url = reverse(url_name, kwargs=kwargs_for(url_name, names, globex_objects))
        assert client.get(url).status_code == 404, url
        checked.append(url_name)
    assert {"api:debtor", "api:debt", "api:payment"} <= set(checked)


def test_an_api_key_only_works_on_its_own_tenant(globex_objects, other_tenant, tenant, outsider):
    with schema_context(other_tenant.schema_name):
        _key, full = api_key_create(name="Globex BI", scope=ApiKeyScope.READ, actor=Actor.for_user(outsider))
    connection.set_tenant(tenant)
    client = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {full}")
    assert client.get(reverse("api:debtors")).status_code == 401
