"""The net-recovery comparison before a hand-off, against figures computed by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.escalations.comparison import net_recovery_compare
from apps.policies.models import Margins
from tests.escalations.conftest import MARGINS
from tests.factories import TODAY

ClientFor = Callable[..., Client]


def _margins(**changes: object) -> Margins:
    return Margins(**{**MARGINS, **changes})


def test_it_compares_the_agency_with_the_best_settlement_and_the_longest_plan() -> None:
    # 1,000.00 70 days overdue: the agency keeps 30 % = 300.00; the margins allow 20 % off (800.00, open 14 days)
    # or a plan: 10 % down (100.00) and at most 6 instalments (900.00 / 20.00 allows 45), monthly being the longest
    # interval allowed: 6 × 150.00, the last six months from today.
    c = net_recovery_compare(
        _margins(), balance_minor=1000_00, currency="EUR", due_date=TODAY - dt.timedelta(days=70), today=TODAY
    )
    assert (c.agency_commission_minor, c.agency_net_minor) == (300_00, 700_00)
    assert c.settlement is not None
    assert (c.settlement.discount_pct, c.settlement.amount_minor) == (20, 800_00)
    assert c.settlement.expires_on == dt.date(2026, 12, 4)
    assert c.plan is not None
    assert (c.plan.down_payment_minor, c.plan.instalment_count, c.plan.frequency) == (100_00, 6, "monthly")
    assert (c.plan.first_instalment_minor, c.plan.last_due_on, c.plan.net_minor) == (
        150_00,
        dt.date(2027, 5, 20),
        1000_00,
    )
    assert c.best == ("plan",)
    assert c.agency_shortfall_minor == 300_00


def test_it_rounds_the_commission_up_and_the_discount_down_to_whole_cents() -> None:
    # 333.33 at 25 %: commission 83.3325 → 83.34 (net 249.99); 20 % off is 66.666 → 66.66 (settlement 266.67);
    # plan: 10 % down is 33.333 → 33.34, then 299.99 in 6 (5 × 50.00 + 49.99).
    c = net_recovery_compare(
        _margins(),
        balance_minor=333_33,
        currency="EUR",
        due_date=TODAY - dt.timedelta(days=61),
        today=TODAY,
        commission_pct=25,
    )
    assert (c.commission_pct, c.agency_commission_minor, c.agency_net_minor) == (25, 83_34, 249_99)
    assert c.settlement is not None
    assert c.settlement.amount_minor == 266_67
    assert c.plan is not None
    assert (c.plan.down_payment_minor, c.plan.first_instalment_minor, c.plan.net_minor) == (33_34, 50_00, 333_33)


def test_it_says_when_neither_a_settlement_nor_a_plan_fits_the_margins() -> None:
    # 15.00, 30 days overdue: no settlement before 60 days; after 1.50 down, 13.50 is below one 20.00 instalment.
    c = net_recovery_compare(
        _margins(), balance_minor=15_00, currency="EUR", due_date=TODAY - dt.timedelta(days=30), today=TODAY
    )
    assert (c.settlement, c.plan) == (None, None)
    assert (c.agency_net_minor, c.best, c.agency_shortfall_minor) == (10_50, ("agency",), 0)


def test_it_takes_the_longest_allowed_interval_and_lists_every_route_that_ties() -> None:
    c = net_recovery_compare(
        _margins(allowed_frequencies=["weekly", "fortnightly"], max_settlement_discount_pct=0),
        balance_minor=500_00,
        currency="EUR",
        due_date=TODAY - dt.timedelta(days=90),
        today=TODAY,
        commission_pct=0,
    )
    assert c.plan is not None
    assert c.plan.frequency == "fortnightly"
    assert c.plan.last_due_on == TODAY + dt.timedelta(weeks=12)
    assert c.settlement is None  # a 0 % discount is no settlement
    assert c.best == ("plan", "agency")


@pytest.mark.django_db
def test_the_debt_page_shows_the_comparison_in_plain_figures(client_for: ClientFor, manager: User, debt) -> None:  # type: ignore[no-untyped-def]
    html = client_for(manager).get(f"/debts/{debt.pk}/").content.decode()
    assert "Before a hand-off: what you would net" in html
    for figure in ("€700.00", "€800.00", "€1,000.00", "€300.00", "€100.00", "€150.00"):
        assert figure in html, figure
    assert "The plan nets the most: €300.00 more than the agency." in html
