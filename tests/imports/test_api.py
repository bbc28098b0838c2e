"""POST /api/v1/debts/bulk-upsert/: the CSV import's checks and writes, answered with a report."""

from __future__ import annotations

import secrets

import pytest
from rest_framework.test import APIClient

from apps.api.models import ApiKey
from apps.audit.models import AuditEvent
from apps.debtors.models import Debtor
from apps.debts.models import Debt, EntryKind, LedgerEntry
from apps.debts.services import debt_balance_minor

URL = "/api/v1/debts/bulk-upsert/"


def key_for(owner, scope: str) -> str:
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(24)
    ApiKey.objects.create(
        name=f"{scope} key", prefix=prefix, secret_hash=ApiKey.hash_secret(secret), scope=scope, created_by=owner
    )
    return f"Api-Key {prefix}.{secret}"


@pytest.fixture
def api(tenant, owner) -> APIClient:
    client = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost")
    client.credentials(HTTP_AUTHORIZATION=key_for(owner, "write"))
    return client


def row(**overrides: object) -> dict[str, object]:
    base = {
        "debtor_ref": "C-1",
        "debtor_name": "Camille Martin",
        "email": "camille@example.fr",
        "debt_ref": "INV-1",
        "amount": "120.50",
        "currency": "EUR",
        "issue_date": "2026-01-10",
        "due_date": "2026-02-10",
    }
    return base | overrides


def test_it_creates_debts_and_reports_counts(api):
    response = api.post(URL, {"rows": [row(), row(debt_ref="INV-2", amount="80")]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"], body["errors"]) == (2, 0, 0, 0, [])
    assert Debt.objects.get(external_ref="INV-1").original_amount_minor == 12050
    assert Debtor.objects.get(external_ref="C-1").contact_points.get().value == "camille@example.fr"
    assert AuditEvent.objects.filter(action="import.completed", actor_label__startswith="API key").count() == 1


def test_it_changes_nothing_when_the_same_rows_come_twice(api):
    api.post(URL, {"rows": [row()]}, format="json")

    body = api.post(URL, {"rows": [row()]}, format="json").json()

    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 1)
    assert LedgerEntry.objects.count() == 1


def test_it_adjusts_a_changed_amount(api):
    api.post(URL, {"rows": [row()]}, format="json")

    body = api.post(URL, {"rows": [row(amount="100")]}, format="json").json()

    debt = Debt.objects.get(external_ref="INV-1")
    assert body["updated"] == 1
    assert LedgerEntry.objects.get(debt=debt, kind=EntryKind.ADJUSTMENT).amount_minor == -2050
    assert debt_balance_minor(debt) == 10000


def test_it_reports_bad_rows_and_lands_the_good_ones(api):
    rows = [
        row(),
        row(debt_ref="INV-2", amount="-3"),
        row(debt_ref="INV-3", amount="ten"),
        row(debt_ref="INV-4", amount="10.123"),
        row(debt_ref="INV-5", amount="10.5", currency="JPY"),
        row(debt_ref="INV-6", currency="ABC"),
        row(debt_ref="INV-7", issue_date="2026-02-30"),
        row(debt_ref="INV-8", issue_date="2026-03-01", due_date="2026-02-01"),
        row(debt_ref="INV-1"),
        row(debt_ref="INV-9", issue_date="10/01/2026"),
        row(debt_ref="INV-10", debtor_name=None),
    ]

    response = api.post(URL, {"rows": rows}, format="json")

    assert response.status_code == 200
    body = response.json()
    errors = {(e["row"], e["field"]): e["message"] for e in body["errors"]}
    assert errors[(1, "amount")] == "The amount -3 is negative."
    assert "“ten” is not a number" in errors[(2, "amount")]
    assert errors[(3, "amount")] == "10.123 has more decimals than EUR allows (2)."
    assert errors[(4, "amount")] == "10.5 has more decimals than JPY allows (0)."
    assert errors[(5, "currency")] == "“ABC” is not an ISO 4217 currency code."
    assert "“2026-02-30” is not a valid date" in errors[(6, "issue_date")]
    assert errors[(7, "due_date")] == "The due date is before the issue date."
    assert errors[(0, "debt_ref")] == "Reference INV-1 is also on row 8."
    assert errors[(8, "debt_ref")] == "Reference INV-1 is also on row 0."
    assert "expected YYYY-MM-DD" in errors[(9, "issue_date")]
    assert errors[(10, "debtor_name")] == "A debtor name is required."
    assert (body["created"], body["rejected"]) == (0, 11)
    assert not Debt.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([row()], "detail"),
        ({"rows": "INV-1"}, "rows"),
        ({"rows": []}, "rows"),
        ({}, "rows"),
        ({"rows": [row(), "INV-2"]}, "rows"),
        ({"rows": [row(amount=["120"])]}, "rows"),
        ({"rows": [row(amout="120")]}, "rows"),
    ],
)
def test_it_refuses_a_malformed_payload_with_field_messages(api, payload, field):
    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Debt.objects.exists()


def test_it_points_at_the_row_and_field_of_a_wrong_type(api):
    response = api.post(URL, {"rows": [row(), row(amount={"value": 1})]}, format="json")

    assert response.json() == {"rows": {"1": {"amount": ["Expected a string, got dict."]}}}


def test_it_refuses_more_than_50000_rows(api):
    response = api.post(URL, {"rows": [{}] * 50_001}, format="json")

    assert response.status_code == 400
    assert "At most 50000 rows" in response.json()["rows"][0]


def test_it_requires_an_api_key(tenant):
    response = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost").post(URL, {"rows": [row()]}, format="json")

    assert response.status_code == 401


def test_it_refuses_a_read_only_key(tenant, owner):
    client = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost")
    client.credentials(HTTP_AUTHORIZATION=key_for(owner, "read"))

    response = client.post(URL, {"rows": [row()]}, format="json")

    assert response.status_code == 403
    assert not Debt.objects.exists()


def test_it_documents_the_endpoint_in_the_openapi_schema(tenant):
    response = APIClient(HTTP_HOST=f"{tenant.subdomain}.localhost").get("/api/schema/?format=json")

    schema = response.json()
    operation = schema["paths"]["/api/v1/debts/bulk-upsert/"]["post"]
    assert operation["operationId"] == "debts_bulk_upsert"
    assert "BulkReportOut" in str(operation["responses"]["200"])
    assert "rows" in schema["components"]["schemas"]["BulkUpsertInRequest"]["properties"]
