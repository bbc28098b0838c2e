"""Every API request needs a valid, unrevoked key of the tenant whose host it calls; read-only keys only read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from apps.api.models import ApiKey
from apps.api.services import api_key_revoke
from apps.audit.services import Actor

pytestmark = pytest.mark.django_db


def test_it_answers_401_without_a_key(api_for):
    response = api_for().get("/api/v1/debtors/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert "API key is required" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Api-Key", "Api-Key nodot", "Api-Key .secret", "Api-Key prefix.", "Bearer abc.def", "Token abc"],
)
def test_it_answers_401_to_a_malformed_header(api_for, write_key, header):
    client = api_for()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/debtors/").status_code == 401


def test_it_answers_401_to_a_wrong_secret(api_for, write_key):
    key, _ = write_key
    assert api_for(f"{key.prefix}.not-the-secret").get("/api/v1/debtors/").status_code == 401


def test_it_answers_401_to_a_revoked_key(api_for, write_key, owner):
    api_key_revoke(key=write_key[0], actor=Actor.for_user(owner))
    response = api_for(write_key).get("/api/v1/debts/")
    assert response.status_code == 401
    assert response.json() == {"detail": "This API key was revoked."}


def test_a_read_only_key_reads_but_cannot_write(api_for, read_key):
    client = api_for(read_key)
    assert client.get("/api/v1/debtors/").status_code == 200
    response = client.post("/api/v1/debtors/upsert/", {"external_ref": "X", "name": "X"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "This API key is read-only."}
    payment = client.post("/api/v1/payments/", {}, format="json")
    assert payment.status_code == 403


def test_it_records_when_a_key_was_last_used(api_for, write_key):
    key, _ = write_key
    assert key.last_used_at is None
    api_for(write_key).get("/api/v1/debtors/")
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert (timezone.now() - key.last_used_at).total_seconds() < 60


def test_a_key_of_another_tenant_is_unknown_here(api_for, globex_key):
    response = api_for(globex_key).get("/api/v1/debtors/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid API key."}


def test_another_tenants_objects_are_not_found(api_for, globex_key, other_tenant, tenant, camille, invoice, api):
    payment = {
        "debt_id": str(invoice.pk),
        "amount": "10",
        "currency": "EUR",
        "received_on": "2026-10-05",
        "method": "transfer",
        "reference": "T-1",
    }
    paid = api.post("/api/v1/payments/", payment, format="json")
    assert paid.status_code == 201
    outsider = api_for(globex_key, on=other_tenant)
    urls = [
        f"/api/v1/debtors/{camille.pk}/",
        f"/api/v1/debts/{invoice.pk}/",
        f"/api/v1/payments/{paid.json()['id']}/",
    ]
    for url in urls:
        assert outsider.get(url).status_code == 404, url
    assert outsider.get("/api/v1/debtors/").json()["count"] == 0
    assert outsider.get("/api/v1/debts/").json()["count"] == 0
    assert outsider.get("/api/v1/payments/").json()["count"] == 0
    refused = outsider.post("/api/v1/payments/", {**payment, "reference": "T-2"}, format="json")
    assert refused.status_code == 400
    assert "debt_id" in refused.json()
    connection.set_tenant(tenant)
    assert ApiKey.objects.count() == 1
