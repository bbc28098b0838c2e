"""The OpenAPI schema documents every endpoint and the API key scheme; Swagger UI serves it under a strict CSP."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/debtors/": {"get"},
    "/api/v1/debtors/{debtor_id}/": {"get"},
    "/api/v1/debtors/upsert/": {"post"},
    "/api/v1/debts/": {"get"},
    "/api/v1/debts/{debt_id}/": {"get"},
    "/api/v1/debts/bulk-upsert/": {"post"},
    "/api/v1/payments/": {"get", "post"},
    "/api/v1/payments/{payment_id}/": {"get"},
}


@pytest.fixture
def schema(api_for):
    response = api_for().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_and_lists_every_endpoint(schema):
    validate_schema(schema)
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path
    assert not [p for p in schema["paths"] if "/keys/" in p or "/docs/" in p or "/schema/" in p]


def test_the_schema_generates_without_a_warning(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/payments/" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_documents_the_api_key_scheme_on_every_operation(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Api-Key <prefix>.<secret>" in scheme["description"]
    for path in ENDPOINTS:
        for operation in schema["paths"][path].values():
            assert operation["security"] == [{"ApiKeyAuth": []}]
            assert {"401", "403"} <= set(operation["responses"])


def test_the_schema_documents_bodies_and_money_fields(schema):
    components = schema["components"]["schemas"]
    payment_in = components["PaymentInRequest"]
    assert {"amount", "currency", "received_on", "method", "reference"} <= set(payment_in["required"])
    assert {"amount_minor", "amount", "currency"} <= set(components["PaymentOut"]["properties"])
    assert {"balance_minor", "balance", "original_amount_minor"} <= set(components["DebtListOut"]["properties"])
    upsert = schema["paths"]["/api/v1/debtors/upsert/"]["post"]
    assert upsert["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/DebtorUpsertRequest")
    assert {"201", "400"} <= set(schema["paths"]["/api/v1/payments/"]["post"]["responses"])


def test_the_docs_page_loads_without_inline_scripts_or_styles(api_for):
    client = api_for()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    assert all("src=" in tag for tag in scripts)
    assert "<style" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html

    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    init = client.get(script_url)
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


def test_the_api_is_not_served_on_the_public_site(public_client):
    assert public_client.get("/api/schema/").status_code == 404
    assert public_client.get("/api/v1/debtors/").status_code == 404
