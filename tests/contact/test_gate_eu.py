"""The gate for debtors in France and Poland (tenant acme, FR): quiet hours, Sundays, public holidays, letters,
default deny, and decisions recorded for the timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from apps.contact.gate import ContactRequest, gate_check, gate_decide
from apps.contact.models import ChannelOptOut, GateDecision, OptOutSource
from apps.contact.selectors import gate_decisions_for_debtor
from apps.debtors.models import ContactPoint, Debtor
from apps.tenants.models import Tenant
from tests.contact.conftest import PARIS, WARSAW, ask, attempt_make, debtor_make, local, point_make

pytestmark = pytest.mark.django_db
NOW = local(PARIS, 2026, 7, 13, 12)


@pytest.fixture(autouse=True)
def clock(tenant: Tenant) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_defers_a_french_sms_at_20_00_to_the_next_morning(tenant: Tenant) -> None:
    # R4 default window 08:00–20:00 (FR9 / PL6: caps and quiet hours).
    ana = debtor_make("FR-1")
    phone = point_make(ana, "phone", "+33612345678")
    assert gate_check(ask(ana, "sms", local(PARIS, 2026, 7, 10, 19, 59), phone)).allowed
    verdict = gate_check(ask(ana, "sms", local(PARIS, 2026, 7, 10, 20, 0), phone))
    # Friday evening: Saturday 08:00 is the next open moment.
    assert (verdict.outcome, verdict.rule, verdict.defer_until) == (
        "defer",
        "quiet_hours",
        local(PARIS, 2026, 7, 11, 8, 0),
    )


def test_it_defers_a_sunday_email_to_monday(tenant: Tenant) -> None:
    ana = debtor_make("FR-1")
    email = point_make(ana, "email", "ana@example.fr")
    verdict = gate_check(ask(ana, "email", local(PARIS, 2026, 7, 12, 11), email))
    assert (verdict.rule, verdict.defer_until) == ("sunday", local(PARIS, 2026, 7, 13, 8, 0))


def test_it_defers_past_bastille_day_in_france(tenant: Tenant) -> None:
    # 14 July 2026 is a Tuesday and a French public holiday.
    ana = debtor_make("FR-1")
    email = point_make(ana, "email", "ana@example.fr")
    point_make(ana, "address", country="FR", city="Lyon")
    verdict = gate_check(ask(ana, "email", local(PARIS, 2026, 7, 14, 10), email))
    assert (verdict.outcome, verdict.rule, verdict.defer_until) == (
        "defer",
        "public_holiday",
        local(PARIS, 2026, 7, 15, 8, 0),
    )


def test_it_uses_the_polish_calendar_and_clock_for_a_polish_debtor(tenant: Tenant) -> None:
    # 11 November 2026 (Wednesday) is Polish Independence Day; the debtor's zone comes from the address.
    jan = debtor_make("PL-1")
    email = point_make(jan, "email", "jan@example.pl")
    point_make(jan, "address", country="PL", city="Kraków")
    verdict = gate_check(ask(jan, "email", local(WARSAW, 2026, 11, 11, 10), email))
    assert (verdict.rule, verdict.defer_until) == ("public_holiday", local(WARSAW, 2026, 11, 12, 8, 0))
    # The French 11 November (Armistice) would say the same; 3 May is Polish only.
    assert gate_check(ask(jan, "email", local(WARSAW, 2026, 5, 3, 10), email)).rule in {"public_holiday", "sunday"}
    assert gate_check(ask(jan, "email", local(WARSAW, 2026, 5, 4, 10), email)).allowed


def test_it_sends_letters_at_any_hour_but_not_past_a_suppression(tenant: Tenant) -> None:
    ana = debtor_make("FR-1")
    address = point_make(ana, "address", country="FR", city="Lyon")
    sunday_night = local(PARIS, 2026, 7, 12, 23, 30)
    assert gate_check(ask(ana, "letter", sunday_night, address)).allowed
    ChannelOptOut.objects.create(debtor=ana, channel="letter", source=OptOutSource.STAFF)
    assert gate_check(ask(ana, "letter", sunday_night, address)).rule == "opted_out"


def test_it_caps_letters_per_month(tenant: Tenant) -> None:
    ana = debtor_make("FR-1")
    address = point_make(ana, "address", country="FR", city="Lyon")
    attempt_make(ana, "letter", local(PARIS, 2026, 6, 20, 10))
    attempt_make(ana, "letter", local(PARIS, 2026, 7, 1, 10))
    verdict = gate_check(ask(ana, "letter", local(PARIS, 2026, 7, 10, 10), address))
    # The 20 June letter leaves the 30-day window on 20 July.
    assert (verdict.rule, verdict.defer_until) == ("cap_channel", local(PARIS, 2026, 7, 20, 0, 0))


@pytest.mark.parametrize(
    ("channel", "point_kind", "rule"),
    [
        ("fax", "email", "unknown_channel"),
        ("sms", None, "no_contact_point"),
        ("sms", "email", "invalid_contact"),
    ],
)
def test_it_refuses_what_it_does_not_recognise(tenant: Tenant, channel: str, point_kind: str | None, rule: str) -> None:
    ana = debtor_make("FR-1")
    points = {"email": point_make(ana, "email", "ana@example.fr")}
    verdict = gate_check(ask(ana, channel, local(PARIS, 2026, 7, 10, 10), points.get(point_kind or "")))
    assert (verdict.outcome, verdict.rule) == ("deny", rule)


def test_it_refuses_another_debtor_s_contact_point_a_naive_time_and_an_unknown_source(tenant: Tenant) -> None:
    ana, bob = debtor_make("FR-1"), debtor_make("FR-2")
    bobs = point_make(bob, "email", "bob@example.fr")
    anas = point_make(ana, "email", "ana@example.fr")
    at = local(PARIS, 2026, 7, 10, 10)
    assert gate_check(ask(ana, "email", at, bobs)).rule == "invalid_contact"
    assert gate_check(ask(ana, "email", at.replace(tzinfo=None), anas)).rule == "invalid_request"
    assert gate_check(ask(ana, "email", at, anas, source="robot")).rule == "unknown_source"


def test_it_refuses_an_invalid_or_opted_out_contact_point(tenant: Tenant) -> None:
    ana = debtor_make("FR-1")
    bounced = point_make(ana, "email", "old@example.fr", validity="invalid")
    quiet = point_make(ana, "email", "quiet@example.fr", opted_out_at=NOW)
    at = local(PARIS, 2026, 7, 10, 10)
    assert gate_check(ask(ana, "email", at, bounced)).rule == "invalid_contact"
    assert gate_check(ask(ana, "email", at, quiet)).rule == "opted_out"


def test_it_records_every_decision_and_lists_refusals_for_the_timeline(tenant: Tenant) -> None:
    ana = debtor_make("FR-1")
    email = point_make(ana, "email", "ana@example.fr")
    manual = ContactRequest(
        debtor=ana,
        channel="email",
        at=local(PARIS, 2026, 7, 12, 11),
        contact_point=email,
        source="manual",
        actor_label="ada.agent@acme.test",
    )
    sunday = gate_decide(manual)
    allowed = gate_decide(ask(ana, "email", local(PARIS, 2026, 7, 13, 11), email))

    assert allowed.allowed
    assert GateDecision.objects.filter(debtor=ana).count() == 2
    [refusal] = gate_decisions_for_debtor(ana, refusals_only=True)
    assert (refusal.outcome, refusal.rule, refusal.defer_until, refusal.source, refusal.actor_label) == (
        "defer",
        "sunday",
        sunday.defer_until,
        "manual",
        "ada.agent@acme.test",
    )
    assert refusal.decided_at == NOW


def test_it_reads_suppressions_as_stored_not_as_the_caller_loaded_them(tenant: Tenant) -> None:
    # The daily run loads debtors first; a cease request or opt-out recorded meanwhile still wins.
    ana = debtor_make("FR-1")
    email = point_make(ana, "email", "ana@example.fr")
    at = local(PARIS, 2026, 7, 10, 10)
    Debtor.objects.filter(pk=ana.pk).update(cease_requested_at=NOW)
    assert gate_check(ask(ana, "email", at, email)).rule == "cease"

    bob = debtor_make("FR-2")
    bobs = point_make(bob, "email", "bob@example.fr")
    ContactPoint.objects.filter(pk=bobs.pk).update(opted_out_at=NOW)
    assert gate_check(ask(bob, "email", at, bobs)).rule == "opted_out"
