"""Signup on the public site: a business gets its schema, subdomain and owner, and lands signed in, in its language."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import Role, User
from apps.debtors.models import Debtor
from apps.tenants.models import Domain, Tenant

pytestmark = pytest.mark.django_db

SIGNUP = {
    "legal_name": "Lumière Créances SAS",
    "address_line1": "4 quai Saint-Antoine",
    "address_line2": "",
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
    "subdomain": "lumiere",
    "jurisdiction": "FR",
    "role": "agency",
    "default_locale": "fr",
    "currency": "EUR",
    "timezone": "Europe/Paris",
    "owner_name": "Louise Lumière",
    "owner_email": "Louise@Lumiere.test",
    "owner_password": "a-long-and-unusual-passphrase-7",
}


def signup(public_client: Client, **changes: str):
    return public_client.post("/signup/", {**SIGNUP, **changes})


def test_it_shows_the_landing_page_and_the_signup_form(public_client):
    assert "/signup/" in public_client.get("/").content.decode()
    page = public_client.get("/signup/").content.decode()
    assert 'name="subdomain"' in page
    assert 'name="timezone"' in page


def test_it_creates_the_tenant_and_hands_the_owner_over_signed_in_in_its_language(public_client):
    with schema_context(settings.TENANT_BASE_SCHEMA):
        base_migrations = set(MigrationRecorder.Migration.objects.values_list("app", "name"))

    response = signup(public_client)

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.hostname == "lumiere.localhost"
    assert target.port == 8000
    tenant = Tenant.objects.get(subdomain="lumiere")
    assert (tenant.legal_name, tenant.jurisdiction, tenant.role, tenant.default_locale) == (
        "Lumière Créances SAS",
        "FR",
        "agency",
        "fr",
    )
    assert schema_exists(tenant.schema_name)
    assert Domain.objects.get(tenant=tenant).domain == "lumiere.localhost"
    with schema_context(tenant.schema_name):
        owner = User.objects.get()
        assert (owner.email, owner.role, owner.language) == ("louise@lumiere.test", Role.OWNER, "fr")
        assert owner.check_password(SIGNUP["owner_password"])
        assert Debtor.objects.count() == 0  # the cloned schema has every tenant table
        assert set(MigrationRecorder.Migration.objects.values_list("app", "name")) == base_migrations

    browser = Client(HTTP_HOST="lumiere.localhost")
    landed = browser.get(f"{target.path}?{target.query}")
    assert landed.status_code == 302
    profile = browser.get("/accounts/profile/")
    connection.set_schema_to_public()
    assert profile.status_code == 200
    assert profile.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in profile.content.decode()
    assert "louise@lumiere.test" in profile.content.decode()


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("acme", "already taken"),
        ("www", "reserved"),
        ("api", "reserved"),
        ("admin", "reserved"),
        ("public", "reserved"),
        ("static", "reserved"),
        ("Bad_Name!", "lowercase letters"),
        ("-leading", "lowercase letters"),
        ("dots.inside", "lowercase letters"),
        ("x" * 64, "characters"),
    ],
)
def test_it_refuses_a_taken_reserved_or_malformed_subdomain_and_creates_nothing(public_client, subdomain, message):
    before = Tenant.objects.count()

    response = signup(public_client, subdomain=subdomain)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_subdomain_error"' in page
    assert message in page
    assert Tenant.objects.count() == before


def test_it_refuses_a_weak_password_and_an_unknown_timezone(public_client):
    response = signup(public_client, owner_password="password", timezone="Mars/Olympus_Mons")

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_owner_password_error"' in page
    assert 'id="id_timezone_error"' in page
    assert not Tenant.objects.filter(subdomain="lumiere").exists()
