"""API personas: a write key and a read-only key of acme, a key of globex, and a client that sends a key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from apps.api.models import ApiKey, ApiKeyScope
from apps.api.services import api_key_create
from apps.audit.services import Actor
from apps.debtors.services import contact_point_add, debtor_create
from apps.debts.services import debt_create
from apps.tenants.models import Tenant

KeyPair = tuple[ApiKey, str]


@pytest.fixture
def write_key(owner: Any) -> KeyPair:
    return api_key_create(name="Billing sync", scope=ApiKeyScope.WRITE, actor=Actor.for_user(owner))


@pytest.fixture
def read_key(owner: Any) -> KeyPair:
    return api_key_create(name="BI dashboard", scope=ApiKeyScope.READ, actor=Actor.for_user(owner))


@pytest.fixture
def globex_key(outsider: Any, other_tenant: Tenant, tenant: Tenant) -> KeyPair:
    with schema_context(other_tenant.schema_name):
        pair = api_key_create(name="Globex ERP", scope=ApiKeyScope.WRITE, actor=Actor.for_user(outsider))
    connection.set_tenant(tenant)
    return pair


@pytest.fixture
def api_for(tenant: Tenant) -> Callable[..., APIClient]:
    """An HTTP client on a tenant's host (acme unless told otherwise) sending `key` as its API key."""

    def make(key: KeyPair | str | None = None, on: Tenant | None = None) -> APIClient:
        client = APIClient(HTTP_HOST=f"{(on or tenant).subdomain}.localhost")
        if key is not None:
            full = key if isinstance(key, str) else key[1]
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {full}")
        return client

    return make


@pytest.fixture
def api(api_for: Callable[..., APIClient], write_key: KeyPair) -> APIClient:
    return api_for(write_key)


@pytest.fixture
def camille(actor: Actor) -> Any:
    debtor = debtor_create(external_ref="C-100", name="Camille Martin", actor=actor)
    contact_point_add(debtor=debtor, kind="email", value="camille@example.fr", is_primary=True, actor=actor)
    return debtor


@pytest.fixture
def invoice(camille: Any, actor: Actor) -> Any:
    return debt_create(
        debtor=camille,
        external_ref="INV-100",
        amount_minor=120_00,
        currency="EUR",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        actor=actor,
    )
