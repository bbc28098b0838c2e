"""Every table of the dashboard as CSV (the same rows, locale-independent) and from the read API (the same figures,
documented in the OpenAPI schema)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from apps.policies.models import Policy
from apps.reporting.tables import TABLES
from tests.reporting.conftest import PERIOD

pytestmark = pytest.mark.django_db

EXPORT = "/reports/export.csv"


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


class TableCells(HTMLParser):
    """The body rows of the table in one section of the dashboard, as the text of their cells."""

    def __init__(self, section_id: str) -> None:
        super().__init__()
        self.section_id = section_id
        self.in_section = self.in_body = self.in_cell = False
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.in_section = dict(attrs).get("id") == self.section_id
        elif self.in_section and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.rows[-1][-1] += data.strip()


def page_rows(html: str, slug: str) -> list[list[str]]:
    parser = TableCells(f"report-{slug}")
    parser.feed(html)
    return parser.rows


def test_the_aging_csv_has_the_tables_rows_in_decimal_with_a_currency(world, client_for, viewer):
    client = client_for(viewer)
    response = client.get(EXPORT, {**PERIOD, "table": "aging"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="aging-2026-10-01-2026-11-20-EUR.csv"'
    rows = read_csv(response)
    assert [(r["bucket"], r["debts"], r["outstanding"], r["share_pct"], r["currency"]) for r in rows] == [
        ("current", "1", "100.00", "12.0", "EUR"),
        ("1-30", "1", "150.00", "18.1", "EUR"),
        ("31-60", "1", "100.00", "12.0", "EUR"),
        ("61-90", "1", "400.00", "48.2", "EUR"),
        ("90+", "1", "80.00", "9.6", "EUR"),
    ]
    # The same rows as the table on the page (which formats them for the reader), without the totals line.
    html = client.get("/reports/", PERIOD).content.decode()
    assert page_rows(html, "aging") == [
        [r["label"], r["debts"], f"€{Decimal(r['outstanding']):,.2f}", f"{r['share_pct']}%"] for r in rows
    ]


def test_every_table_exports_the_rows_the_page_shows(world, client_for, viewer):
    client = client_for(viewer)
    html = client.get("/reports/", PERIOD).content.decode()
    for slug, spec in TABLES.items():
        response = client.get(EXPORT, {**PERIOD, "table": slug})
        assert response.status_code == 200, slug
        rows = read_csv(response)
        on_page = page_rows(html, slug)
        if spec.vertical:
            assert len(rows) == 1, slug
            assert len(on_page) == len([c for c in spec.columns(None) if c.on_page]), slug
        else:
            assert len(rows) == len(on_page), slug
        assert ("currency" in rows[0]) == spec.money, slug


def test_the_recovered_and_summary_csv_match_the_hand_computed_figures(world, client_for, viewer):
    client = client_for(viewer)
    recovered = read_csv(client.get(EXPORT, {**PERIOD, "table": "recovered"}))
    assert [(r["month"], r["payments"], r["refunds"], r["chargebacks"], r["recovered"]) for r in recovered] == [
        ("2026-10", "450.00", "0.00", "150.00", "300.00"),
        ("2026-11", "250.00", "100.00", "0.00", "150.00"),
    ]
    (summary,) = read_csv(client.get(EXPORT, {**PERIOD, "table": "summary"}))
    assert summary == {
        "start": "2026-10-01",
        "end": "2026-11-20",
        "days": "51",
        "billed": "300.00",
        "recovered": "450.00",
        "written_off": "400.00",
        "discounts": "50.00",
        "outstanding": "830.00",
        "recovery_rate_pct": "26.0",
        "dso_days": "141.1",
        "currency": "EUR",
    }
    (usd,) = read_csv(client.get(EXPORT, {**PERIOD, "table": "summary", "currency": "USD"}))
    assert (usd["outstanding"], usd["dso_days"], usd["currency"]) == ("750.00", "", "USD")


def test_the_steps_csv_is_safe_to_open_in_a_spreadsheet(world, client_for, viewer):
    Policy.objects.filter(name="Reports test").update(name="=HYPERLINK(1)")
    rows = read_csv(client_for(viewer).get(EXPORT, {**PERIOD, "table": "steps"}))
    assert rows[0]["policy"] == "'=HYPERLINK(1)"
    assert (rows[0]["offset_days"], rows[0]["paid"], rows[0]["paid_pct"], rows[0]["opted_out_pct"]) == (
        "3",
        "1",
        "50.0",
        "50.0",
    )


def test_an_export_refuses_an_unknown_table_or_a_wrong_filter(client_for, viewer):
    client = client_for(viewer)
    assert client.get(EXPORT, {"table": "salaries"}).status_code == 404
    response = client.get(EXPORT, {"table": "aging", "currency": "JPY"})
    assert response.status_code == 400
    assert "Nothing is recorded in JPY" in response.content.decode()


def test_an_export_needs_a_signed_in_staff_user(client_for):
    assert client_for().get(EXPORT, {"table": "aging"}).status_code == 302


# --- API -------------------------------------------------------------------------------------------------------


@pytest.fixture
def api(api_for, read_key):
    return api_for(read_key)


def test_the_api_serves_the_aging_figures_with_money_in_minor_units(world, api):
    response = api.get("/api/v1/reports/aging/", PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert body["table"] == "aging"
    assert body["period"] == {"start": "2026-10-01", "end": "2026-11-20", "days": 51}
    assert body["currency"] == "EUR"
    assert body["rows"][3] == {
        "bucket": "61-90",
        "label": "61–90 days",
        "debts": 1,
        "outstanding_minor": 400_00,
        "outstanding": "400.00",
        "share_pct": "48.2",
    }
    assert body["total"] == {"debts": 5, "outstanding_minor": 830_00, "outstanding": "830.00", "share_pct": "100.0"}


def test_the_api_serves_the_same_figures_as_the_page(world, api, client_for, viewer):
    page = client_for(viewer).get("/reports/", {**PERIOD, "days": "7"})
    for slug, table in page.context["tables"].items():
        response = api.get(f"/api/v1/reports/{slug.replace('_', '-')}/", {**PERIOD, "days": "7"})
        assert response.status_code == 200, slug
        body = response.json()
        assert len(body["rows"]) == len(table.rows), slug
        for api_row, page_row in zip(body["rows"], table.rows, strict=True):
            for column in table.columns:
                value = page_row.get(column.key)
                if column.kind == "money":
                    assert api_row[f"{column.key}_minor"] == value, (slug, column.key)
                elif column.kind in ("count", "int"):
                    assert api_row[column.key] == value, (slug, column.key)
                elif column.kind in ("pct", "days"):
                    assert api_row[column.key] == (None if value is None else str(value)), (slug, column.key)
    steps = api.get("/api/v1/reports/steps/", {**PERIOD, "days": "7"}).json()
    assert [(r["debts"], r["paid"], r["cleared"]) for r in steps["rows"]] == [(3, 2, 1), (2, 2, 1)]
    assert steps["paid_within_days"] == 7
    assert steps["currency"] is None


def test_the_api_explains_a_wrong_filter(api):
    response = api.get("/api/v1/reports/summary/", {"period": "custom", "start": "2026-11-02", "end": "2026-11-01"})
    assert response.status_code == 400
    assert response.json()["start"] == ["The first day is after the last day."]


def test_the_api_needs_a_key(api_for):
    assert api_for().get("/api/v1/reports/aging/").status_code == 401


def test_the_schema_documents_every_report_endpoint(api_for):
    schema = api_for().get("/api/schema/?format=json").json()
    for slug in TABLES:
        operation = schema["paths"][f"/api/v1/reports/{slug.replace('_', '-')}/"]["get"]
        assert operation["security"] == [{"ApiKeyAuth": []}]
        assert {"200", "400", "401", "403"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} >= {"period", "start", "end", "currency", "days"}
    aging = schema["components"]["schemas"]["ReportAgingRow"]["properties"]
    assert {"bucket", "debts", "outstanding_minor", "outstanding", "share_pct"} <= set(aging)
