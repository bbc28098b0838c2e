"""The gate for US consumers (tenant globex), one test per COMPLIANCE.md rule: US1–US6, US13–US15, US17, US18."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from apps.contact.gate import gate_check
from apps.contact.models import ChannelOptOut, OptOutSource
from apps.contact.services import sms_opt_out_record
from apps.debts.services import debt_dispute, debt_resume
from apps.tenants.models import Tenant
from tests.contact.conftest import (
    CHICAGO,
    NEW_YORK,
    SYSTEM,
    ask,
    attempt_make,
    debt_make,
    debtor_make,
    local,
    point_make,
    rules_set,
    template_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(us: Tenant) -> Iterator[None]:
    with time_machine.travel(local(NEW_YORK, 2026, 3, 2, 12), tick=False):
        yield


def test_it_allows_an_email_at_20_59_and_defers_one_at_21_00_debtor_time(us: Tenant) -> None:
    # US3: the debtor is in Chicago while the tenant is in New York; the email's send time counts.
    sam = debtor_make("US-1", timezone="America/Chicago")
    email = point_make(sam, "email", "sam@example.com")
    assert gate_check(ask(sam, "email", local(CHICAGO, 2026, 3, 3, 20, 59), email)).allowed

    verdict = gate_check(ask(sam, "email", local(CHICAGO, 2026, 3, 3, 21, 0), email))

    assert (verdict.outcome, verdict.rule) == ("defer", "quiet_hours")
    assert verdict.defer_until == local(CHICAGO, 2026, 3, 4, 8, 0)


def test_it_never_opens_wider_than_8_to_21_even_if_the_tenant_asks(us: Tenant) -> None:
    rules_set(quiet_hours_start=dt.time(6, 0), quiet_hours_end=dt.time(23, 0))
    sam = debtor_make("US-1", timezone="America/Chicago")
    email = point_make(sam, "email", "sam@example.com")
    verdict = gate_check(ask(sam, "email", local(CHICAGO, 2026, 3, 3, 7, 30), email))
    assert (verdict.rule, verdict.defer_until) == ("quiet_hours", local(CHICAGO, 2026, 3, 3, 8, 0))


def test_it_refuses_the_8th_call_in_7_days_about_a_debt_and_allows_it_on_day_8(us: Tenant) -> None:
    # US1: all numbers count; the days are the debtor's.
    rules_set(max_attempts_per_day=10)
    sam = debtor_make("US-1", timezone="America/Chicago")
    home = point_make(sam, "phone", "+13125550100")
    mobile = point_make(sam, "phone", "+13125550199")
    debt = debt_make(sam, "INV-1")
    for day in range(2, 9):  # Mon 2 March .. Sun 8 March: seven calls, no conversation
        attempt_make(sam, "phone", local(CHICAGO, 2026, 3, day, 10), debt=debt, call_outcome="no_answer")

    eighth = gate_check(ask(sam, "phone", local(CHICAGO, 2026, 3, 8, 15), mobile, debts=(debt,), source="manual"))
    day_8 = gate_check(ask(sam, "phone", local(CHICAGO, 2026, 3, 9, 10), home, debts=(debt,), source="manual"))

    assert (eighth.outcome, eighth.rule) == ("defer", "us_call_7_in_7")
    assert eighth.defer_until == local(CHICAGO, 2026, 3, 9, 8, 0)
    assert day_8.allowed


def test_it_counts_calls_per_debt(us: Tenant) -> None:
    rules_set(max_attempts_per_day=10)
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100")
    first, second = debt_make(sam, "INV-1"), debt_make(sam, "INV-2")
    for day in range(2, 9):
        attempt_make(sam, "phone", local(CHICAGO, 2026, 3, day, 10), debt=first, call_outcome="voicemail")
    at = local(CHICAGO, 2026, 3, 8, 15)
    assert gate_check(ask(sam, "phone", at, phone, debts=(first,))).rule == "us_call_7_in_7"
    assert gate_check(ask(sam, "phone", at, phone, debts=(second,))).allowed


def test_it_refuses_calls_for_7_days_after_a_conversation(us: Tenant) -> None:
    # US2: conversation on Monday 2 March (day 1): Sunday 8 March refused, Monday 9 March allowed.
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100")
    debt = debt_make(sam, "INV-1")
    attempt_make(sam, "phone", local(CHICAGO, 2026, 3, 2, 10), debt=debt, call_outcome="conversation")

    sunday = gate_check(ask(sam, "phone", local(CHICAGO, 2026, 3, 8, 12), phone, debts=(debt,)))
    monday = gate_check(ask(sam, "phone", local(CHICAGO, 2026, 3, 9, 12), phone, debts=(debt,)))

    assert (sunday.outcome, sunday.rule) == ("defer", "us_call_cooldown")
    assert sunday.defer_until == local(CHICAGO, 2026, 3, 9, 8, 0)
    assert monday.allowed


def test_it_lets_a_consented_callback_through_the_cooldown(us: Tenant) -> None:
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100")
    debt = debt_make(sam, "INV-1")
    attempt_make(sam, "phone", local(CHICAGO, 2026, 3, 2, 10), debt=debt, call_outcome="conversation")
    at = local(CHICAGO, 2026, 3, 4, 12)
    assert gate_check(ask(sam, "phone", at, phone, debts=(debt,), consented_callback=True)).allowed
    assert not gate_check(ask(sam, "phone", at, phone, debts=(debt,))).allowed


def test_it_refuses_a_workplace_email_without_consent(us: Tenant) -> None:
    # US4
    sam = debtor_make("US-1", timezone="America/Chicago")
    work = point_make(sam, "email", "sam@employer.example", is_workplace=True)
    at = local(CHICAGO, 2026, 3, 3, 10)
    assert gate_check(ask(sam, "email", at, work)).rule == "workplace"

    consented = point_make(sam, "email", "sam2@employer.example", is_workplace=True, consent="granted")
    assert gate_check(ask(sam, "email", at, consented)).allowed


def test_it_refuses_an_sms_to_a_debtor_represented_by_an_attorney(us: Tenant) -> None:
    # US5
    sam = debtor_make("US-1", timezone="America/Chicago")
    sam.attorney_details = "Jane Roe, Roe & Partners LLP"
    sam.save()
    phone = point_make(sam, "phone", "+13125550100", consent="granted")
    verdict = gate_check(ask(sam, "sms", local(CHICAGO, 2026, 3, 3, 10), phone))
    assert (verdict.outcome, verdict.rule) == ("deny", "attorney")


def test_it_refuses_email_after_an_email_opt_out_but_sends_the_letter(us: Tenant) -> None:
    # US6: "stop emailing me" stops email only.
    sam = debtor_make("US-1", timezone="America/Chicago")
    email = point_make(sam, "email", "sam@example.com")
    address = point_make(sam, "address", country="US", region="IL", city="Chicago")
    ChannelOptOut.objects.create(debtor=sam, channel="email", source=OptOutSource.UNSUBSCRIBE_LINK)
    at = local(CHICAGO, 2026, 3, 3, 10)
    assert gate_check(ask(sam, "email", at, email)).rule == "opted_out"
    assert gate_check(ask(sam, "letter", at, address)).allowed


def test_it_holds_a_disputed_debt_until_verification_and_resume(us: Tenant) -> None:
    # US13: a written dispute on day 12 of the validation period; the next SMS is refused.
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100", consent="granted")
    notice = {"validation_notice_sent_on": dt.date(2026, 2, 18), "validation_ends_on": dt.date(2026, 3, 20)}
    debt = debt_make(sam, "INV-1", **notice)
    debt = debt_dispute(debt=debt, actor=SYSTEM, reason="Portal: I never ordered this")
    at = local(CHICAGO, 2026, 3, 3, 10)

    verdict = gate_check(ask(sam, "sms", at, phone, debts=(debt,)))
    assert (verdict.outcome, verdict.rule) == ("deny", "dispute_hold")

    confirmation = template_make("dispute-verification", "sms", is_exception=True)
    assert gate_check(ask(sam, "sms", at, phone, debts=(debt,), template=confirmation)).allowed

    debt.verification_sent_at = at
    debt.save()
    debt = debt_resume(debt=debt, actor=SYSTEM, reason="Verification sent")
    assert gate_check(ask(sam, "sms", at, phone, debts=(debt,))).allowed


def test_it_holds_every_message_without_debts_when_one_debt_is_disputed(us: Tenant) -> None:
    sam = debtor_make("US-1", timezone="America/Chicago")
    email = point_make(sam, "email", "sam@example.com")
    debt_dispute(debt=debt_make(sam, "INV-1"), actor=SYSTEM, reason="Wrong amount")
    debt_make(sam, "INV-2")
    assert gate_check(ask(sam, "email", local(CHICAGO, 2026, 3, 3, 10), email, source="manual")).rule == "dispute_hold"


def test_it_refuses_a_reminder_after_a_cease_request_but_sends_the_confirmation(us: Tenant) -> None:
    # US14
    sam = debtor_make("US-1", timezone="America/Chicago")
    sam.cease_requested_at = local(CHICAGO, 2026, 3, 1, 9)
    sam.save()
    address = point_make(sam, "address", country="US", region="IL", city="Chicago")
    at = local(CHICAGO, 2026, 3, 3, 10)
    reminder = template_make("reminder", "letter")
    confirmation = template_make("cease-confirmation", "letter", is_exception=True)

    assert gate_check(ask(sam, "letter", at, address, template=reminder)).rule == "cease"
    assert gate_check(ask(sam, "letter", at, address, template=confirmation)).allowed


def test_it_refuses_a_legal_template_for_a_time_barred_debt(us: Tenant) -> None:
    # US15 / FR8
    sam = debtor_make("US-1", timezone="America/Chicago")
    address = point_make(sam, "address", country="US", region="IL", city="Chicago")
    debt = debt_make(sam, "INV-1", limitation_expires_on=dt.date(2026, 3, 1))
    legal = template_make("final-legal", "letter", is_legal=True)
    friendly = template_make("friendly", "letter")
    at = local(CHICAGO, 2026, 3, 3, 10)

    assert gate_check(ask(sam, "letter", at, address, debts=(debt,), template=legal)).rule == "time_barred"
    assert gate_check(ask(sam, "letter", at, address, debts=(debt,), template=friendly)).allowed


def test_it_caps_four_sms_a_day_at_one(us: Tenant) -> None:
    # US17: the first SMS of the day goes; the rest wait for the debtor's next day.
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100", consent="granted")
    attempt_make(sam, "sms", local(CHICAGO, 2026, 3, 3, 9))
    for hour in (11, 14, 17):
        verdict = gate_check(ask(sam, "sms", local(CHICAGO, 2026, 3, 3, hour), phone))
        assert (verdict.outcome, verdict.rule) == ("defer", "cap_daily")
        assert verdict.defer_until == local(CHICAGO, 2026, 3, 4, 8, 0)


def test_it_caps_sms_per_week(us: Tenant) -> None:
    rules_set(max_attempts_per_day=5, max_sms_per_week=2)
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100", consent="granted")
    attempt_make(sam, "sms", local(CHICAGO, 2026, 3, 2, 9))
    attempt_make(sam, "sms", local(CHICAGO, 2026, 3, 4, 9))
    verdict = gate_check(ask(sam, "sms", local(CHICAGO, 2026, 3, 6, 10), phone))
    # The Monday text leaves the 7-day window on the following Monday.
    assert (verdict.rule, verdict.defer_until) == ("cap_channel", local(CHICAGO, 2026, 3, 9, 8, 0))


@pytest.mark.parametrize("reply", ["STOP", "Arrêt", "nie pisz"])
def test_it_refuses_the_next_sms_after_a_stop_reply(us: Tenant, reply: str) -> None:
    # US18, in English, French and Polish.
    from apps.contact.keywords import stop_intent

    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100", consent="granted")
    at = local(CHICAGO, 2026, 3, 3, 10)
    assert gate_check(ask(sam, "sms", at, phone)).allowed

    assert stop_intent(reply)
    sms_opt_out_record(debtor=sam, contact_point=phone, evidence=f"SMS reply: {reply}", actor=SYSTEM)

    verdict = gate_check(ask(sam, "sms", at, phone))
    assert (verdict.outcome, verdict.rule) == ("deny", "stop_keyword")


def test_it_refuses_texts_without_recorded_consent(us: Tenant) -> None:
    # TCPA 227(b): automated texts need consent; revoked consent stops the number for every channel.
    sam = debtor_make("US-1", timezone="America/Chicago")
    phone = point_make(sam, "phone", "+13125550100")
    at = local(CHICAGO, 2026, 3, 3, 10)
    assert gate_check(ask(sam, "sms", at, phone)).rule == "consent"
    revoked = point_make(sam, "phone", "+13125550111", consent="revoked")
    assert gate_check(ask(sam, "phone", at, revoked)).rule == "consent"


def test_it_caps_massachusetts_texts_at_two_a_week(us: Tenant) -> None:
    # US19
    rules_set(max_attempts_per_day=5, max_sms_per_week=5)
    sam = debtor_make("US-1", timezone="America/New_York")
    phone = point_make(sam, "phone", "+16175550100", consent="granted")
    point_make(sam, "address", country="US", region="MA", city="Boston")
    debt = debt_make(sam, "INV-1")
    attempt_make(sam, "sms", local(NEW_YORK, 2026, 3, 2, 10), debt=debt)
    attempt_make(sam, "sms", local(NEW_YORK, 2026, 3, 3, 10), debt=debt)
    verdict = gate_check(ask(sam, "sms", local(NEW_YORK, 2026, 3, 4, 10), phone, debts=(debt,)))
    assert (verdict.rule, verdict.defer_until) == ("ma_2_in_7", local(NEW_YORK, 2026, 3, 9, 8, 0))


def test_it_blocks_all_but_the_notice_when_an_agency_sent_no_validation_notice_in_5_days(us: Tenant) -> None:
    # US9: for a debt collector (agency tenant) the validation notice is due within 5 days of the first contact.
    us.role = "agency"
    sam = debtor_make("US-1", timezone="America/Chicago")
    email = point_make(sam, "email", "sam@example.com")
    address = point_make(sam, "address", country="US", region="IL", city="Chicago")
    debt = debt_make(sam, "INV-1")
    attempt_make(sam, "email", local(CHICAGO, 2026, 3, 2, 10), debt=debt)

    assert gate_check(ask(sam, "email", local(CHICAGO, 2026, 3, 6, 10), email, debts=(debt,))).allowed
    late = gate_check(ask(sam, "email", local(CHICAGO, 2026, 3, 7, 11), email, debts=(debt,)))
    assert (late.outcome, late.rule) == ("deny", "validation_pending")
    assert gate_check(ask(sam, "letter", local(CHICAGO, 2026, 3, 7, 11), address, debts=(debt,))).allowed
