"""The debts list: search, filters, pagination, balances, and totals per currency of what is shown."""

from __future__ import annotations

import pytest

from apps.debts.services import debt_adjust, debt_payment_record
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def book(actor):
    camille = make_debtor(actor, "C-100", "Camille Martin")
    bolt = make_debtor(actor, "B-200", "Bolt SARL", kind="business")
    inv1 = make_debt(actor, camille, "INV-1", 120_00, days_past_due=10, description="Kitchen tiles")
    debt_payment_record(debt=inv1, amount_minor=20_00, received_on=TODAY, method="cash", actor=actor)
    make_debt(actor, camille, "INV-2", 30_50, days_past_due=-5)
    usd = make_debt(actor, camille, "US-3", 99_00, currency="USD", days_past_due=45, description="Consulting")
    debt_adjust(debt=usd, amount_minor=1_00, reason="Late fee agreed", actor=actor)
    make_debt(actor, bolt, "INV-4", 5_000_00, days_past_due=120)
    paid = make_debt(actor, bolt, "INV-5", 40_00, days_past_due=70)
    debt_payment_record(debt=paid, amount_minor=40_00, received_on=TODAY, method="cash", actor=actor)
    return {"camille": camille, "bolt": bolt}


def refs(response) -> list[str]:
    return sorted(d.external_ref for d in response.context["page"].object_list)


def totals(response) -> dict[str, tuple[int, int]]:
    return {t.currency: (t.balance_minor, t.debts) for t in response.context["totals"]}


def test_it_lists_debts_with_their_ledger_balance(client_for, viewer, book):
    response = client_for(viewer).get("/debts/")
    assert response.status_code == 200
    balances = {d.external_ref: d.balance_minor for d in response.context["page"].object_list}
    assert balances == {"INV-1": 100_00, "INV-2": 30_50, "US-3": 100_00, "INV-4": 5_000_00, "INV-5": 0}
    html = response.content.decode()
    assert "€100.00" in html
    assert "$100.00" in html


def test_it_totals_per_currency_and_never_mixes_them(client_for, viewer, book):
    response = client_for(viewer).get("/debts/")
    assert totals(response) == {"EUR": (5_130_50, 4), "USD": (100_00, 1)}
    html = response.content.decode()
    assert "€5,130.50" in html
    assert "5,230.50" not in html


def test_the_totals_follow_the_filters(client_for, viewer, book):
    response = client_for(viewer).get("/debts/?status=overdue")
    assert totals(response) == {"EUR": (5_100_00, 2), "USD": (100_00, 1)}
    assert totals(client_for(viewer).get("/debts/?currency=USD")) == {"USD": (100_00, 1)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("INV-4", ["INV-4"]), ("tiles", ["INV-1"]), ("bolt", ["INV-4", "INV-5"]), ("nothing", [])],
)
def test_it_searches_by_reference_description_and_debtor_name(client_for, viewer, book, query, expected):
    assert refs(client_for(viewer).get("/debts/", {"q": query})) == expected


def test_it_filters_by_status(client_for, viewer, book):
    assert refs(client_for(viewer).get("/debts/?status=paid")) == ["INV-5"]
    assert refs(client_for(viewer).get("/debts/?status=open")) == ["INV-2"]


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [("current", ["INV-2"]), ("1-30", ["INV-1"]), ("31-60", ["US-3"]), ("61-90", []), ("90+", ["INV-4"])],
)
def test_it_filters_by_aging_bucket(client_for, viewer, book, bucket, expected):
    assert refs(client_for(viewer).get("/debts/", {"aging": bucket})) == expected


def test_it_filters_by_currency(client_for, viewer, book):
    assert refs(client_for(viewer).get("/debts/?currency=USD")) == ["US-3"]


def test_it_filters_by_debtor(client_for, viewer, book):
    response = client_for(viewer).get("/debts/", {"debtor": str(book["bolt"].pk)})
    assert refs(response) == ["INV-4", "INV-5"]
    assert "Bolt SARL" in response.content.decode()


def test_a_malformed_debtor_id_filters_nothing_and_says_so(client_for, viewer, book):
    response = client_for(viewer).get("/debts/?debtor=not-a-uuid")
    assert response.status_code == 200
    assert len(refs(response)) == 5
    assert "Select a valid choice" in response.content.decode()


def test_it_pages_fifty_debts_at_a_time(client_for, viewer, actor):
    debtor = make_debtor(actor, "P-1", "Pat")
    for i in range(52):
        make_debt(actor, debtor, f"P-{i:03}", 1_00, days_past_due=i)
    client = client_for(viewer)
    first = client.get("/debts/")
    assert len(first.context["page"].object_list) == 50
    assert totals(first) == {"EUR": (52_00, 52)}  # totals cover the whole filtered set, not one page
    assert len(client.get("/debts/?page=2").context["page"].object_list) == 2


def test_it_answers_htmx_with_only_the_results(client_for, viewer, book):
    response = client_for(viewer).get("/debts/?currency=USD", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert 'id="results"' in html
    assert "US-3" in html
    assert "<html" not in html


def test_its_query_count_does_not_grow_with_the_page(client_for, viewer, actor, django_assert_max_num_queries):
    debtor = make_debtor(actor, "P-1", "Pat")
    for i in range(60):
        make_debt(actor, debtor, f"P-{i:03}", 1_00, days_past_due=i)
    # 7 statements (tenant, session, user, currencies, count, page, totals), each after a SET search_path.
    client = client_for(viewer)
    with django_assert_max_num_queries(14):
        client.get("/debts/")
