"""The platform operator console: sign-in for operators only, the tenant list, suspend and reactivate."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.tenants.models import Tenant, TenantStatus

pytestmark = pytest.mark.django_db

OPERATOR_PASSWORD = "operator-passphrase-31"


@pytest.fixture
def operator(db):
    with schema_context("public"):
        return User.objects.create_user("ops@amiable.test", OPERATOR_PASSWORD, is_staff=True, full_name="Ops")


@pytest.fixture
def operator_client(operator, public_client):
    with schema_context("public"):
        public_client.force_login(operator)
    return public_client


def test_it_lists_tenants_with_their_counts(operator_client, owner, agent):
    connection.set_schema_to_public()

    response = operator_client.get("/operator/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Recouvrement SARL" in page
    assert "Globex Corporation" in page
    assert "France" in page
    rows = response.context["rows"]
    acme_counts = next(counts for t, counts in rows if t.subdomain == "acme")
    assert acme_counts.staff == 3  # the founder, the owner and the agent


def test_it_filters_tenants_by_name(operator_client):
    page = operator_client.get("/operator/", {"q": "globex"}).content.decode()

    assert "Globex Corporation" in page
    assert "Acme Recouvrement SARL" not in page


def test_it_suspends_with_a_reason_then_pages_show_the_notice_and_the_api_answers_403(
    operator_client, client_for, owner, tenant
):
    acme_browser = client_for(owner)
    assert acme_browser.get("/accounts/profile/").status_code == 200
    connection.set_schema_to_public()

    no_reason = operator_client.post(f"/operator/tenants/{tenant.pk}/suspend/", {"reason": "  "})
    assert no_reason.status_code == 400
    assert Tenant.objects.get(pk=tenant.pk).status == TenantStatus.ACTIVE

    done = operator_client.post(f"/operator/tenants/{tenant.pk}/suspend/", {"reason": "Unpaid subscription"})
    assert done.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).status == TenantStatus.SUSPENDED
    assert AuditEvent.objects.filter(action="tenant.suspended", reason="Unpaid subscription").exists()

    page = acme_browser.get("/accounts/profile/")
    assert page.status_code == 403
    assert "This account is suspended" in page.content.decode()
    assert "Unpaid subscription" in page.content.decode()
    api = Client(HTTP_HOST="acme.localhost").get("/api/v1/debtors/", HTTP_AUTHORIZATION="Api-Key whatever")
    assert api.status_code == 403
    assert "suspended" in api.json()["detail"]

    connection.set_schema_to_public()
    assert operator_client.post(f"/operator/tenants/{tenant.pk}/reactivate/").status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).status == TenantStatus.ACTIVE
    assert acme_browser.get("/accounts/profile/").status_code == 200


def test_it_sends_anonymous_visitors_to_the_operator_sign_in(public_client):
    response = public_client.get("/operator/")

    assert response.status_code == 302
    assert response["Location"].startswith("/operator/login/")


def test_it_refuses_a_public_user_who_is_not_an_operator(public_client):
    with schema_context("public"):
        someone = User.objects.create_user("someone@example.test", OPERATOR_PASSWORD)
        public_client.force_login(someone)

    assert public_client.get("/operator/").status_code == 403
    assert public_client.post("/operator/tenants/1/reactivate/").status_code == 403


def test_it_refuses_the_sign_in_form_to_non_operators(public_client):
    with schema_context("public"):
        User.objects.create_user("someone@example.test", OPERATOR_PASSWORD)

    response = public_client.post(
        "/operator/login/", {"username": "someone@example.test", "password": OPERATOR_PASSWORD}
    )

    assert response.status_code == 200
    assert "not a platform operator" in response.content.decode()


def test_it_does_not_let_a_tenant_owner_into_the_console(public_client, owner):
    connection.set_schema_to_public()
    response = public_client.post("/operator/login/", {"username": owner.email, "password": "correct-horse-battery-9"})

    assert response.status_code == 200
    assert public_client.get("/operator/").status_code == 302


def test_it_creates_an_operator_from_the_command_line_who_can_sign_in(public_client):
    call_command("create_operator", email="Root@Amiable.test", password=OPERATOR_PASSWORD)

    response = public_client.post("/operator/login/", {"username": "root@amiable.test", "password": OPERATOR_PASSWORD})

    assert response.status_code == 302
    assert public_client.get("/operator/").status_code == 200
