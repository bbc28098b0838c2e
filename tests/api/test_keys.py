"""Owners manage API keys: a new key is shown once and stored only as a hash; a revoked key stops working."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.api.models import ApiKey
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _create(client, name="Accounting export", scope="read"):
    return client.post("/api/keys/new/", {"name": name, "scope": scope})


def test_it_shows_a_new_key_once_and_stores_only_its_hash(owner, client_for):
    client = client_for(owner)
    response = _create(client)
    assert response.status_code == 200
    page = response.content.decode()
    full_key = re.search(r'id="full-key"[^>]*value="([^"]+)"', page).group(1)
    prefix, secret = full_key.split(".", 1)
    assert "It will not be shown again" in page
    assert response["Cache-Control"].startswith("max-age=0")

    key = ApiKey.objects.get(prefix=prefix)
    assert key.name == "Accounting export"
    assert key.scope == "read"
    assert key.created_by == owner
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in key.secret_hash

    listing = client.get("/api/keys/").content.decode()
    assert "Accounting export" in listing
    assert prefix in listing
    assert secret not in listing
    event = AuditEvent.objects.get(action="api_key.created")
    assert event.actor_user == owner
    assert secret not in str(event.after)


def test_the_new_key_works_at_once(owner, client_for, api_for):
    page = _create(client_for(owner), scope="write").content.decode()
    full_key = re.search(r'value="([0-9a-f]{8}\.[^"]+)"', page).group(1)
    assert api_for(full_key).get("/api/v1/debtors/").status_code == 200


def test_it_refuses_a_key_without_a_name(owner, client_for):
    response = _create(client_for(owner), name="  ")
    assert response.status_code == 400
    assert ApiKey.objects.count() == 0


def test_revoking_asks_for_confirmation_then_locks_the_key_out(owner, client_for, write_key, api_for):
    key, full_key = write_key
    client = client_for(owner)
    confirm = client.get(f"/api/keys/{key.prefix}/revoke/")
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None

    response = client.post(f"/api/keys/{key.prefix}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_key.revoked", object_id=str(key.pk), actor_user=owner).exists()

    refused = api_for(full_key).get("/api/v1/debtors/")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


@pytest.mark.parametrize("persona", ["manager", "agent", "viewer"])
def test_only_owners_manage_keys(persona, request, client_for, write_key):
    key, _ = write_key
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/api/keys/").status_code == 403
    assert _create(client).status_code == 403
    assert client.post(f"/api/keys/{key.prefix}/revoke/").status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
    assert ApiKey.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client_for):
    response = client_for().get("/api/keys/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_tenants_owner_cannot_see_or_revoke_a_key(write_key, outsider, other_tenant, client_for, tenant):
    key, _ = write_key
    outsider.role = "owner"
    with schema_context(other_tenant.schema_name):
        outsider.save(update_fields=["role"])
    client = client_for(outsider, on=other_tenant)
    assert client.post(f"/api/keys/{key.prefix}/revoke/").status_code == 404
    assert key.prefix not in client.get("/api/keys/").content.decode()
    connection.set_tenant(tenant)
    key.refresh_from_db()
    assert key.revoked_at is None
