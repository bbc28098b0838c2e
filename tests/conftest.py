"""Shared fixtures: two tenants created once per test database, and the named personas of each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from apps.accounts.models import Role, User
from apps.audit.services import Actor
from apps.tenants.models import Tenant
from tests.factories import NOW

PASSWORD = "correct-horse-battery-9"

TENANTS = {
    "acme": {
        "legal_name": "Acme Recouvrement SARL",
        "address_line1": "12 rue des Lilas",
        "postal_code": "69003",
        "city": "Lyon",
        "country": "FR",
        "jurisdiction": "FR",
        "default_locale": "en",
        "currency": "EUR",
        "timezone": "Europe/Paris",
    },
    "globex": {
        "legal_name": "Globex Corporation",
        "address_line1": "1 Main Street",
        "postal_code": "10001",
        "city": "New York",
        "country": "US",
        "jurisdiction": "US",
        "default_locale": "en",
        "currency": "USD",
        "timezone": "America/New_York",
    },
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The base schema and two tenants, created once per test database (kept with --reuse-db)."""
    from apps.policies.services import policies_install_defaults
    from apps.tenants.schema import base_schema_ensure
    from apps.tenants.services import tenant_create

    with django_db_blocker.unblock():
        base_schema_ensure()
        for subdomain, fields in TENANTS.items():
            existing = Tenant.objects.filter(subdomain=subdomain).first()
            if existing is not None:
                # A test database kept from an older commit: bring the tenant's defaults up to date.
                with schema_context(existing.schema_name):
                    policies_install_defaults(tenant=existing)
            else:
                tenant_create(
                    subdomain=subdomain,
                    owner_email=f"founder@{subdomain}.test",
                    owner_password=PASSWORD,
                    **fields,
                )
        connection.set_schema_to_public()


@pytest.fixture
def tenant(db: None) -> Iterator[Tenant]:
    """Tenant 'acme' (FR, EUR), with the connection inside its schema for the test."""
    t = Tenant.objects.get(subdomain="acme")
    connection.set_tenant(t)
    yield t
    connection.set_schema_to_public()


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    """Tenant 'globex' (US, USD): the outsider's tenant."""
    return Tenant.objects.get(subdomain="globex")


def make_user(role: str, email: str) -> User:
    return User.objects.create_user(email, PASSWORD, role=role, full_name=email.split("@")[0].title())


@pytest.fixture
def owner(tenant: Tenant) -> User:
    return make_user(Role.OWNER, "olivia.owner@acme.test")


@pytest.fixture
def manager(tenant: Tenant) -> User:
    return make_user(Role.MANAGER, "max.manager@acme.test")


@pytest.fixture
def agent(tenant: Tenant) -> User:
    return make_user(Role.AGENT, "ada.agent@acme.test")


@pytest.fixture
def viewer(tenant: Tenant) -> User:
    return make_user(Role.VIEWER, "vic.viewer@acme.test")


@pytest.fixture
def outsider(other_tenant: Tenant, tenant: Tenant) -> Iterator[User]:
    """A manager of globex. Created in globex's schema; the connection returns to acme afterwards."""
    with schema_context(other_tenant.schema_name):
        user = make_user(Role.MANAGER, "oscar.outsider@globex.test")
    connection.set_tenant(tenant)
    return user


@pytest.fixture
def actor(manager: User) -> Actor:
    return Actor.for_user(manager)


@pytest.fixture
def client_for(tenant: Tenant) -> Callable[..., Client]:
    """A browser signed in as `user` on a tenant's subdomain (acme unless told otherwise)."""

    def make(user: User | None = None, on: Tenant | None = None) -> Client:
        target = on or tenant
        client = Client(HTTP_HOST=f"{target.subdomain}.localhost")
        if user is not None:
            with schema_context(target.schema_name):
                client.force_login(user)
        return client

    return make


@pytest.fixture
def public_client() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    """The clock of the page tests: NOW (tests/factories.py), not ticking; `usefixtures("frozen_clock")`."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language. A request leaves its language active in the thread (the next
    request's middleware sets its own, but a test calling a service directly would read messages in it)."""
    yield
    translation.deactivate()
