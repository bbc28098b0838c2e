"""The debtors list: search, filters, pagination, per-currency balances, and a query count that does not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.debtors.services import contact_point_add
from apps.debts.services import debt_payment_record
from tests.factories import TODAY, make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def book(actor):
    """Camille owes in EUR and USD; Bolt SARL is a business with an old EUR debt; Zoé paid everything."""
    camille = make_debtor(actor, "C-100", "Camille Martin")
    contact_point_add(debtor=camille, kind="email", value="camille@example.fr", actor=actor)
    contact_point_add(debtor=camille, kind="phone", value="06 12 34 56 78", actor=actor)
    make_debt(actor, camille, "INV-1", 120_00, currency="EUR", days_past_due=10)
    make_debt(actor, camille, "INV-2", 30_50, currency="EUR", days_past_due=-5)
    make_debt(actor, camille, "INV-3", 99_00, currency="USD", days_past_due=45)
    bolt = make_debtor(actor, "B-200", "Bolt SARL", kind="business")
    make_debt(actor, bolt, "INV-4", 5_000_00, days_past_due=120)
    zoe = make_debtor(actor, "Z-300", "Zoé Dupont")
    paid = make_debt(actor, zoe, "INV-5", 40_00, days_past_due=70)
    debt_payment_record(debt=paid, amount_minor=40_00, received_on=TODAY, method="cash", actor=actor)
    return {"camille": camille, "bolt": bolt, "zoe": zoe}


def names(response) -> list[str]:
    return [row.debtor.name for row in response.context["rows"]]


def test_it_shows_each_debtors_open_balance_per_currency_never_mixed(client_for, viewer, book):
    response = client_for(viewer).get("/debtors/")
    assert response.status_code == 200
    camille = next(r for r in response.context["rows"] if r.debtor.external_ref == "C-100")
    assert [(a.currency, a.amount_minor) for a in camille.open_balances] == [("EUR", 150_50), ("USD", 99_00)]
    assert camille.open_debts == 3
    assert camille.oldest_days_past_due == 45
    html = response.content.decode()
    assert "€150.50" in html
    assert "$99.00" in html
    assert "249.50" not in html  # EUR and USD are never added up


def test_it_shows_a_debtor_who_paid_everything_with_nothing_open(client_for, viewer, book):
    response = client_for(viewer).get("/debtors/?q=Zoé")
    (row,) = response.context["rows"]
    assert row.open_balances == []
    assert row.open_debts == 0
    assert row.oldest_days_past_due == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("camil", ["Camille Martin"]),
        ("B-200", ["Bolt SARL"]),
        ("camille@example", ["Camille Martin"]),
        ("06 12 34 56 78", ["Camille Martin"]),  # typed the French way, stored as +33612345678
        ("+33612", ["Camille Martin"]),
        ("nobody", []),
    ],
)
def test_it_searches_by_name_reference_email_and_phone(client_for, viewer, book, query, expected):
    response = client_for(viewer).get("/debtors/", {"q": query})
    assert names(response) == expected


def test_it_filters_by_kind(client_for, viewer, book):
    assert names(client_for(viewer).get("/debtors/?kind=business")) == ["Bolt SARL"]


def test_it_filters_by_the_status_of_the_debtors_debts(client_for, viewer, book):
    assert names(client_for(viewer).get("/debtors/?status=paid")) == ["Zoé Dupont"]
    assert names(client_for(viewer).get("/debtors/?status=open")) == ["Camille Martin"]


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("current", ["Camille Martin"]),
        ("1-30", ["Camille Martin"]),
        ("31-60", ["Camille Martin"]),
        ("61-90", []),  # Zoé's 70-day debt is paid: aging counts only money still owed
        ("90+", ["Bolt SARL"]),
    ],
)
def test_it_filters_by_aging_bucket_of_open_debts(client_for, viewer, book, bucket, expected):
    assert names(client_for(viewer).get("/debtors/", {"aging": bucket})) == expected


def test_it_filters_by_currency(client_for, viewer, book):
    assert names(client_for(viewer).get("/debtors/?currency=USD")) == ["Camille Martin"]


def test_debt_filters_combine_on_the_same_debt(client_for, viewer, book):
    # Camille has a 31–60 debt (USD) and EUR debts, but no EUR debt in 31–60.
    assert names(client_for(viewer).get("/debtors/?aging=31-60&currency=EUR")) == []
    assert names(client_for(viewer).get("/debtors/?aging=31-60&currency=USD")) == ["Camille Martin"]


def test_it_shows_an_unknown_filter_value_as_an_error_not_a_crash(client_for, viewer, book):
    response = client_for(viewer).get("/debtors/?kind=robot")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_it_pages_fifty_debtors_at_a_time(client_for, viewer, actor):
    for i in range(51):
        make_debtor(actor, f"P-{i:03}", f"Person {i:03}")
    client = client_for(viewer)
    first = client.get("/debtors/")
    assert len(first.context["rows"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get("/debtors/?page=2")
    assert names(second) == ["Person 050"]


def test_page_links_keep_the_filters(client_for, viewer, actor):
    for i in range(51):
        make_debtor(actor, f"P-{i:03}", f"Person {i:03}", kind="business")
    html = client_for(viewer).get("/debtors/?kind=business").content.decode()
    assert "?kind=business&amp;page=2" in html


def test_it_answers_htmx_with_only_the_results(client_for, viewer, book):
    response = client_for(viewer).get("/debtors/?kind=business", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert 'id="results"' in html
    assert "Bolt SARL" in html
    assert "<html" not in html
    assert "<form" not in html


def test_its_query_count_does_not_grow_with_the_page(client_for, viewer, actor, django_assert_max_num_queries):
    client = client_for(viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/debtors/").status_code == 200
        return len(ctx.captured_queries)

    debtor = make_debtor(actor, "Q-0", "Quinn 0")
    make_debt(actor, debtor, "Q-INV-0", 10_00, days_past_due=3)
    few = queries()
    for i in range(1, 60):
        debtor = make_debtor(actor, f"Q-{i}", f"Quinn {i}")
        make_debt(actor, debtor, f"Q-INV-{i}", 10_00, days_past_due=i)
        make_debt(actor, debtor, f"Q-USD-{i}", 5_00, currency="USD", days_past_due=i)
    assert queries() == few
    # 8 statements (tenant, session, user, currencies, count, page, balances, debt counts), each preceded by
    # django-tenants' SET search_path.
    with django_assert_max_num_queries(16):
        client.get("/debtors/?status=overdue&currency=USD&q=Quinn")


def test_viewers_do_not_see_the_add_button(client_for, viewer, manager, book):
    assert "/debtors/new/" not in client_for(viewer).get("/debtors/").content.decode()
    assert "/debtors/new/" in client_for(manager).get("/debtors/").content.decode()
