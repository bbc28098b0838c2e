"""Property tests of the options arithmetic: for any margins and any choice a debtor can make, a schedule adds up to
the agreed total to the minor unit, and it is inside the margins exactly when it respects every limit."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from apps.arrangements import options
from apps.core.errors import DomainError
from apps.policies.models import Frequency, Margins

TODAY = dt.date(2026, 11, 20)

margins_st = st.builds(
    Margins,
    max_settlement_discount_pct=st.integers(0, 100),
    settlement_after_days_overdue=st.integers(0, 365),
    min_down_payment_pct=st.integers(0, 100),
    max_plan_instalments=st.integers(1, 60),
    min_instalment_minor=st.integers(0, 500_00),
    allowed_frequencies=st.lists(st.sampled_from(Frequency.values), min_size=1, max_size=3, unique=True),
    max_promise_deferral_days=st.integers(0, 365),
)
balances = st.integers(1, 10**10)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@st.composite
def plan_choices(draw: st.DrawFn) -> tuple[int, int, int, str]:
    balance = draw(balances)
    down = draw(st.one_of(st.just(0), st.integers(0, balance), st.integers(0, max(balance // 10, 1))))
    count = draw(st.integers(1, options.MAX_INSTALMENTS_ASKED))
    frequency = draw(st.sampled_from(Frequency.values))
    return balance, down, count, frequency


def inside_by_hand(margins: Margins, proposal: options.Proposal) -> bool:
    """The plan's limits checked directly on the schedule, without the checker."""
    regular = [i.amount_minor for i in proposal.schedule if i.number > 0]
    down = sum(i.amount_minor for i in proposal.schedule if i.number == 0)
    return (
        down * 100 >= proposal.balance_minor * margins.min_down_payment_pct
        and len(regular) <= margins.max_plan_instalments
        and min(regular) >= margins.min_instalment_minor
        and proposal.frequency in margins.allowed_frequencies
    )


@given(margins=margins_st, choice=plan_choices(), start=days)
def test_it_builds_plans_that_add_up_exactly_and_agrees_only_inside_the_margins(margins, choice, start):
    balance, down, count, frequency = choice
    try:
        proposal = options.plan_proposal(
            balance_minor=balance,
            currency="EUR",
            down_payment_minor=down,
            instalment_count=count,
            frequency=frequency,
            today=start,
        )
    except DomainError:
        # Refused as bad input only when no plan can be made of it.
        assert down >= balance or balance - down < count
        return
    schedule = proposal.schedule
    assert sum(i.amount_minor for i in schedule) == proposal.total_minor == balance
    assert all(i.amount_minor > 0 for i in schedule)
    regular = [i for i in schedule if i.number > 0]
    assert [i.number for i in regular] == list(range(1, count + 1))
    assert max(i.amount_minor for i in regular) - min(i.amount_minor for i in regular) <= 1
    if down:
        assert (schedule[0].number, schedule[0].due_on, schedule[0].amount_minor) == (0, start, down)
    dates = [i.due_on for i in schedule]
    assert dates == sorted(set(dates))
    assert dates[-1] > start
    found = options.violations(proposal, margins=margins, days_overdue=0, today=start)
    assert (not found) == inside_by_hand(margins, proposal)
    assert all(v.message for v in found)


@given(margins=margins_st, balance=balances)
def test_it_offers_the_largest_plan_the_margins_allow_and_no_larger(margins, balance):
    limits = options.plan_limits(margins, balance_minor=balance)
    least_down = limits.min_down_payment_minor
    assert least_down * 100 >= balance * margins.min_down_payment_pct
    assert (least_down - 1) * 100 < balance * margins.min_down_payment_pct or least_down == 0
    most = limits.max_instalments_for_balance
    frequency = limits.frequencies[0]
    for count, inside in ((most, True), (most + 1, False)):
        if count < 1 or count > options.MAX_INSTALMENTS_ASKED or balance - least_down < count:
            continue
        proposal = options.plan_proposal(
            balance_minor=balance,
            currency="EUR",
            down_payment_minor=least_down,
            instalment_count=count,
            frequency=frequency,
            today=TODAY,
        )
        assert (not options.violations(proposal, margins=margins, days_overdue=0, today=TODAY)) == inside


@given(margins=margins_st, balance=balances, late=st.integers(0, 1000))
def test_it_shows_a_default_plan_that_is_agreed_at_once_when_any_plan_can_be(margins, balance, late):
    offered = options.debt_options(
        margins, balance_minor=balance, currency="EUR", due_date=TODAY - dt.timedelta(days=late), today=TODAY
    )
    assume(offered.plan.available)
    down, frequency, count = options.default_plan(offered)
    proposal = options.plan_proposal(
        balance_minor=balance,
        currency="EUR",
        down_payment_minor=down,
        instalment_count=count,
        frequency=frequency,
        today=TODAY,
    )
    assert options.violations(proposal, margins=margins, days_overdue=late, today=TODAY) == []


@given(margins=margins_st, balance=balances, late=st.integers(0, 1000), pct=st.integers(1, 99))
def test_it_rounds_settlements_to_whole_minor_units_never_past_the_discount(margins, balance, late, pct):
    try:
        proposal = options.settlement_proposal(balance_minor=balance, currency="EUR", discount_pct=pct, today=TODAY)
    except DomainError:
        assert balance * pct // 100 == 0  # the discount would be less than one minor unit
        return
    amount = proposal.total_minor
    assert isinstance(amount, int)
    assert 0 < amount < balance
    # The smallest whole amount whose discount is at most pct percent.
    assert amount * 100 >= balance * (100 - pct) > (amount - 1) * 100
    assert proposal.schedule == (options.ScheduledInstalment(1, TODAY + dt.timedelta(days=14), amount),)
    assert proposal.pay_by == TODAY + dt.timedelta(days=options.SETTLEMENT_VALID_DAYS)
    found = options.violations(proposal, margins=margins, days_overdue=late, today=TODAY)
    inside = late >= margins.settlement_after_days_overdue and pct <= margins.max_settlement_discount_pct
    assert (not found) == inside


@given(margins=margins_st, balance=balances, late=st.integers(0, 1000))
def test_it_offers_a_settlement_only_once_overdue_long_enough_and_with_a_real_discount(margins, balance, late):
    offer = options.settlement_offer(margins, balance_minor=balance, days_overdue=late, today=TODAY)
    pct = margins.max_settlement_discount_pct
    expected = late >= margins.settlement_after_days_overdue and 1 <= pct <= 99 and balance * pct // 100 > 0
    assert (offer is not None) == expected
    if offer is not None:
        assert offer.amount_minor + offer.saving_minor == balance
        assert offer.amount_minor == math.ceil(balance * (100 - pct) / 100) or balance > 2**52
        assert offer.expires_on == TODAY + dt.timedelta(days=options.SETTLEMENT_VALID_DAYS)


@given(margins=margins_st, balance=balances, ahead=st.integers(-30, 400))
def test_it_agrees_a_promise_at_once_only_up_to_the_latest_date(margins, balance, ahead):
    pay_by = TODAY + dt.timedelta(days=ahead)
    if ahead < 0 or ahead > options.MAX_PROMISE_DAYS_ASKED:
        with pytest.raises(DomainError) as refused:
            options.promise_proposal(balance_minor=balance, currency="EUR", pay_by=pay_by, today=TODAY)
        assert refused.value.field == "pay_by"
        return
    proposal = options.promise_proposal(balance_minor=balance, currency="EUR", pay_by=pay_by, today=TODAY)
    assert proposal.total_minor == balance == proposal.schedule[0].amount_minor
    found = options.violations(proposal, margins=margins, days_overdue=0, today=TODAY)
    assert (not found) == (ahead <= margins.max_promise_deferral_days)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2027, 1, 31), [dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]),
        (dt.date(2028, 1, 31), [dt.date(2028, 2, 29), dt.date(2028, 3, 31), dt.date(2028, 4, 30)]),
        (dt.date(2026, 11, 30), [dt.date(2026, 12, 30), dt.date(2027, 1, 30), dt.date(2027, 2, 28)]),
    ],
)
def test_it_keeps_monthly_dates_on_the_same_day_through_short_months(start, expected):
    schedule = options.plan_schedule(
        total_minor=300_00, down_payment_minor=0, instalment_count=3, frequency=Frequency.MONTHLY, start=start
    )
    assert [i.due_on for i in schedule] == expected


def test_it_spreads_the_remainder_over_the_first_instalments():
    schedule = options.plan_schedule(
        total_minor=100_00, down_payment_minor=10_00, instalment_count=7, frequency=Frequency.WEEKLY, start=TODAY
    )
    assert [i.amount_minor for i in schedule] == [10_00, 12_86, 12_86, 12_86, 12_86, 12_86, 12_85, 12_85]
    assert [i.due_on for i in schedule][:3] == [TODAY, TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=14)]


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12.50", 1250),
        ("12,50", 1250),
        (" 1 234,50 ", 123450),
        ("1\u202f234,50", 123450),
        ("1,234.50", 123450),
        ("1.234,5", 123450),
        ("0", 0),
        ("1,234", 123400),
        ("1.234.567", 123456700),
        ("7", 700),
    ],
)
def test_it_reads_amounts_typed_in_any_of_our_languages(text, minor):
    from apps.arrangements.forms import parse_money_input

    assert parse_money_input(text, "EUR") == minor


def test_it_refuses_amounts_that_are_not_money():
    from apps.arrangements.forms import parse_money_input

    for text in ("abc", "-5", "1.2.3", "12,505.5.0", "", "1,2345"):
        with pytest.raises(DomainError):
            parse_money_input(text, "EUR")


@pytest.mark.parametrize(("language", "shown"), [("en", "1234.50"), ("fr", "1234,50"), ("pl", "1234,50")])
def test_it_shows_amounts_in_fields_as_the_debtor_types_them_and_reads_them_back(language, shown):
    from django.utils import translation

    from apps.arrangements.forms import money_initial, parse_money_input

    with translation.override(language):
        assert money_initial(123450, "EUR") == shown
    assert parse_money_input(shown, "EUR") == 123450
    assert money_initial(500, "JPY") == "500"
