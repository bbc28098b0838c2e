"""The reports dashboard: who may read it, what it shows in the reader's language, its charts under the strict CSP,
its filters, and a number of queries that does not grow with the data."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.debts.services import debt_payment_record
from apps.reporting.charts import Series, bar_chart
from tests.factories import TODAY, make_debt, make_debtor
from tests.reporting.conftest import PERIOD

pytestmark = pytest.mark.django_db

URL = "/reports/"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.inline_styles = 0
        self.scripts: list[dict[str, str | None]] = []
        self.style_elements = 0
        self.svgs: list[dict[str, str | None]] = []
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if "style" in a:
            self.inline_styles += 1
        if tag == "script":
            self.scripts.append(a)
        elif tag == "style":
            self.style_elements += 1
        elif tag == "svg":
            self.svgs.append(a)
        elif tag == "h1":
            self.h1 += 1


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.mark.parametrize("persona", ["owner", "manager", "agent", "viewer"])
def test_it_shows_the_reports_to_every_staff_role(persona, request, client_for, tenant):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(URL)
    assert response.status_code == 200
    assert b"Outstanding by days past due" in response.content


def test_it_sends_a_signed_out_visitor_to_sign_in(client_for):
    response = client_for().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_user_of_another_tenant_is_not_signed_in_here(client_for, outsider, other_tenant):
    client = client_for(outsider, on=other_tenant)
    client.defaults["HTTP_HOST"] = "acme.localhost"
    assert client.get(URL).status_code == 302


def test_it_shows_the_hand_computed_figures(world, client_for, viewer):
    response = client_for(viewer).get(URL, PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    kpis = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert kpis["Outstanding on the last day"] == "€830.00"
    assert kpis["Recovered in the period"] == "€450.00"
    assert kpis["Recovery rate"] == "26.0%"
    assert kpis["DSO"] == "141.1 days"
    assert kpis["Promises kept"] == "33.3%"
    assert kpis["Plans on track"] == "66.7%"
    assert kpis["Open cases"] == "4"
    assert "Reports test v1 · day +3 · Email · overdue" in html


def test_it_speaks_the_readers_language(world, client_for, viewer):
    client = client_for(viewer)
    client.cookies["django_language"] = "fr"
    html = client.get(URL, PERIOD).content.decode()
    assert "830,00\xa0€" in html
    assert "octobre 2026" in html
    assert "26,0\xa0%" in html


def test_the_currency_selector_shows_one_currency(world, client_for, viewer):
    html = client_for(viewer).get(URL, {**PERIOD, "currency": "USD"}).content.decode()
    assert "$750.00" in html
    assert "€" not in re.sub(r"<select.*?</select>", "", html, flags=re.S)


def test_the_page_and_its_charts_keep_to_the_strict_csp_and_are_accessible(world, client_for, viewer):
    response = client_for(viewer).get(URL, PERIOD)
    html = response.content.decode()
    page = parse(html)
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert page.inline_styles == 0
    assert page.style_elements == 0
    assert page.scripts
    assert all(s.get("src") for s in page.scripts)
    assert len(page.ids) == len(set(page.ids)), sorted(i for i in page.ids if page.ids.count(i) > 1)
    assert page.h1 == 1
    charts = [svg for svg in page.svgs if svg.get("role") == "img"]
    assert {svg["id"] for svg in charts} == {
        "chart-aging",
        "chart-recovered",
        "chart-promises",
        "chart-plans",
        "chart-cases",
        "chart-steps",
        "chart-reasons",
        "chart-reasons-monthly",
    }
    for svg in charts:
        title_id, desc_id = str(svg["aria-labelledby"]).split()
        assert title_id in page.ids
        assert desc_id in page.ids
    assert "<title>61–90 days: €400.00</title>" in html  # each bar says its value
    assert "javascript" not in html.lower().replace("js/reports.js", "")


def test_a_chart_escapes_what_people_typed():
    svg = bar_chart(
        chart_id="chart-x",
        title="<b>Title</b>",
        description="a & b",
        labels=["<script>alert(1)</script>"],
        series=[Series("S", [1.0], ["1 <i>x</i>"])],
    )
    for tag in ("<script>", "<b>", "<i>"):
        assert tag not in svg
    assert "&lt;b&gt;Title&lt;/b&gt;" in svg


def test_it_explains_a_wrong_period_and_shows_no_figures(client_for, viewer):
    client = client_for(viewer)
    response = client.get(URL, {"period": "custom", "start": "2026-11-01", "end": "2026-12-31"})
    assert response.status_code == 400
    assert "The last day is after today" in response.content.decode()
    assert b"At a glance" not in response.content
    response = client.get(URL, {"period": "custom", "start": "2026-11-10", "end": "2026-11-01"})
    assert "The first day is after the last day." in response.content.decode()
    response = client.get(URL, {"period": "custom", "start": "2026-11-10"})
    assert "Give the last day of the period." in response.content.decode()
    response = client.get(URL, {"currency": "JPY"})
    assert response.status_code == 400
    assert "Nothing is recorded in JPY" in response.content.decode()
    response = client.get(URL, {"days": "9"})
    assert response.status_code == 400


def test_a_preset_period_ends_today(client_for, viewer):
    response = client_for(viewer).get(URL, {"period": "30"})
    params = response.context["params"]
    assert (params.start.isoformat(), params.end, params.period_days) == ("2026-10-22", TODAY, 30)
    default = client_for(viewer).get(URL).context["params"]
    assert (default.period_days, default.currency, default.days) == (90, "EUR", 14)


def test_the_dashboard_makes_the_same_queries_whatever_the_data(world, client_for, viewer, actor):
    client = client_for(viewer)
    client.get(URL, PERIOD)  # session and caches warm
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, PERIOD).status_code == 200
    debtor = make_debtor(actor, "MORE-1", "More Data")
    for n in range(12):
        debt = make_debt(actor, debtor, f"MORE-{n}", 50_00 + n, days_past_due=n * 11)
        debt_payment_record(debt=debt, amount_minor=10_00, received_on=TODAY, method="cash", actor=actor)
    with CaptureQueriesContext(connection) as after:
        assert client.get(URL, PERIOD).status_code == 200
    assert len(after) == len(before)
    # Not counted: the schema switch before each statement, and the savepoint of the report's transaction.
    bookkeeping = ("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT")
    real = [q["sql"] for q in after.captured_queries if not q["sql"].startswith(bookkeeping)]
    # The tenant's domain, the session, the user; JIT off for the report's transaction; then the currencies and one
    # query per family of figures: aging, ledger flows, arrangements, cases, policy steps, latest reasons, reasons
    # per month.
    assert len(real) == 3 + 1 + 8
