"""Debtors through the API: list with search and filters, read with contact points and totals, upsert."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.audit.models import AuditEvent
from apps.debtors.models import ContactPoint, Debtor
from apps.debtors.services import debtor_create
from apps.debts.services import debt_create

pytestmark = pytest.mark.django_db

UPSERT = "/api/v1/debtors/upsert/"


def test_it_lists_debtors_with_search_kind_filter_and_pagination(api, actor, camille):
    for i in range(5):
        debtor_create(external_ref=f"B-{i}", name=f"Boulangerie {i}", kind="business", actor=actor)

    page = api.get("/api/v1/debtors/?limit=2&offset=0").json()
    assert page["count"] == 6
    assert len(page["results"]) == 2
    assert page["next"].endswith("limit=2&offset=2")
    assert [d["name"] for d in api.get("/api/v1/debtors/?limit=2&offset=4").json()["results"]] == [
        "Boulangerie 4",
        "Camille Martin",
    ]
    assert api.get("/api/v1/debtors/?kind=business").json()["count"] == 5
    assert [d["external_ref"] for d in api.get("/api/v1/debtors/?search=camille@").json()["results"]] == ["C-100"]
    assert api.get("/api/v1/debtors/?search=b-3").json()["results"][0]["name"] == "Boulangerie 3"
    assert api.get("/api/v1/debtors/?search=martin").json()["count"] == 1


def test_it_refuses_an_unknown_filter_value(api):
    response = api.get("/api/v1/debtors/?kind=robot")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_it_reads_a_debtor_with_contact_points_and_totals_per_currency(api, actor, camille, invoice):
    debt_create(
        debtor=camille,
        external_ref="INV-USD",
        amount_minor=50_25,
        currency="USD",
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 10, 1),
        actor=actor,
    )
    body = api.get(f"/api/v1/debtors/{camille.pk}/").json()
    assert body["external_ref"] == "C-100"
    assert body["contact_points"][0]["kind"] == "email"
    assert body["contact_points"][0]["value"] == "camille@example.fr"
    assert body["contact_points"][0]["is_primary"] is True
    assert body["totals"] == [
        {"currency": "EUR", "balance_minor": 12000, "balance": "120.00", "debts": 1, "active_debts": 1},
        {"currency": "USD", "balance_minor": 5025, "balance": "50.25", "debts": 1, "active_debts": 1},
    ]


def test_it_answers_404_for_an_unknown_debtor(api):
    assert api.get("/api/v1/debtors/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_upsert_creates_then_updates_then_leaves_unchanged(api, write_key):
    item = {
        "external_ref": "C-7",
        "name": "Zoé Lefèvre",
        "kind": "person",
        "preferred_language": "fr",
        "lifetime_revenue": "1250.50",
        "emails": [{"value": "Zoe.Lefevre@Example.fr", "is_primary": True, "consent": "granted"}],
        "phones": [{"value": "06 12 34 56 78", "label": "mobile"}],
        "address": {"line1": "8 rue Victor Hugo", "postal_code": "69002", "city": "Lyon", "country": "fr"},
    }
    created = api.post(UPSERT, item, format="json")
    assert created.status_code == 201
    assert created.json()["created"] == 1
    debtor = Debtor.objects.get(external_ref="C-7")
    assert debtor.lifetime_revenue_minor == 1250_50
    assert debtor.lifetime_revenue_currency == "EUR"
    values = sorted(ContactPoint.objects.filter(debtor=debtor).values_list("kind", "value"))
    assert values == [
        ("address", "8 rue Victor Hugo, 69002 Lyon, FR"),
        ("email", "zoe.lefevre@example.fr"),
        ("phone", "+33612345678"),
    ]

    again = api.post(UPSERT, item, format="json")
    assert again.status_code == 200
    assert again.json()["unchanged"] == 1
    assert ContactPoint.objects.filter(debtor=debtor).count() == 3

    changed = api.post(
        UPSERT,
        {"external_ref": "C-7", "name": "Zoé Lefèvre-Martin", "emails": [{"value": "zoe@work.example"}]},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["results"] == [{"index": 0, "external_ref": "C-7", "status": "updated", "id": str(debtor.pk)}]
    debtor.refresh_from_db()
    assert debtor.name == "Zoé Lefèvre-Martin"
    assert debtor.preferred_language == "fr"  # left out, so left as it was
    assert ContactPoint.objects.filter(debtor=debtor).count() == 4

    key = write_key[0]
    actions = list(AuditEvent.objects.filter(actor_api_key_id=key.pk).order_by("id").values_list("action", flat=True))
    assert actions == [
        "debtor.created",
        "contact_point.added",
        "contact_point.added",
        "contact_point.added",
        "debtor.updated",
        "contact_point.added",
    ]
    assert AuditEvent.objects.filter(actor_label__startswith=f"API key {key.prefix}").count() == 6


def test_a_contact_attribute_change_counts_as_an_update(api, camille):
    response = api.post(
        UPSERT,
        {"external_ref": "C-100", "emails": [{"value": "CAMILLE@example.fr", "consent": "revoked"}]},
        format="json",
    )
    assert response.json()["updated"] == 1
    assert ContactPoint.objects.get(debtor=camille).consent == "revoked"


def test_bulk_upsert_lands_valid_items_and_reports_each_rejected_one(api):
    response = api.post(
        UPSERT,
        {
            "debtors": [
                {"external_ref": "D-1", "name": "Ana Nowak"},
                {"external_ref": "D-2"},
                {"external_ref": "D-3", "name": "Bad Mail", "emails": [{"value": "not-an-email"}]},
                {"external_ref": "D-1", "name": "Ana again"},
                {"external_ref": "D-4", "name": "Rich", "lifetime_revenue": "12.345"},
                {"external_ref": "D-5", "name": "Tz", "timezone": "Mars/Olympus"},
                {"name": "No ref", "kind": "alien"},
                {"external_ref": "D-7", "name": "Only currency", "lifetime_revenue_currency": "USD"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (1, 0, 0, 7)
    errors = {(e["index"], e["field"]) for e in body["errors"]}
    assert errors == {
        (1, "name"),
        (2, "emails[0].value"),
        (3, "external_ref"),
        (4, "lifetime_revenue"),
        (5, "timezone"),
        (6, "external_ref"),
        (6, "kind"),
        (7, "lifetime_revenue"),
    }
    messages = {e["index"]: e["message"] for e in body["errors"]}
    assert "not a valid email address" in messages[2]
    assert "also item 0" in messages[3]
    assert "more decimals than EUR allows" in messages[4]
    assert list(Debtor.objects.values_list("external_ref", flat=True)) == ["D-1"]
    assert not ContactPoint.objects.exists()


def test_a_rejected_single_upsert_answers_400_and_changes_nothing(api):
    response = api.post(
        UPSERT,
        {"external_ref": "E-1", "name": "Eve", "phones": [{"value": "12"}], "emails": [{"value": "eve@example.com"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "external_ref": "E-1", "field": "phones[0].value", "message": "“12” is not a valid phone number."}
    ]
    assert not Debtor.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([{"external_ref": "X"}], "non_field_errors"),
        ({"debtors": "nope"}, "debtors"),
        ({"debtors": []}, "debtors"),
        ({"debtors": [1, 2]}, "debtors"),
    ],
)
def test_a_malformed_request_answers_400_naming_the_problem(api, payload, field):
    response = api.post(UPSERT, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Debtor.objects.exists()


def test_invalid_json_answers_400(api):
    response = api.post(UPSERT, '{"external_ref": "X", ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_form_encoded_body_is_refused(api):
    assert api.post(UPSERT, {"external_ref": "X", "name": "Y"}).status_code == 415


def test_a_body_over_the_size_limit_answers_413(api):
    padding = "x" * (3 * 1024 * 1024)
    response = api.post(
        UPSERT, f'{{"external_ref": "X", "name": "Y", "notes": "{padding}"}}', content_type="application/json"
    )
    assert response.status_code == 413
    assert "larger than 2.5 MB" in response.json()["detail"]
    assert not Debtor.objects.exists()


def test_a_deeply_nested_body_answers_400(api):
    response = api.post(UPSERT, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_more_than_a_thousand_debtors_in_one_request_is_refused(api):
    items = [{"external_ref": f"R-{i}", "name": "N"} for i in range(1001)]
    response = api.post(UPSERT, {"debtors": items}, format="json")
    assert response.status_code == 400
    assert "no more than 1000" in response.json()["debtors"][0]
    assert not Debtor.objects.exists()
